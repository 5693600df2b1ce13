/* test_flamecolour.c: the flame graph's fills: every shade keeps labels readable, functions of one
 * module differ, a function keeps its colour, the diff scale runs blue - grey - red. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "flamecolour.h"
#include "output.h"

#define WCAG_AA 4.5 /* WCAG 2 AA contrast for normal-size text */

/* A CSS colour as the SVG's style sheet writes them: #rgb, #rrggbb or
 * rgb(r,g,b). */
static struct rgb parse_css(const char *s)
{
	unsigned r = 0, g = 0, b = 0;
	int n = 0;

	if (sscanf(s, "rgb(%u,%u,%u)", &r, &g, &b) == 3)
		return (struct rgb){(uint8_t)r, (uint8_t)g, (uint8_t)b};
	if (sscanf(s, "#%2x%2x%2x%n", &r, &g, &b, &n) == 3 && n == 7)
		return (struct rgb){(uint8_t)r, (uint8_t)g, (uint8_t)b};
	if (sscanf(s, "#%1x%1x%1x", &r, &g, &b) == 3)
		return (struct rgb){(uint8_t)(r * 17), (uint8_t)(g * 17), (uint8_t)(b * 17)};
	CHECK(!"a colour the test cannot read");
	return (struct rgb){255, 255, 255};
}

/* The colour a rule of the flame graph's style sheet gives: rule "text {",
 * property "fill:". */
static struct rgb svg_css(const char *rule, const char *prop)
{
	struct profile *p = profile__new();
	struct rgb c = {255, 255, 255};
	char *svg = NULL, *r = NULL, *v = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&svg, &len);

	if (p && f && output__write(p, OUT_FLAMEGRAPH, NULL, f) == 0) {
		fflush(f);
		r = strstr(svg, rule);
		v = r ? strstr(r, prop) : NULL;
	}
	CHECK(v && v < strchr(r, '}'));
	if (v && v < strchr(r, '}'))
		c = parse_css(v + strlen(prop) + strspn(v + strlen(prop), " "));
	if (f)
		fclose(f);
	free(svg);
	profile__free(p);
	return c;
}

