/* output_flamegraph.c: a self-contained interactive flame graph SVG (hover, click to zoom, regex search). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "callcounts.h"
#include "flamecolour.h"
#include "output.h"

/*
 * Geometry, in SVG user units (pixels at 100%). Frames are laid out by
 * samples: a frame's x is its first sample's offset, so a child always sits
 * inside its parent and two frames either nest or do not overlap; the
 * script relies on that for zoom and for search percentages.
 */
#define IMG_WIDTH 1200
#define PAD_X 10
#define FRAMES_WIDTH (IMG_WIDTH - 2 * PAD_X)
#define PAD_TOP 68 /* the title, then a row with "Reset zoom" and the search box */
#define PAD_BOTTOM 30
#define FRAME_HEIGHT 16
#define CHAR_WIDTH 7.2 /* 12px monospace: 0.6 em */

/*
 * Frames below MIN_WIDTH_PER_MILLE/1000 of all samples (0.1%, about 1.2 px
 * at the initial 1180 px) are not written: a profile with 100,000 distinct
 * frames would otherwise give a file of tens of megabytes that browsers
 * struggle with, for frames nobody can see or point at. The elided children
 * of a frame are written as one "[N frames under 0.1% each]" frame when
 * together they reach the threshold, so no width goes unexplained; below
 * it, they show as the parent's self time, like in other flame graphs.
 */
#define MIN_WIDTH_PER_MILLE 1

#define NODE_ROOT UINT32_MAX

/* Whether n of total samples is too narrow to draw. In 128 bits: counts
 * read from a file (pyhawk diff) can reach 2^64 - 1, and n * 1000 must not
 * wrap round to a small number. */
static int too_narrow(uint64_t n, uint64_t total)
{
	return (unsigned __int128)n * 1000 < (unsigned __int128)total * MIN_WIDTH_PER_MILLE;
}

struct node {
	uint64_t total;  /* samples here and below */
	uint64_t start;  /* offset of the first sample, in samples */
	uint64_t next;   /* where the next kept child starts */
	uint64_t merged; /* samples of elided children */
	uint64_t before; /* differential: samples at the same path before */
	uint64_t bmerged; /* differential: before's samples of the elided children */
	uint32_t nmerged;
	uint32_t frame; /* view frame id, or NODE_ROOT */
	uint32_t parent;
	uint32_t depth;
	int kept;
};

struct fg {
	const struct profile_view *v;
	FILE *f;
	uint64_t total;
	uint64_t btotal; /* differential: before's samples */
	int diff;
	uint32_t height;
	uint32_t maxdepth;
	const struct callcounts *calls; /* --calls; NULL: none */
};

/* ---- XML text ------------------------------------------------------------ */

/* The next character as XML may hold it: 0 for one to drop (controls), and
 * U+FFFD for invalid UTF-8 and the non-characters XML forbids. */
static size_t xml_next(const char *s, uint32_t *cp)
{
	size_t l = profile__utf8_next(s, cp);

	if (!l)
		return 1; /* *cp is U+FFFD */
	if (*cp < 0x20 || *cp == 0x7f)
		*cp = 0;
	else if (*cp == 0xfffe || *cp == 0xffff)
		*cp = 0xfffd;
	return l;
}

/* Characters xml_write() would write for s. */
static size_t xml_len(const char *s)
{
	size_t n = 0;

	while (*s) {
		uint32_t cp;

		s += xml_next(s, &cp);
		n += cp != 0;
	}
	return n;
}

/* Writes at most max characters of s, escaped for text and attributes. */
static void xml_write(FILE *f, const char *s, size_t max)
{
	while (*s && max) {
		uint32_t cp;
		size_t l = xml_next(s, &cp);

		switch (cp) {
		case 0:
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		case 0xfffd:
			fputs("\xef\xbf\xbd", f);
			break;
		default:
			fwrite(s, 1, l, f);
		}
		if (cp)
			max--;
		s += l;
	}
}

static void xml_str(FILE *f, const char *s)
{
	xml_write(f, s, SIZE_MAX);
}

/* A node's fill, as the fill attribute takes it: its frame's colour (fr
 * NULL: the root), or in a differential graph how its share changed. */
