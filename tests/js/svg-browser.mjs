// svg-browser.mjs: pyhawk's flame graph SVG in headless Chromium: frames, hover tooltip, click to zoom, regex search.
//
// What each SVG should hold is worked out here from the speedscope JSON of
// the same profile (checked against speedscope's importer by
// speedscope-import.mjs), not from the SVG writer: the call tree, each
// frame's samples and position (children in label order, root at the
// bottom), tooltip text, which frames a zoom keeps, and search results.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  artifacts, check, checkClose, checkEqual, golden, label, launchChromium, parseRaw, report, watchErrors, watchdog,
} from './lib.mjs';

const NAME = 'svg-browser';
watchdog(300, NAME);

const X0 = 10;
const W = 1180;
const FRAME_H = 16;
const PAD_BOTTOM = 30;

// The SVG drops control characters (XML cannot hold them).
const svgLabel = (f) => label(f).replace(/[\x00-\x1f\x7f]/g, '');
// The writers order siblings by the bytes of their UTF-8 labels (strcmp).
const byBytes = (a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey));

// The call tree of a speedscope file whose profiles each stand for one
// root frame (a thread, or a process), as the SVG of the same profile with
// threads on shows it. perSample converts weights back to samples.
function expectedTree(json, perSample) {
  const root = { label: 'all', sortKey: 'all', n: 0, d: 0, children: new Map(), parent: null };
  const add = (node, key, text) => {
    if (!node.children.has(key))
      node.children.set(key, { label: text, sortKey: key, n: 0, d: node.d + 1, children: new Map(), parent: node });
    return node.children.get(key);
  };
  for (const p of json.profiles) {
    p.samples.forEach((stack, i) => {
      const n = Math.round(p.weights[i] / perSample);
      let node = add(root, p.name, p.name);
      root.n += n;
      node.n += n;
      for (const idx of stack) {
        const f = json.shared.frames[idx];
        node = add(node, label(f), svgLabel(f));
        node.n += n;
      }
    });
  }
  // Offsets: children left to right in label order, from the parent's start.
  const nodes = [];
  const place = (node, s) => {
    node.s = s;
    nodes.push(node);
    let x = s;
    for (const child of [...node.children.values()].sort(byBytes)) {
      place(child, x);
      x += child.n;
    }
  };
  place(root, 0);
  return { root, nodes, total: root.n };
}

const pct = (n, total) => `${(100 * n / total).toFixed(2)}%`;
const key = (f) => `${f.d}|${f.s}|${f.n}|${f.label}`;

// Frames not under another match: what "Matched" must count.
function searchExpect(tree, re) {
  const hits = tree.nodes.filter((n) => re.test(n.label));
  const outer = hits.filter((n) => {
    for (let a = n.parent; a; a = a.parent)
      if (re.test(a.label))
        return false;
    return true;
  });
  const samples = outer.reduce((a, n) => a + n.n, 0);
  return { frames: hits.length, samples, text: `Matched: ${pct(samples, tree.total)}` };
}

// Reads every frame as the page has it now.
async function readFrames(page) {
  return page.$$eval('g.frame', (gs) => gs.map((g) => {
    const r = g.querySelector('rect');
    const name = g.getAttribute('data-name');
    const loc = g.getAttribute('data-loc');
    return {
      label: loc ? `${name} (${loc})` : name, name, file: loc ? loc.replace(/:\d+$/, '') : null,
      s: +g.getAttribute('data-s'), n: +g.getAttribute('data-n'), d: +g.getAttribute('data-d'),
      b: g.hasAttribute('data-b') ? +g.getAttribute('data-b') : null,
      x: +r.getAttribute('x'), y: +r.getAttribute('y'), w: +r.getAttribute('width'),
      text: g.querySelector('text').textContent,
      shown: getComputedStyle(g).display !== 'none',
      parent: g.classList.contains('parent'), match: g.classList.contains('match'),
      fill: getComputedStyle(r).fill,
    };
  }));
}

const sel = (f) => `g.frame[data-d="${f.d}"][data-s="${f.s}"]`;
const rectWidth = (w) => (w >= 2 ? w - 1 : w / 2);