static int same(struct rgb a, struct rgb b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* Hue angle (degrees) of an sRGB colour, as HSV has it. */
static double hue_of(struct rgb c)
{
	double r = c.r, g = c.g, b = c.b, max = fmax(r, fmax(g, b)), min = fmin(r, fmin(g, b));
	double h;

	if (max == min)
		return 0;
	if (max == r)
		h = fmod((g - b) / (max - min), 6);
	else if (max == g)
		h = (b - r) / (max - min) + 2;
	else
		h = (r - g) / (max - min) + 4;
	return h * 60 < 0 ? h * 60 + 360 : h * 60;
}

/* Within 10 degrees: the lightness and chroma steps of one LCh hue move
 * its sRGB hue by up to 8 degrees. */
static int same_hue(struct rgb a, struct rgb b)
{
	return fabs(hue_of(a) - hue_of(b)) <= 10;
}

/* The labels' colour (from the SVG's style sheet) on every fill the
 * writer can produce. */
static void test_contrast(void)
{
	struct rgb text = svg_css("\ntext {", "fill:"), worst_at = {0};
	const struct profile_frame fixed[] = {
	    {.name = "thread (1): MainThread", .kind = PF_THREAD},
	    {.name = "process 1: python3 app.py", .kind = PF_PROCESS},
	    {.name = "[truncated]", .kind = PF_TRUNCATED},
	};
	double worst = 21;
	int n = 0;

	CHECK(fabs(flamecolour__contrast((struct rgb){0, 0, 0}, (struct rgb){255, 255, 255}) - 21) <
	      1e-9);
	CHECK(flamecolour__contrast(text, text) == 1.0);
	for (int pal = FC_WARM; pal <= FC_COOL; pal++) {
		for (uint32_t h = 0; h < FLAMECOLOUR_HUES; h++) {
			for (uint32_t s = 0; s < FLAMECOLOUR_SHADES; s++) {
				struct rgb c = flamecolour__shade(pal, h, s);
				double r = flamecolour__contrast(text, c);

				if (r < worst) {
					worst = r;
					worst_at = c;
				}
				n++;
			}
		}
	}
	for (int l = -FLAMECOLOUR_DIFF_LEVELS; l <= FLAMECOLOUR_DIFF_LEVELS; l++) {
		struct rgb c = flamecolour__diff_level(l);

		if (flamecolour__contrast(text, c) < worst) {
			worst = flamecolour__contrast(text, c);
			worst_at = c;
		}
		n++;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		CHECK(flamecolour__contrast(text, flamecolour__frame(&fixed[i], 0)) >= WCAG_AA);
		n++;
	}
	CHECK(flamecolour__contrast(text, flamecolour__frame(NULL, 0)) >= WCAG_AA);
	CHECK(flamecolour__contrast(text, flamecolour__frame(NULL, 1)) >= WCAG_AA);
	CHECK(flamecolour__contrast(text, svg_css(".frame.match rect {", "fill:")) >= WCAG_AA);
	fprintf(stderr, "  %d fills, lowest label contrast %.2f (rgb(%u,%u,%u))\n", n + 3, worst,
		worst_at.r, worst_at.g, worst_at.b);
	CHECK(worst >= WCAG_AA);
}

/* CIE76 Delta E between two sRGB colours, through CIE L*a*b* (D65). */
static double delta_e(struct rgb x, struct rgb y)
{
	double lab[2][3];

	for (int k = 0; k < 2; k++) {
		struct rgb c = k ? y : x;
		const double ch[3] = {c.r / 255.0, c.g / 255.0, c.b / 255.0};
		double lin[3], xyz[3], f[3];

		for (int i = 0; i < 3; i++)
			lin[i] =
			    ch[i] <= 0.04045 ? ch[i] / 12.92 : pow((ch[i] + 0.055) / 1.055, 2.4);
		xyz[0] = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047;
		xyz[1] = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
		xyz[2] = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883;
		for (int i = 0; i < 3; i++)
			f[i] = xyz[i] > 216.0 / 24389 ? cbrt(xyz[i])
						      : (24389.0 / 27 * xyz[i] + 16) / 116;
		lab[k][0] = 116 * f[1] - 16;
		lab[k][1] = 500 * (f[0] - f[1]);
		lab[k][2] = 200 * (f[1] - f[2]);
	}
	return sqrt(pow(lab[0][0] - lab[1][0], 2) + pow(lab[0][1] - lab[1][1], 2) +
		    pow(lab[0][2] - lab[1][2], 2));
}

/* The shades of a hue are far enough apart to tell two neighbouring
 * frames apart: at least 5.5 in CIE76 Delta E (2.3 is just noticeable). */
static void test_shades_differ(void)
{
	double least = 100;

	for (int pal = FC_WARM; pal <= FC_COOL; pal++) {
		for (uint32_t h = 0; h < FLAMECOLOUR_HUES; h++) {
			for (uint32_t a = 0; a < FLAMECOLOUR_SHADES; a++) {
				for (uint32_t b = a + 1; b < FLAMECOLOUR_SHADES; b++) {
					double d = delta_e(flamecolour__shade(pal, h, a),
							   flamecolour__shade(pal, h, b));

					least = d < least ? d : least;
				}
			}
		}
	}
	fprintf(stderr, "  closest two shades of a hue: Delta E %.2f\n", least);
	CHECK(least >= 5.5);
	/* And the diff scale's neighbouring steps are not all alike. */
	CHECK(delta_e(flamecolour__diff_level(0),
		      flamecolour__diff_level(FLAMECOLOUR_DIFF_LEVELS)) > 40);
	CHECK(delta_e(flamecolour__diff_level(0),
		      flamecolour__diff_level(-FLAMECOLOUR_DIFF_LEVELS)) > 40);
}

/* Colour is a function of (file, name): not of the line, the id or the
 * order; a module's functions share its hue. */
static void test_frames(void)
{
	struct profile_frame a = {.name = "compute", .file = "lib/calc.py", .line = 40};
	struct profile_frame a2 = {.name = "compute", .file = "lib/calc.py", .line = 57};
	struct profile_frame gc = {.name = "<GC>", .kind = PF_OTHER};
	char name[32];
	int differ = 0, n = 0, hues = 0;

	CHECK(same(flamecolour__frame(&a, 0), flamecolour__frame(&a2, 0)));
	/* Non-Python frames are cool: blue above red. */
	CHECK(flamecolour__frame(&gc, 0).b > flamecolour__frame(&gc, 0).r);
	/* 100 functions of one module: most neighbours differ (a hash into 15
	 * shades: 1 pair in 15 alike), all in the module's hue. */
	for (int i = 0; i < 100; i++) {
		struct profile_frame x = {.name = name, .file = "m.py", .line = i};
		struct rgb c1, c2;

		snprintf(name, sizeof(name), "func_%d", i);
		c1 = flamecolour__frame(&x, 0);
		snprintf(name, sizeof(name), "func_%d", i + 1);
		c2 = flamecolour__frame(&x, 0);
		differ += !same(c1, c2);
		hues += same_hue(c1, c2);
		n++;
	}
	fprintf(stderr, "  neighbouring functions of one module: %d of %d differ\n", differ, n);
	CHECK(differ >= 85);
	CHECK_INT(hues, n);
}

static void test_diff(void)
{
	struct rgb grey = flamecolour__diff(0), up = flamecolour__diff(0.4),
		   down = flamecolour__diff(-0.4);

	CHECK(grey.r == grey.g && grey.g == grey.b);
	CHECK(up.r > up.b && up.r > up.g);
	CHECK(down.b > down.r && down.b > down.g);
	/* Full at FLAMECOLOUR_DIFF_FULL and beyond; half way in between. */
	CHECK(same(up, flamecolour__diff(FLAMECOLOUR_DIFF_FULL)));
	CHECK(same(up, flamecolour__diff(1)));
	CHECK(same(down, flamecolour__diff_level(-FLAMECOLOUR_DIFF_LEVELS - 7)));
	CHECK(same(flamecolour__diff(FLAMECOLOUR_DIFF_FULL / 2),
		   flamecolour__diff_level(FLAMECOLOUR_DIFF_LEVELS / 2)));
	/* Deeper with the change: each step is more red (blue) than the last. */
	for (int l = 1; l <= FLAMECOLOUR_DIFF_LEVELS; l++) {
		struct rgb r0 = flamecolour__diff_level(l - 1), r1 = flamecolour__diff_level(l);
		struct rgb b0 = flamecolour__diff_level(1 - l), b1 = flamecolour__diff_level(-l);

		CHECK(r1.r - r1.b > r0.r - r0.b);
		CHECK(b1.b - b1.r > b0.b - b0.r);
	}
	CHECK(same(grey, flamecolour__diff(0.0 / 0.0)));
	CHECK(same(grey, flamecolour__diff(FLAMECOLOUR_DIFF_FULL / FLAMECOLOUR_DIFF_LEVELS / 3)));
}

int main(void)
{
	test_contrast();
	test_shades_differ();
	test_frames();
	test_diff();
	return check_report("flamecolour");
}