static void node_colour(const struct fg *fg, const struct node *n, const struct profile_frame *fr,
			int merged, char *buf, size_t size)
{
	struct rgb c;

	if (fg->diff)
		c = flamecolour__diff((double)n->total / (double)fg->total -
				      (fg->btotal ? (double)n->before / (double)fg->btotal : 0));
	else
		c = flamecolour__frame(fr, merged);
	snprintf(buf, size, "rgb(%u,%u,%u)", c.r, c.g, c.b);
}

/* ---- the document ------------------------------------------------------------ */

/* The style sheet and the script are CSS and JavaScript: laid out as such. */
/* clang-format off */
static const char svg_style[] =
	"svg { background: #f8f8f4; }\n"
	"text { font-family: monospace; font-size: 12px; fill: #000; }\n"
	"#title { font-family: sans-serif; font-size: 17px; text-anchor: middle; }\n"
	"#reset-zoom { cursor: pointer; fill: #1a5fb4; }\n"
	"#reset-zoom:hover { text-decoration: underline; }\n"
	"#matched { text-anchor: end; }\n"
	"#search-input { box-sizing: border-box; width: 100%; height: 22px; font: 12px monospace; }\n"
	".frame { cursor: pointer; }\n"
	".frame text { pointer-events: none; }\n"
	".frame:hover rect { stroke: #000; stroke-width: 0.6; }\n"
	".frame.parent rect { opacity: 0.55; }\n"
	".frame.match rect { fill: rgb(200,80,240); }\n"
	".hide { display: none; }\n"
	"#tooltip { pointer-events: none; }\n"
	"#tooltip-bg { fill: #fffff0; stroke: #444; stroke-width: 0.6; }\n";

/*
 * Everything a frame needs is in its attributes: data-s (first sample),
 * data-n (samples), data-d (depth), data-name and data-loc (file:line),
 * with --calls data-calls (its function's exact calls); the label is
 * "name (loc)". window.pyhawk exposes search/zoom/reset for
 * tests and for the console.
 */