async function openSvg(context, file) {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.pyhawk !== undefined, null, { timeout: 20000 });
  const height = await page.evaluate(() => +document.documentElement.getAttribute('height'));
  await page.setViewportSize({ width: 1200, height: Math.min(Math.max(height, 200), 4000) });
  return { page, errors, height };
}

// Frames, positions and labels of one golden SVG against its JSON.
async function checkLayout(context, name, perSample) {
  const tree = expectedTree(JSON.parse(fs.readFileSync(path.join(golden, `${name}.json`), 'utf8')), perSample);
  const { page, errors, height } = await openSvg(context, path.join(golden, `${name}.svg`));
  const frames = await readFrames(page);
  const declared = await page.evaluate(() => +document.documentElement.getAttribute('data-frames'));
  checkEqual(frames.length, tree.nodes.length, `${name}: frame elements = nodes of the call tree`);
  checkEqual(declared, frames.length, `${name}: frame elements = the count the writer declared`);
  checkEqual(frames.map(key).sort(), tree.nodes.map(key).sort(), `${name}: depth, offset, samples and label of every frame`);
  let geometry = 0;
  for (const f of frames) {
    const w = f.n * W / tree.total;
    const ok = Math.abs(f.x - (X0 + f.s * W / tree.total)) <= 0.051 && Math.abs(f.w - rectWidth(w)) <= 0.051 &&
      Math.abs(f.y - (height - PAD_BOTTOM - (f.d + 1) * FRAME_H)) <= 0.051;
    geometry += check(ok, `${name}: ${f.label}: x, width and y from samples and depth`, f) ? 1 : 0;
  }
  return { tree, page, errors, frames, height };
}

// Samples at every path of a raw profile ("a;b" holds those of "a;b" and
// below), and the total.
function pathCounts(stacks) {
  const counts = new Map();
  let total = 0;
  for (const [stack, n] of stacks) {
    const frames = stack.split(';');
    total += n;
    for (let i = 1; i <= frames.length; i++) {
      const key = frames.slice(0, i).join(';');
      counts.set(key, (counts.get(key) || 0) + n);
    }
  }
  return { counts, total };
}

// The path of labels from the root (without "all") of each frame.
function framePaths(frames) {
  const paths = new Map();
  for (const f of [...frames].sort((a, b) => a.d - b.d)) {
    if (f.d === 0) {
      paths.set(f, '');
      continue;
    }
    const parent = frames.find((p) => p.d === f.d - 1 && p.s <= f.s && f.s < p.s + p.n);
    const above = paths.get(parent);
    paths.set(f, above ? `${above};${f.label}` : f.label);
  }
  return paths;
}

const rgb = (fill) => fill.match(/\d+/g).map(Number);

// Frames next to each other: a parent and its child, or two siblings side by side.
function neighbours(frames) {
  const pairs = [];
  for (const a of frames) {
    for (const b of frames) {
      const child = b.d === a.d + 1 && b.s >= a.s && b.s < a.s + a.n;
      const sibling = b.d === a.d && a.s + a.n === b.s;
      if (child || sibling)
        pairs.push([a, b]);
    }
  }
  return pairs;
}

// Python frames (they have a file): one fill per function, a different
// one beside a function of the same module. Returns function -> fill.
function checkColours(name, frames) {
  const fills = new Map();
  const py = frames.filter((f) => f.file);
  for (const f of py) {
    const fn = `${f.name} (${f.file})`;
    if (!fills.has(fn))
      fills.set(fn, f.fill);
    check(fills.get(fn) === f.fill, `${name}: ${fn} has one fill wherever it is`, [fills.get(fn), f.fill]);
  }
  const sameModule = neighbours(py).filter(([a, b]) => a.file === b.file && a.name !== b.name);
  check(sameModule.length > 0, `${name}: has neighbouring frames of two functions of one module`);
  for (const [a, b] of sameModule)
    check(a.fill !== b.fill, `${name}: ${a.label} and ${b.label} (one module) differ in fill`, a.fill);
  return fills;
}

