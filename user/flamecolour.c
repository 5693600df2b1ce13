/* flamecolour.c: the flame graph's fills: a hue per module, a shade per function, diff red/blue. */
#include <math.h>

#include "flamecolour.h"

/* FNV-1a with a final mix: stable across runs and machines, unlike ids. */
static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

static uint8_t channel(double v)
{
	return (uint8_t)lround(v < 0 ? 0 : v > 1 ? 255 : v * 255);
}

/* CIE L*a*b* (D65 white) to linear sRGB, each component 0..1 when the
 * colour is one sRGB can show. */
static void lab_to_linear(double l, double a, double b, double rgb[3])
{
	const double eps = 216.0 / 24389, kappa = 24389.0 / 27;
	double fy = (l + 16) / 116, f[3] = {fy + a / 500, fy, fy - b / 200}, xyz[3];
	const double white[3] = {0.95047, 1.0, 1.08883};

	for (int i = 0; i < 3; i++) {
		double t3 = f[i] * f[i] * f[i];

		xyz[i] = white[i] * (t3 > eps ? t3 : (116 * f[i] - 16) / kappa);
	}
	rgb[0] = 3.2406 * xyz[0] - 1.5372 * xyz[1] - 0.4986 * xyz[2];
	rgb[1] = -0.9689 * xyz[0] + 1.8758 * xyz[1] + 0.0415 * xyz[2];
	rgb[2] = 0.0557 * xyz[0] - 0.2040 * xyz[1] + 1.0570 * xyz[2];
}

static int lch_in_gamut(double l, double c, double h)
{
	double rgb[3], rad = h * M_PI / 180;

	lab_to_linear(l, c * cos(rad), c * sin(rad), rgb);
	return rgb[0] >= 0 && rgb[0] <= 1 && rgb[1] >= 0 && rgb[1] <= 1 && rgb[2] >= 0 &&
	       rgb[2] <= 1;
}

static double gamma_encode(double v)
{
	return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
}

/* The colour of lightness l and hue h (CIE LCh) with the given fraction of
 * the most chroma sRGB has there: steps of lightness look like steps. */
static struct rgb lch(double l, double chroma_frac, double h)
{
	double lo = 0, hi = 150, rgb[3], rad = h * M_PI / 180, c;

	for (int i = 0; i < 32; i++) {
		double mid = (lo + hi) / 2;

		if (lch_in_gamut(l, mid, h))
			lo = mid;
		else
			hi = mid;
	}
	c = lo * chroma_frac;
	lab_to_linear(l, c * cos(rad), c * sin(rad), rgb);
	return (struct rgb){channel(gamma_encode(rgb[0])), channel(gamma_encode(rgb[1])),
			    channel(gamma_encode(rgb[2]))};
}

/*
 * A shade is one of 5 lightnesses (L* 58 to 82, 6 apart) at 100, 75 or 50%
 * of the chroma sRGB has there: any two shades of a hue are at least 5.8
 * apart in CIE76 Delta E (plainly different side by side), and two
 * functions of a module share one only when their names hash alike (1 pair
 * in 15). L* 58 keeps black labels above a 4.5 contrast ratio
 * (test_flamecolour checks every fill): that bounds lightness from below.
 */
struct rgb flamecolour__shade(int palette, uint32_t hue, uint32_t shade)
{
	/* Warm: red-orange (LCh hue 40) to yellow (85); cool: teal (200) to blue (245). */
	double h0 = palette == FC_COOL ? 200 : 40, span = 45;
	uint32_t s = shade % FLAMECOLOUR_SHADES;

	return lch(58 + 6 * (s / 3), 1 - 0.25 * (s % 3),
		   h0 + span * (hue % FLAMECOLOUR_HUES) / (FLAMECOLOUR_HUES - 1));
}

struct rgb flamecolour__frame(const struct profile_frame *f, int merged)
{
	const char *module;

	if (merged)
		return (struct rgb){210, 210, 210};
	if (!f)
		return (struct rgb){190, 190, 200};
	switch (f->kind) {
	case PF_PYTHON:
		module = f->file ? f->file : f->name;
		return flamecolour__shade(FC_WARM, str_hash(module), str_hash(f->name));
	case PF_THREAD:
		return (struct rgb){160, 190, 225};
	case PF_PROCESS:
		return (struct rgb){130, 165, 215};
	case PF_TRUNCATED:
		return (struct rgb){225, 110, 110};
	default:
		return flamecolour__shade(FC_COOL, str_hash(f->name), str_hash(f->name) >> 16);
	}
}

struct rgb flamecolour__diff_level(int level)
{
	static const struct rgb grey = {215, 215, 215}, red = {250, 70, 60}, blue = {80, 125, 250};
	const struct rgb *to = level < 0 ? &blue : &red;
	double t;

	if (level < -FLAMECOLOUR_DIFF_LEVELS)
		level = -FLAMECOLOUR_DIFF_LEVELS;
	if (level > FLAMECOLOUR_DIFF_LEVELS)
		level = FLAMECOLOUR_DIFF_LEVELS;
	t = (double)(level < 0 ? -level : level) / FLAMECOLOUR_DIFF_LEVELS;
	return (struct rgb){channel((grey.r + t * (to->r - grey.r)) / 255),
			    channel((grey.g + t * (to->g - grey.g)) / 255),
			    channel((grey.b + t * (to->b - grey.b)) / 255)};
}

struct rgb flamecolour__diff(double delta)
{
	double t = delta / FLAMECOLOUR_DIFF_FULL;

	if (!(t == t)) /* NaN */
		t = 0;
	if (t > 1)
		t = 1;
	if (t < -1)
		t = -1;
	return flamecolour__diff_level((int)lround(t * FLAMECOLOUR_DIFF_LEVELS));
}

/* WCAG 2's relative luminance of an sRGB colour. */
static double luminance(struct rgb c)
{
	const uint8_t ch[3] = {c.r, c.g, c.b};
	const double w[3] = {0.2126, 0.7152, 0.0722};
	double y = 0;

	for (int i = 0; i < 3; i++) {
		double v = ch[i] / 255.0;

		y += w[i] * (v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
	}
	return y;
}

double flamecolour__contrast(struct rgb a, struct rgb b)
{
	double la = luminance(a), lb = luminance(b);

	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}