static const char svg_script[] =
	"(function () {\n"
	"  'use strict';\n"
	"  var svg = document.documentElement;\n"
	"  var X0 = +svg.getAttribute('data-x0'), W = +svg.getAttribute('data-w');\n"
	"  var CW = +svg.getAttribute('data-cw'), total = +svg.getAttribute('data-total');\n"
	"  var btotal = svg.getAttribute('data-btotal'), diff = btotal !== null;\n"
	"  btotal = +btotal;\n"
	"  function byId(id) { return document.getElementById(id); }\n"
	"  var tip = byId('tooltip'), tipBg = byId('tooltip-bg'), tipText = byId('tooltip-text');\n"
	"  var tipName = byId('tooltip-name'), tipLoc = byId('tooltip-loc');\n"
	"  var tipCount = byId('tooltip-count'), details = byId('details');\n"
	"  var tipBefore = byId('tooltip-before');\n"
	"  var matched = byId('matched'), reset = byId('reset-zoom'), input = byId('search-input');\n"
	"  var frames = [], zoomed = null, query = '';\n"
	"  Array.prototype.forEach.call(document.querySelectorAll('g.frame'), function (g) {\n"
	"    var name = g.getAttribute('data-name'), loc = g.getAttribute('data-loc');\n"
	"    var f = { g: g, rect: g.querySelector('rect'), text: g.querySelector('text'),\n"
	"      name: name, loc: loc, label: loc ? name + ' (' + loc + ')' : name,\n"
	"      s: +g.getAttribute('data-s'), n: +g.getAttribute('data-n'),\n"
	"      b: +g.getAttribute('data-b'), c: g.getAttribute('data-calls'),\n"
	"      d: +g.getAttribute('data-d') };\n"
	"    g.pyhawkFrame = f;\n"
	"    frames.push(f);\n"
	"  });\n"
	"  function pctOf(n, t) { return (t ? 100 * n / t : 0).toFixed(2) + '%'; }\n"
	"  function pct(n) { return pctOf(n, total); }\n"
	"  function samples(n) { return n + (n === 1 ? ' sample' : ' samples'); }\n"
	"  function fit(f, w) {\n"
	"    var chars = Array.from(f.label), max = Math.floor((w - 6) / CW);\n"
	"    f.text.textContent = max < 3 ? '' : chars.length <= max ? f.label :\n"
	"      chars.slice(0, max - 2).join('') + '..';\n"
	"  }\n"
	"  function place(f, x, w) {\n"
	"    f.rect.setAttribute('x', x.toFixed(1));\n"
	"    f.rect.setAttribute('width', (w >= 2 ? w - 1 : w / 2).toFixed(1));\n"
	"    f.text.setAttribute('x', (x + 3).toFixed(1));\n"
	"    fit(f, w);\n"
	"  }\n"
	"  /* The zoomed frame and what it contains span the width; its\n"
	"     ancestors stay, dimmed, at full width; the rest hides. */\n"
	"  function layout(z) {\n"
	"    var zs = z ? z.s : 0, zn = z ? z.n : total, zd = z ? z.d : 0;\n"
	"    var k = zn ? W / zn : 0;\n"
	"    frames.forEach(function (f) {\n"
	"      var inside = f.d >= zd && f.s >= zs && f.s + f.n <= zs + zn;\n"
	"      var above = !inside && f.d < zd && f.s <= zs && f.s + f.n >= zs + zn;\n"
	"      f.g.classList.toggle('hide', !inside && !above);\n"
	"      f.g.classList.toggle('parent', above);\n"
	"      if (inside)\n"
	"        place(f, X0 + (f.s - zs) * k, f.n * k);\n"
	"      else if (above)\n"
	"        place(f, X0, W);\n"
	"    });\n"
	"    reset.classList.toggle('hide', !z);\n"
	"  }\n"
	"  function zoom(f) {\n"
	"    zoomed = f && f.d > 0 ? f : null;\n"
	"    layout(zoomed);\n"
	"    hideTip();\n"
	"  }\n"
	"  function moveTip(ev) {\n"
	"    var ctm = svg.getScreenCTM(), pt = svg.createSVGPoint(), vb = svg.viewBox.baseVal;\n"
	"    if (!ctm)\n"
	"      return;\n"
	"    pt.x = ev.clientX;\n"
	"    pt.y = ev.clientY;\n"
	"    pt = pt.matrixTransform(ctm.inverse());\n"
	"    var bb = tipText.getBBox(), w = bb.width + 12, h = bb.height + 8;\n"
	"    var x = pt.x + 14, y = pt.y + 18;\n"
	"    if (x + w > vb.width)\n"
	"      x = Math.max(0, pt.x - w - 6);\n"
	"    if (y + h > vb.height)\n"
	"      y = Math.max(0, pt.y - h - 6);\n"
	"    tipBg.setAttribute('width', w.toFixed(1));\n"
	"    tipBg.setAttribute('height', h.toFixed(1));\n"
	"    tip.setAttribute('transform', 'translate(' + x.toFixed(1) + ',' + y.toFixed(1) + ')');\n"
	"  }\n"
	"  /* Differential: the samples before, and the change of the frame's\n"
	"     share in points of the totals (what its colour shows). */\n"
	"  function before(f) {\n"
	"    var change = 100 * ((total ? f.n / total : 0) - (btotal ? f.b / btotal : 0));\n"
	"    var c = (Math.round(change * 100) / 100 + 0).toFixed(2);\n"
	"    return 'before: ' + samples(f.b) + ' (' + pctOf(f.b, btotal) + '), ' +\n"
	"      (c.charAt(0) === '-' ? c : '+' + c) + ' points';\n"
	"  }\n"
	"  function showTip(f, ev) {\n"
	"    var count = (diff ? 'after: ' : '') + samples(f.n) + ' (' + pct(f.n) + ')' +\n"
	"      (f.c === null ? '' : ', ' + f.c + (f.c === '1' ? ' call' : ' calls'));\n"
	"    tipName.textContent = f.name;\n"
	"    tipLoc.textContent = f.loc || '';\n"
	"    tipLoc.classList.toggle('hide', !f.loc);\n"
	"    tipCount.textContent = count;\n"
	"    tipBefore.textContent = diff ? before(f) : '';\n"
	"    tipBefore.classList.toggle('hide', !diff);\n"
	"    tip.classList.remove('hide');\n"
	"    moveTip(ev);\n"
	"    details.textContent = f.label + ': ' + count + (diff ? '; ' + before(f) : '');\n"
	"  }\n"
	"  function hideTip() {\n"
	"    tip.classList.add('hide');\n"
	"    details.textContent = ' ';\n"
	"  }\n"
	"  /* Matches never count twice: a match inside another match adds\n"
	"     nothing, since its samples lie within the outer one's. */\n"
	"  function search(pattern) {\n"
	"    var re = null, hits = [], covered = 0, end = 0;\n"
	"    query = pattern || '';\n"
	"    if (query) {\n"
	"      try {\n"
	"        re = new RegExp(query);\n"
	"      } catch (e) {\n"
	"        frames.forEach(function (f) { f.g.classList.remove('match'); });\n"
	"        matched.textContent = 'Invalid regex';\n"
	"        return null;\n"
	"      }\n"
	"    }\n"
	"    frames.forEach(function (f) {\n"
	"      var m = re !== null && re.test(f.label);\n"
	"      f.g.classList.toggle('match', m);\n"
	"      if (m)\n"
	"        hits.push(f);\n"
	"    });\n"
	"    hits.sort(function (a, b) { return a.s - b.s || b.n - a.n; });\n"
	"    hits.forEach(function (f) {\n"
	"      if (f.s + f.n > end) {\n"
	"        covered += f.s + f.n - Math.max(f.s, end);\n"
	"        end = f.s + f.n;\n"
	"      }\n"
	"    });\n"
	"    matched.textContent = re ? 'Matched: ' + pct(covered) : '';\n"
	"    return { frames: hits.length, samples: covered,\n"
	"      percent: total ? 100 * covered / total : 0 };\n"
	"  }\n"
	"  function frameOf(node) {\n"
	"    var g = node && node.closest ? node.closest('g.frame') : null;\n"
	"    return g ? g.pyhawkFrame : null;\n"
	"  }\n"
	"  var layer = byId('frames');\n"
	"  layer.addEventListener('mouseover', function (ev) {\n"
	"    var f = frameOf(ev.target);\n"
	"    if (f)\n"
	"      showTip(f, ev);\n"
	"  });\n"
	"  layer.addEventListener('mousemove', function (ev) {\n"
	"    if (!tip.classList.contains('hide'))\n"
	"      moveTip(ev);\n"
	"  });\n"
	"  layer.addEventListener('mouseout', function (ev) {\n"
	"    if (frameOf(ev.target) !== frameOf(ev.relatedTarget))\n"
	"      hideTip();\n"
	"  });\n"
	"  layer.addEventListener('click', function (ev) {\n"
	"    var f = frameOf(ev.target);\n"
	"    if (f)\n"
	"      zoom(f);\n"
	"  });\n"
	"  reset.addEventListener('click', function () { zoom(null); });\n"
	"  input.addEventListener('input', function () { search(input.value); });\n"
	"  document.addEventListener('keydown', function (ev) {\n"
	"    if (ev.key === 'Escape') {\n"
	"      input.value = '';\n"
	"      search('');\n"
	"      zoom(null);\n"
	"    } else if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f') {\n"
	"      ev.preventDefault();\n"
	"      input.focus();\n"
	"    }\n"
	"  });\n"
	"  window.pyhawk = {\n"
	"    search: function (pattern) { input.value = pattern || ''; return search(pattern); },\n"
	"    zoom: function (g) { zoom(frameOf(g)); },\n"
	"    reset: function () { zoom(null); },\n"
	"    zoomed: function () { return zoomed ? zoomed.g : null; },\n"
	"  };\n"
	"})();\n";