const browser = await launchChromium();
fs.mkdirSync(artifacts, { recursive: true });
try {
  // --- threads.svg: the full walk-through ---------------------------------
  const { tree, page, errors, frames } = await checkLayout(browser.context, 'threads', 1 / 100);
  const all = frames.find((f) => f.d === 0);
  check(frames.every((f) => f.d === 0 || f.y < all.y), 'root at the bottom');
  check(frames.every((f) => f.shown && !f.match && !f.parent), 'nothing hidden or highlighted at first');
  await page.screenshot({ path: path.join(artifacts, 'flamegraph.png') });

  // Hover: the busiest <lambda>.
  const lambda = tree.nodes.filter((n) => n.label === '<lambda> (lib/calc.py:44)').sort((a, b) => b.n - a.n)[0];
  await page.hover(sel(lambda));
  const tip = await page.evaluate(() => ({
    shown: getComputedStyle(document.getElementById('tooltip')).display !== 'none',
    box: document.getElementById('tooltip').getBoundingClientRect().width,
    name: document.getElementById('tooltip-name').textContent,
    loc: document.getElementById('tooltip-loc').textContent,
    count: document.getElementById('tooltip-count').textContent,
    before: getComputedStyle(document.getElementById('tooltip-before')).display !== 'none',
    details: document.getElementById('details').textContent,
  }));
  check(tip.shown && tip.box > 50, 'hover shows the tooltip', tip);
  checkEqual(tip.name, '<lambda>', 'tooltip: name');
  checkEqual(tip.loc, 'lib/calc.py:44', 'tooltip: file:line');
  checkEqual(tip.count, `${lambda.n} samples (${pct(lambda.n, tree.total)})`, 'tooltip: samples and percent');
  check(!tip.before, 'tooltip: no "before" line outside a differential graph');
  check(frames.every((f) => f.b === null), 'no data-b outside a differential graph');
  check(tip.details.startsWith('<lambda> (lib/calc.py:44): '), 'hover fills the details line', tip.details);
  const kanji = tree.nodes.find((n) => n.label.startsWith('関数'));
  await page.hover(sel(kanji));
  checkEqual(await page.textContent('#tooltip-name'), '関数', 'tooltip: non-ASCII name');
  checkEqual(await page.textContent('#tooltip-loc'), 'ユーティリティ.py', 'tooltip: file without a line');
  await page.mouse.move(600, 5);
  check(await page.evaluate(() => getComputedStyle(document.getElementById('tooltip')).display === 'none'),
    'tooltip hides when the mouse leaves');

  // Click to zoom: MainThread's compute().
  const compute = tree.nodes.find((n) => n.label === 'compute (lib/calc.py:40)' && n.parent.parent.parent.label.includes('MainThread'));
  await page.click(sel(compute));
  const zoomed = await readFrames(page);
  const z = zoomed.find((f) => key(f) === key(compute));
  checkClose(z.x, X0, 'zoomed frame starts at the left edge', 1e-9);
  checkClose(z.w, W - 1, 'zoomed frame spans the full width', 1e-9);
  const box = await page.$eval(`${sel(compute)} rect`, (r) => r.getBoundingClientRect().width);
  check(box >= W - 2, 'zoomed frame is as wide as the graph on screen', box);
  const inside = new Set(tree.nodes.filter((n) => n.d >= compute.d && n.s >= compute.s && n.s + n.n <= compute.s + compute.n).map(key));
  const above = new Set();
  for (let a = compute.parent; a; a = a.parent)
    above.add(key(a));
  let zoomOk = 0;
  for (const f of zoomed) {
    const k = key(f);
    const want = inside.has(k) ? 'inside' : above.has(k) ? 'above' : 'hidden';
    const got = f.shown ? (f.parent ? 'above' : 'inside') : 'hidden';
    let ok = got === want;
    if (ok && want === 'inside')
      ok = Math.abs(f.w - rectWidth(f.n * W / compute.n)) <= 0.051 && Math.abs(f.x - (X0 + (f.s - compute.s) * W / compute.n)) <= 0.051;
    if (ok && want === 'above')
      ok = Math.abs(f.x - X0) <= 0.051 && Math.abs(f.w - (W - 1)) <= 0.051;
    zoomOk += check(ok, `zoom: ${f.label} at depth ${f.d} is ${want}`, f) ? 1 : 0;
  }
  checkEqual(zoomed.filter((f) => f.shown).length, inside.size + above.size, 'zoom: frames left visible');
  const lambdaIn = zoomed.find((f) => f.d === compute.d + 1 && f.s === compute.s + 0 && f.label.startsWith('<lambda>'));
  check(lambdaIn && lambdaIn.text === '<lambda> (lib/calc.py:44)', 'zoom: a child that now fits shows its label', lambdaIn);
  check(await page.isVisible('#reset-zoom'), '"Reset zoom" shows while zoomed');
  await page.screenshot({ path: path.join(artifacts, 'flamegraph-zoomed.png') });
  await page.click('#reset-zoom');
  const back = await readFrames(page);
  // The script rounds like JavaScript, the writer like printf: 0.1 apart at most on a tie.
  check(back.length === frames.length && back.every((f, i) => Math.abs(f.x - frames[i].x) <= 0.1001 &&
    Math.abs(f.w - frames[i].w) <= 0.1001 && f.text === frames[i].text && f.shown && !f.parent),
  'reset zoom restores every frame');
  check(!(await page.isVisible('#reset-zoom')), '"Reset zoom" hides again');

  // Search: typed into the field; nested matches must not count twice.
  for (const pattern of ['calc', 'lambda|worker', '^(fünf|関数) ', 'thread \\(424[23]\\)', 'no such frame']) {
    await page.fill('#search-input', '');
    await page.locator('#search-input').pressSequentially(pattern);
    const want = searchExpect(tree, new RegExp(pattern));
    const got = await readFrames(page);
    checkEqual(got.filter((f) => f.match).map(key).sort(), tree.nodes.filter((n) => new RegExp(pattern).test(n.label)).map(key).sort(),
      `search /${pattern}/: highlighted frames`);
    checkEqual(await page.textContent('#matched'), want.text, `search /${pattern}/: matched percentage`);
    if (want.frames)
      checkEqual(got.find((f) => f.match).fill, 'rgb(200, 80, 240)', `search /${pattern}/: highlight colour`);
  }
  const calc = searchExpect(tree, /calc/);
  check(calc.samples < tree.nodes.filter((n) => /calc/.test(n.label)).reduce((a, n) => a + n.n, 0),
    'the "calc" search has nested matches (so double counting would show)');
  const api = await page.evaluate(() => window.pyhawk.search('compute'));
  const wantApi = searchExpect(tree, /compute/);
  checkEqual([api.frames, api.samples], [wantApi.frames, wantApi.samples], 'pyhawk.search() from script');
  checkEqual(await page.$eval('#search-input', (i) => i.value), 'compute', 'pyhawk.search() fills the field');
  await page.fill('#search-input', '(');
  checkEqual(await page.textContent('#matched'), 'Invalid regex', 'a bad regex says so');
  checkEqual((await readFrames(page)).filter((f) => f.match).length, 0, 'a bad regex highlights nothing');
  await page.fill('#search-input', 'calc');
  await page.screenshot({ path: path.join(artifacts, 'flamegraph-search.png') });
  await page.keyboard.press('Escape');
  checkEqual(await page.textContent('#matched'), '', 'Escape clears the search');
  checkEqual(errors, [], 'threads.svg: no console errors');

  // --- processes.svg: process roots above thread roots ----------------------
  const p = await checkLayout(browser.context, 'processes', 4.0 / 229);
  check(p.frames.filter((f) => f.d === 1).every((f) => f.label.startsWith('process ')), 'processes: process roots at depth 1');
  check(p.frames.filter((f) => f.d === 2).every((f) => f.label.startsWith('thread (')), 'processes: thread roots at depth 2');
  checkEqual(await p.page.title(), 'Two <processes> & "more"', 'processes: --title as the document title');
  const ps = await p.page.evaluate(() => window.pyhawk.search('fünf|関数'));
  checkEqual(ps.samples, searchExpect(p.tree, /fünf|関数/).samples, 'processes: search');
  checkEqual(p.errors, [], 'processes.svg: no console errors');

  // --- calls.svg (--calls): a counted function's tooltip adds its calls ---
  const c = await checkLayout(browser.context, 'calls', 1 / 10);
  const helper = c.tree.nodes.filter((n) => n.label === 'helper (lib/util.py:31)').sort((a, b) => b.n - a.n)[0];
  await c.page.hover(sel(helper));
  checkEqual(await c.page.textContent('#tooltip-count'),
    `${helper.n} samples (${pct(helper.n, c.tree.total)}), 500 calls`, 'calls: a counted function shows its calls');
  const b = c.tree.nodes.find((n) => n.label === 'b (app.py:20)');
  await c.page.hover(sel(b));
  checkEqual(await c.page.textContent('#tooltip-count'), `${b.n} samples (${pct(b.n, c.tree.total)})`,
    'calls: an uncounted one shows none');
  checkEqual(c.errors, [], 'calls.svg: no console errors');

  // --- colours: a module's hue, a shade per function, alike in two captures ---
  const tc = checkColours('threads', frames);
  const pc = checkColours('processes', p.frames);
  const common = [...tc.keys()].filter((fn) => pc.has(fn));
  checkEqual(common.sort(), ['fünf (/srv/my app/módulo.py)', '関数 (ユーティリティ.py)'], 'functions in both captures');
  for (const fn of common)
    checkEqual(pc.get(fn), tc.get(fn), `${fn}: the same fill in both captures`);

  // --- diff.svg: after's shape, coloured by the change of each frame's share ---
  // Expected from the two raw profiles it was made from, not from the writer.
  const B = pathCounts(parseRaw(fs.readFileSync(path.join(golden, 'diff-before.txt'), 'utf8')));
  const A = pathCounts(parseRaw(fs.readFileSync(path.join(golden, 'diff-after.txt'), 'utf8')));
  const dg = await openSvg(browser.context, path.join(golden, 'diff.svg'));
  const df = await readFrames(dg.page);
  const dpaths = framePaths(df);
  checkEqual(df.length, A.counts.size + 1, 'diff: a frame for every path of after (and the root)');
  checkEqual(await dg.page.evaluate(() => +document.documentElement.getAttribute('data-btotal')), B.total,
    'diff: before\'s total');
  check([...B.counts.keys()].some((k) => !A.counts.has(k)), 'diff: before has a path after lacks');
  let grew = 0;
  let shrank = 0;
  for (const f of df) {
    const p = dpaths.get(f);
    const a = f.d ? A.counts.get(p) : A.total;
    const b = f.d ? B.counts.get(p) || 0 : B.total;
    checkEqual([f.n, f.b], [a, b], `diff: ${p || 'all'}: samples after and before`);
    const delta = a / A.total - b / B.total;
    const [r, g, bl] = rgb(f.fill);
    if (delta > 0)
      grew += check(r > g && r > bl, `diff: ${p}: grew, so red`, f.fill) ? 1 : 0;
    else if (delta < 0)
      shrank += check(bl > r && bl > g, `diff: ${p}: shrank, so blue`, f.fill) ? 1 : 0;
    else
      check(r === g && g === bl, `diff: ${p || 'all'}: unchanged, so grey`, f.fill);
  }
  check(grew > 0 && shrank > 0, 'diff: frames that grew and frames that shrank', { grew, shrank });
  // The deeper the change, the deeper the colour: full at 10 points.
  const fillOf = (name) => df.find((f) => f.label.startsWith(`${name} (`)).fill;
  checkEqual(fillOf('hot'), fillOf('inner'), 'diff: -40 and -35 points: both full blue');
  check(rgb(fillOf('warm'))[1] > rgb(fillOf('cold'))[1], 'diff: +5 points paler than +35', [fillOf('warm'), fillOf('cold')]);
  check(await dg.page.isVisible('#legend'), 'diff: the legend says what the colours mean');
  await dg.page.screenshot({ path: path.join(artifacts, 'flamegraph-diff.png') });

  // Hover: both counts, and the change.
  const hot = df.find((f) => f.label === 'hot (work.py:5)');
  await dg.page.hover(sel(hot));
  const dtip = await dg.page.evaluate(() => ({
    shown: getComputedStyle(document.getElementById('tooltip')).display !== 'none',
    name: document.getElementById('tooltip-name').textContent,
    count: document.getElementById('tooltip-count').textContent,
    before: document.getElementById('tooltip-before').textContent,
    beforeShown: getComputedStyle(document.getElementById('tooltip-before')).display !== 'none',
    details: document.getElementById('details').textContent,
  }));
  check(dtip.shown && dtip.beforeShown, 'diff: hover shows the tooltip with its "before" line', dtip);
  checkEqual(dtip.name, 'hot', 'diff: tooltip name');
  checkEqual(dtip.count, `after: ${hot.n} samples (${pct(hot.n, A.total)})`, 'diff: tooltip: samples after');
  checkEqual(dtip.before, `before: ${hot.b} samples (${pct(hot.b, B.total)}), -40.00 points`,
    'diff: tooltip: samples before and the change');
  checkEqual(dtip.details, `hot (work.py:5): ${dtip.count}; ${dtip.before}`, 'diff: details line');
  const neu = df.find((f) => f.label.startsWith('new ('));
  await dg.page.hover(sel(neu));
  checkEqual(await dg.page.textContent('#tooltip-before'), `before: 0 samples (0.00%), +10.00 points`,
    'diff: tooltip of a frame only after');

  // Zoom and search work as in any flame graph.
  await dg.page.click(sel(hot));
  const dz = await readFrames(dg.page);
  const zh = dz.find((f) => f.label === 'hot (work.py:5)');
  checkClose(zh.w, W - 1, 'diff: zoomed frame spans the full width', 1e-9);
  check(dz.filter((f) => f.label.startsWith('cold (')).every((f) => !f.shown), 'diff: zoom hides the frames beside it');
  check(dz.find((f) => f.label.startsWith('inner (')).shown, 'diff: zoom keeps the frames above it');
  await dg.page.click('#reset-zoom');
  check((await readFrames(dg.page)).every((f) => f.shown), 'diff: reset zoom shows every frame');
  await dg.page.fill('#search-input', 'hot|inner');
  checkEqual(await dg.page.textContent('#matched'), `Matched: ${pct(hot.n, A.total)}`, 'diff: search');
  checkEqual((await readFrames(dg.page)).filter((f) => f.match).length, 2, 'diff: search highlights');
  checkEqual(dg.errors, [], 'diff.svg: no console errors');

  // --- elided.svg: small frames merged, the file says how many ------------------
  const e = await openSvg(browser.context, path.join(golden, 'elided.svg'));
  const ef = await readFrames(e.page);
  checkEqual(ef.length, 4, 'elided: all, main, big and one merged frame');
  checkEqual(ef.filter((f) => f.label === '[30 frames under 0.1% each]').map((f) => f.n), [30], 'elided: merged frame');
  await e.page.click('g.frame.merged');
  checkEqual((await readFrames(e.page)).filter((f) => f.shown).length, 3, 'elided: zoom into the merged frame');
  checkEqual(e.errors, [], 'elided.svg: no console errors');

  // --- a big one, when the runner made it ---------------------------------------
  const bigFile = path.join(artifacts, 'big-10k.svg');
  if (fs.existsSync(bigFile)) {
    const t0 = Date.now();
    const b = await openSvg(browser.context, bigFile);
    const loaded = Date.now() - t0;
    await b.page.screenshot({ path: path.join(artifacts, 'flamegraph-big.png') });
    const n = await b.page.$$eval('g.frame', (gs) => gs.length);
    checkEqual(n, await b.page.evaluate(() => +document.documentElement.getAttribute('data-frames')), 'big: frame elements = declared');
    const t1 = Date.now();
    const r = await b.page.evaluate(() => window.pyhawk.search('func_1'));
    const searched = Date.now() - t1;
    await b.page.click('g.frame[data-d="3"]');
    const t2 = Date.now();
    await b.page.click('#reset-zoom');
    const reset = Date.now() - t2;
    check(r && r.frames > 0, 'big: search finds frames', r);
    // 25 functions a module: neighbours of one module share a shade only
    // when their names hash alike (1 pair in 15).
    await b.page.evaluate(() => window.pyhawk.search(''));
    const bf = (await readFrames(b.page)).filter((f) => f.file);
    const pairs = neighbours(bf).filter(([x, y]) => x.file === y.file && x.name !== y.name);
    const apart = pairs.filter(([x, y]) => x.fill !== y.fill).length;
    check(pairs.length > 100 && apart >= 0.85 * pairs.length, 'big: neighbouring functions of one module mostly differ in fill',
      { pairs: pairs.length, apart });
    console.log(`big-10k.svg: ${n} frames drawn, ${fs.statSync(bigFile).size} bytes; load ${loaded} ms, search ${searched} ms, reset zoom ${reset} ms`);
    checkEqual(b.errors, [], 'big: no console errors');
  }
} finally {
  await browser.close();
}
report(NAME);
