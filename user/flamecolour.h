/* flamecolour.h: the flame graph's fills: a hue per module, a shade per function, diff red/blue. */
#ifndef FLAMECOLOUR_H
#define FLAMECOLOUR_H

#include <stdint.h>
#include "profile.h"

struct rgb {
	uint8_t r, g, b;
};

/*
 * Hashed palettes: a Python frame's hue comes from its file (so a module's
 * frames read as one block) and its shade from its function's name, never
 * from ids or order, so that two captures of the same program look alike.
 * Hues and shades are steps, so that a test can visit every fill there is.
 */
enum flamecolour_palette {
	FC_WARM = 0, /* Python frames */
	FC_COOL = 1, /* other named frames: <GC>, [idle: ...], [no Python frames] */
};
#define FLAMECOLOUR_HUES   24
#define FLAMECOLOUR_SHADES 15

/* Fill of step (hue, shade) of a palette (both taken modulo their count). */
struct rgb flamecolour__shade(int palette, uint32_t hue, uint32_t shade);

/* Fill of a frame (under black labels: the SVG's style sheet); NULL: the
 * "all" root. merged: a "[N frames under ...]" frame (f is then ignored). */
struct rgb flamecolour__frame(const struct profile_frame *f, int merged);

/*
 * Differential fill: delta is a frame's share after minus its share
 * before (-1 .. 1). Red when it grew, blue when it shrank, grey when
 * unchanged; the colour deepens in FLAMECOLOUR_DIFF_LEVELS steps up to full
 * at FLAMECOLOUR_DIFF_FULL (a change of 10 points of the total) and beyond.
 */
#define FLAMECOLOUR_DIFF_FULL	0.10
#define FLAMECOLOUR_DIFF_LEVELS 50
struct rgb flamecolour__diff(double delta);
/* Step level (-LEVELS .. LEVELS, clamped) of the differential scale. */
struct rgb flamecolour__diff_level(int level);

/* WCAG 2 contrast ratio of two colours (1 .. 21). */
double flamecolour__contrast(struct rgb a, struct rgb b);

#endif /* FLAMECOLOUR_H */