/* clang-format on */

static void write_frame(struct fg *fg, const struct node *n, const char *cls, const char *name,
			const char *file, int line, const char *label, const char *colour,
			const struct profile_frame *fr)
{
	uint64_t calls;

	double x = PAD_X + (double)n->start * FRAMES_WIDTH / (double)fg->total;
	double w = (double)n->total * FRAMES_WIDTH / (double)fg->total;
	double y = fg->height - PAD_BOTTOM - (double)(n->depth + 1) * FRAME_HEIGHT;
	long max = (long)((w - 6) / CHAR_WIDTH);
	size_t len = xml_len(label);
	FILE *f = fg->f;

	fprintf(f, "<g class=\"%s\" data-s=\"%" PRIu64 "\" data-n=\"%" PRIu64 "\"", cls, n->start,
		n->total);
	fprintf(f, " data-d=\"%" PRIu32 "\"", n->depth);
	if (fg->diff)
		fprintf(f, " data-b=\"%" PRIu64 "\"", n->before);
	fputs(" data-name=\"", f);
	xml_str(f, name);
	if (file) {
		fputs("\" data-loc=\"", f);
		xml_str(f, file);
		if (line > 0)
			fprintf(f, ":%d", line);
	}
	if (fr && !callcounts__of_frame(fg->calls, fr, &calls))
		fprintf(f, "\" data-calls=\"%" PRIu64, calls);
	fprintf(f, "\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x, y,
		w >= 2 ? w - 1 : w / 2, FRAME_HEIGHT - 1, colour);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + 11.5);
	/* The same fitting as the script's fit(), counted in code points. */
	if (max >= 3 && len <= (size_t)max) {
		xml_str(f, label);
	} else if (max >= 3) {
		xml_write(f, label, (size_t)max - 2);
		fputs("..", f);
	}
	fputs("</text></g>\n", f);
}

/* Builds the call tree (pre-order, children in the view's label order). */
static int build_tree(const struct profile_view *v, struct node **out, size_t *nout)
{
	size_t nstacks = profile_view__nstacks(v), nnodes = 1, cap = 0, pathcap = 0;
	struct node *nodes = NULL;
	uint32_t *path = NULL; /* node of each depth of the previous stack */
	uint32_t pathlen = 0;
	int err = -ENOMEM;

	for (size_t i = 0; i < nstacks; i++) {
		cap += profile_view__stack(v, i)->n;
		if (profile_view__stack(v, i)->n > pathcap)
			pathcap = profile_view__stack(v, i)->n;
	}
	nodes = calloc(cap + 1, sizeof(*nodes));
	path = calloc(pathcap + 1, sizeof(*path));
	if (!nodes || !path)
		goto cleanup;
	nodes[0].frame = NODE_ROOT;
	nodes[0].kept = 1;
	for (size_t i = 0; i < nstacks; i++) {
		const struct profile_stack *s = profile_view__stack(v, i);
		uint32_t common = 0;

		/* Sorted stacks: a shared prefix is shared with the previous one. */
		while (common < s->n && common < pathlen && nodes[path[common]].frame == s->frames[common])
			common++;
		pathlen = common;
		for (uint32_t d = common; d < s->n; d++) {
			struct node *n = &nodes[nnodes];

			n->frame = s->frames[d];
			n->parent = d ? path[d - 1] : 0;
			n->depth = d + 1;
			path[pathlen++] = (uint32_t)nnodes++;
		}
		nodes[0].total += s->count;
		for (uint32_t d = 0; d < s->n; d++)
			nodes[path[d]].total += s->count;
	}
	*out = nodes;
	*nout = nnodes;
	nodes = NULL;
	err = 0;
cleanup:
	free(nodes);
	free(path);
	return err;
}

/* The child of before's node q labelled label, or UINT32_MAX: kids[first[q]
 * .. first[q + 1]) are q's children, in label order like every sibling. */
static uint32_t find_child(const struct profile_view *bv, const struct node *bn,
			   const uint32_t *first, const uint32_t *kids, uint32_t q,
			   const char *label)
{
	uint32_t lo = first[q], hi = first[q + 1];

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(profile_view__label(bv, bn[kids[mid]].frame), label);

		if (!c)
			return kids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT32_MAX;
}

/*
 * Differential: sets each node's before count, the samples before had at
 * the same path of labels from the root (0 where before has no such path),
 * and fg->btotal. Frames are matched by label, not id: before is another
 * profile. Both trees are built from views made with the same options.
 */
static int match_before(struct fg *fg, struct node *nodes, size_t nnodes,
			const struct profile *before, const struct profile_view_opts *vo)
{
	struct profile_view *bv = NULL;
	struct node *bn = NULL;
	uint32_t *first = NULL, *kids = NULL, *match = NULL;
	size_t nb = 0;
	int err;

	err = profile__view(before, vo, &bv);
	if (!err)
		err = build_tree(bv, &bn, &nb);
	if (err)
		goto cleanup;
	err = -ENOMEM;
	first = calloc(nb + 2, sizeof(*first));
	kids = malloc(nb * sizeof(*kids));
	match = malloc(nnodes * sizeof(*match));
	if (!first || !kids || !match)
		goto cleanup;
	/* Children lists, in pre-order (so in label order). */
	for (size_t i = 1; i < nb; i++)
		first[bn[i].parent + 2]++;
	for (size_t i = 2; i < nb + 2; i++)
		first[i] += first[i - 1];
	for (size_t i = 1; i < nb; i++)
		kids[first[bn[i].parent + 1]++] = (uint32_t)i;
	/* Parents come before their children. */
	match[0] = 0;
	nodes[0].before = bn[0].total;
	for (size_t i = 1; i < nnodes; i++) {
		uint32_t q = match[nodes[i].parent];

		match[i] = q == UINT32_MAX ? UINT32_MAX
					   : find_child(bv, bn, first, kids, q,
							profile_view__label(fg->v, nodes[i].frame));
		nodes[i].before = match[i] == UINT32_MAX ? 0 : bn[match[i]].total;
	}
	fg->btotal = profile_view__total(bv);
	err = 0;
cleanup:
	free(first);
	free(kids);
	free(match);
	free(bn);
	profile_view__free(bv);
	return err;
}

/* Decides which nodes are written and where: kept children left to right
 * in label order, then their elided siblings merged at the right. */
static void layout(struct fg *fg, struct node *nodes, size_t nnodes, uint64_t *elided)
{
	*elided = 0;
	for (size_t i = 1; i < nnodes; i++) {
		struct node *n = &nodes[i], *p = &nodes[n->parent];

		if (!p->kept || too_narrow(n->total, fg->total)) {
			if (p->kept) {
				p->merged += n->total;
				p->bmerged += n->before;
				p->nmerged++;
			}
			(*elided)++;
			continue;
		}
		n->kept = 1;
		n->start = p->next;
		n->next = n->start;
		p->next += n->total;
		if (n->depth > fg->maxdepth)
			fg->maxdepth = n->depth;
	}
	for (size_t i = 0; i < nnodes; i++) {
		if (nodes[i].kept && !too_narrow(nodes[i].merged, fg->total) &&
		    nodes[i].depth + 1 > fg->maxdepth)
			fg->maxdepth = nodes[i].depth + 1;
	}
}

int output__write_flamegraph(const struct profile *p, const struct output_opts *opts, FILE *f)
{
	struct profile_view_opts vo = { .threads = opts->threads,
					.processes = opts->processes,
					.group_by = PROFILE_GROUP_NONE };
	struct fg fg = {.f = f, .calls = opts ? opts->calls : NULL};
	struct profile_view *v = NULL;
	struct node *nodes = NULL;
	size_t nnodes = 0, title_len, nframes = 0;
	uint64_t elided = 0;
	char *title = NULL, colour[32];
	int err;

	err = profile__view(p, &vo, &v);
	if (err)
		return err;
	fg.v = v;
	fg.total = profile_view__total(v);
	err = build_tree(v, &nodes, &nnodes);
	if (!err && opts->before) {
		fg.diff = 1;
		err = match_before(&fg, nodes, nnodes, opts->before, &vo);
	}
	if (err)
		goto cleanup;
	title_len = output__title(p, opts, NULL, 0);
	title = malloc(title_len + 1);
	if (!title) {
		err = -ENOMEM;
		goto cleanup;
	}
	output__title(p, opts, title, title_len + 1);
	if (fg.total) {
		nodes[0].kept = 1;
		layout(&fg, nodes, nnodes, &elided);
		for (size_t i = 0; i < nnodes; i++) {
			nframes += nodes[i].kept;
			nframes += nodes[i].kept && !too_narrow(nodes[i].merged, fg.total);
		}
	}
	fg.height = PAD_TOP + (fg.maxdepth + 1) * FRAME_HEIGHT + PAD_BOTTOM;

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		"height=\"%" PRIu32 "\" viewBox=\"0 0 %d %" PRIu32 "\" id=\"pyhawk-flamegraph\" "
		"data-total=\"%" PRIu64 "\" data-frames=\"%zu\" data-elided=\"%" PRIu64 "\" "
		"data-x0=\"%d\" data-w=\"%d\" data-cw=\"%.1f\"",
		IMG_WIDTH, fg.height, IMG_WIDTH, fg.height, fg.total, nframes, elided, PAD_X,
		FRAMES_WIDTH, CHAR_WIDTH);
	if (fg.diff)
		fprintf(f, " data-btotal=\"%" PRIu64 "\"", fg.btotal);
	fputs(">\n", f);
	fputs("<title>", f);
	xml_str(f, title);
	fprintf(f,
		"</title>\n<desc>Flame graph written by pyhawk. Width is samples; frames under "
		"%.1f%% of the samples are merged per parent (%" PRIu64 " not drawn).",
		MIN_WIDTH_PER_MILLE / 10.0, elided);
	if (fg.diff)
		fprintf(f,
			" Differential: the shape is the profile after; each frame's fill is how "
			"its share of the samples changed since the profile before (red grew, blue "
			"shrank, full colour at %g points); frames only before are not drawn.",
			FLAMECOLOUR_DIFF_FULL * 100);
	fputs("</desc>\n", f);
	fprintf(f, "<style>%s</style>\n", svg_style);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%" PRIu32 "\" fill=\"#f8f8f4\"/>\n",
		IMG_WIDTH, fg.height);
	fprintf(f, "<text id=\"title\" x=\"%d\" y=\"24\">", IMG_WIDTH / 2);
	xml_str(f, title);
	fprintf(f, "</text>\n<text id=\"reset-zoom\" class=\"hide\" x=\"%d\" y=\"52\">Reset zoom</text>\n",
		PAD_X);
	fprintf(f, "<foreignObject x=\"%d\" y=\"36\" width=\"250\" height=\"24\">"
		   "<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search-input\" type=\"search\" "
		   "placeholder=\"Search (regex)\" spellcheck=\"false\" autocomplete=\"off\"/>"
		   "</foreignObject>\n",
		IMG_WIDTH - PAD_X - 250);
	if (fg.diff)
		fprintf(f,
			"<text id=\"legend\" x=\"%d\" y=\"52\" text-anchor=\"middle\">"
			"red: share grew, blue: shrank (full colour at %g points); frames only "
			"before not drawn</text>\n",
			IMG_WIDTH / 2, FLAMECOLOUR_DIFF_FULL * 100);
	fprintf(f, "<text id=\"details\" x=\"%d\" y=\"%" PRIu32 "\"> </text>\n", PAD_X, fg.height - 10);
	fprintf(f, "<text id=\"matched\" x=\"%d\" y=\"%" PRIu32 "\"></text>\n", IMG_WIDTH - PAD_X,
		fg.height - 10);
	if (!fg.total)
		fprintf(f, "<text x=\"%d\" y=\"%d\">No samples</text>\n", PAD_X, PAD_TOP + 12);

	fputs("<g id=\"frames\">\n", f);
	for (size_t i = 0; fg.total && i < nnodes; i++) {
		const struct node *n = &nodes[i];
		const struct profile_frame *fr;

		if (!n->kept)
			continue;
		if (n->frame == NODE_ROOT) {
			node_colour(&fg, n, NULL, 0, colour, sizeof(colour));
			write_frame(&fg, n, "frame root", "all", NULL, 0, "all", colour, NULL);
			continue;
		}
		fr = profile_view__frame(v, n->frame);
		node_colour(&fg, n, fr, 0, colour, sizeof(colour));
		write_frame(&fg, n, "frame", fr->name, fr->kind == PF_PYTHON ? fr->file : NULL,
			    fr->line, profile_view__label(v, n->frame), colour, fr);
	}
	for (size_t i = 0; fg.total && i < nnodes; i++) {
		const struct node *n = &nodes[i];
		struct node m = {.total = n->merged,
				 .before = n->bmerged,
				 .start = n->next,
				 .depth = n->depth + 1};
		char label[64];

		if (!n->kept || too_narrow(n->merged, fg.total))
			continue;
		snprintf(label, sizeof(label), "[%" PRIu32 " frame%s under %.1f%% each]", n->nmerged,
			 n->nmerged == 1 ? "" : "s", MIN_WIDTH_PER_MILLE / 10.0);
		node_colour(&fg, &m, NULL, 1, colour, sizeof(colour));
		write_frame(&fg, &m, "frame merged", label, NULL, 0, label, colour, NULL);
	}
	fputs("</g>\n", f);
	fputs(
	    "<g id=\"tooltip\" class=\"hide\"><rect id=\"tooltip-bg\" x=\"0\" y=\"0\" width=\"10\" "
	    "height=\"10\" rx=\"3\"/><text id=\"tooltip-text\" x=\"6\" y=\"15\">"
	    "<tspan id=\"tooltip-name\" x=\"6\" y=\"15\"></tspan>"
	    "<tspan id=\"tooltip-loc\" x=\"6\" dy=\"15\"></tspan>"
	    "<tspan id=\"tooltip-count\" x=\"6\" dy=\"15\"></tspan>"
	    "<tspan id=\"tooltip-before\" class=\"hide\" x=\"6\" dy=\"15\"></tspan></text></g>\n",
	    f);
	fprintf(f, "<script><![CDATA[\n%s]]></script>\n</svg>\n", svg_script);
	if (ferror(f))
		err = -EIO;
cleanup:
	free(nodes);
	free(title);
	profile_view__free(v);
	return err;
}
