// speedscope-import.mjs: speedscope's own importer (its npm release, in Chromium) reads pyhawk's JSON, and gets what pyhawk counted.
//
// The npm package ships only the browser app: its importer is not exported.
// The server below hands Chromium the app's bundle with one line added at the
// end of the bundle's scope, `window.__pyhawkImporter = <the promise of the
// import module>`, found by the call the app itself makes
// (`(await X).importProfilesFromArrayBuffer(`). Nothing else changes: the
// code that parses our file is speedscope's. The test also loads a file the
// way users do (#profileURL=...) and takes a screenshot of the app.
import fs from 'node:fs';
import path from 'node:path';
import {
  artifacts, check, checkClose, checkEqual, golden, here, label, launchChromium, parseRaw, rawLabel,
  report, serve, watchErrors, watchdog,
} from './lib.mjs';

const NAME = 'speedscope-import';
watchdog(180, NAME);

const dist = path.join(here, 'node_modules/speedscope/dist/release');

// Each golden JSON with the golden raw output of the same profile and
// options (pyhawk's own count of every stack) and the seconds per sample.
const cases = [
  { json: 'threads.json', raw: 'threads.txt', perSample: 1 / 100, profiles: 4 },
  { json: 'processes.json', raw: 'processes.txt', perSample: 4.0 / 229, profiles: 2 },
  { json: 'empty.json', raw: null, perSample: 1, profiles: 1 },
  // --calls: frames with a "calls" key of pyhawk's own, which must not
  // disturb the import.
  { json: 'calls.json', raw: 'calls.txt', perSample: 1 / 10, profiles: 2 },
];

let hooked = false;
function hookImporter(file, bytes) {
  if (!/speedscope-[\w]+\.js$/.test(file))
    return bytes;
  const src = bytes.toString('utf8');
  const m = /\(await ([\w$]+)\)\.importProfilesFromArrayBuffer\(/.exec(src);
  const end = src.lastIndexOf('})();');
  if (!m || end < 0)
    return bytes;
  hooked = true;
  return src.slice(0, end) + `;window.__pyhawkImporter=${m[1]};` + src.slice(end);
}

// Runs in the page: speedscope's importer on the file's bytes, then its
// result flattened: every call-tree node with self weight is a stack.
async function importInPage({ name, text }) {
  const mod = await window.__pyhawkImporter;
  const group = await mod.importProfilesFromArrayBuffer(name, new TextEncoder().encode(text).buffer);
  if (!group)
    return null;
  const profiles = group.profiles.map((p) => {
    const stacks = [];
    const frames = new Map();
    const walk = (node, trail) => {
      for (const child of node.children) {
        const f = child.frame;
        const path = trail.concat([{ name: f.name, file: f.file, line: f.line }]);
        frames.set(f.key, { name: f.name, file: f.file, line: f.line, total: f.getTotalWeight() });
        if (child.getSelfWeight() > 0)
          stacks.push({ frames: path, weight: child.getSelfWeight() });
        walk(child, path);
      }
    };
    walk(p.getGroupedCalltreeRoot(), []);
    return {
      name: p.getName(), unit: p.getWeightUnit(), total: p.getTotalWeight(), stacks,
      frames: [...frames.values()],
    };
  });
  return { name: group.name, indexToView: group.indexToView, profiles };
}

const server = await serve({ '/speedscope/': dist, '/golden/': golden }, hookImporter);
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  await page.goto(`${server.url}/speedscope/index.html`);
  check(hooked, 'found speedscope\'s import call in its bundle');
  await page.waitForFunction(() => window.__pyhawkImporter !== undefined, null, { timeout: 20000 });

  for (const c of cases) {
    const text = fs.readFileSync(path.join(golden, c.json), 'utf8');
    const ours = JSON.parse(text);
    const got = await page.evaluate(importInPage, { name: c.json, text });
    if (!check(got !== null, `${c.json}: speedscope imports it`))
      continue;
    checkEqual(got.name, ours.name, `${c.json}: profile group name`);
    checkEqual(got.indexToView, ours.activeProfileIndex, `${c.json}: profile shown first`);
    checkEqual(got.profiles.length, c.profiles, `${c.json}: one profile per thread or process`);
    checkEqual(got.profiles.map((p) => p.name), ours.profiles.map((p) => p.name), `${c.json}: profile names`);

    // Every stack speedscope built, in samples, against pyhawk's raw count;
    // a profile's name is the root the raw output has above its stacks.
    const want = c.raw ? parseRaw(fs.readFileSync(path.join(golden, c.raw), 'utf8')) : new Map();
    const seen = new Map();
    let total = 0;
    for (const p of got.profiles) {
      if (c.raw)
        checkEqual(p.unit, 'seconds', `${c.json}: ${p.name}: unit`);
      let sum = 0;
      for (const s of p.stacks) {
        const key = [p.name, ...s.frames.map(label)].map(rawLabel).join(';');
        const samples = s.weight / c.perSample;
        check(Math.abs(samples - Math.round(samples)) < 1e-6, `${c.json}: ${key}: whole samples`, samples);
        seen.set(key, (seen.get(key) || 0) + Math.round(samples));
        sum += Math.round(samples);
      }
      checkClose(p.total, sum * c.perSample, `${c.json}: ${p.name}: total weight`, 1e-9);
      total += sum;
    }
    const wantTotal = [...want.values()].reduce((a, b) => a + b, 0);
    checkEqual(total, wantTotal, `${c.json}: total samples`);
    checkEqual([...seen.entries()].sort(), [...want.entries()].sort(), `${c.json}: every stack and its samples`);

    // Frame names as imported, against the frames pyhawk wrote.
    const names = new Set(got.profiles.flatMap((p) => p.frames.map((f) => JSON.stringify([f.name, f.file, f.line]))));
    const wrote = new Set(ours.shared.frames.map((f) => JSON.stringify([f.name, f.file, f.line])));
    checkEqual([...names].sort(), [...wrote].sort(), `${c.json}: frames (name, file, line)`);
  }
  check(logs.some((l) => l === 'Importing as speedscope json file'), 'detected as speedscope\'s own format', logs);

  // The way users open a file: speedscope's app fetches it and shows it.
  const app = await browser.context.newPage();
  const appErrors = watchErrors(app);
  await app.setViewportSize({ width: 1280, height: 720 });
  await app.goto(`${server.url}/speedscope/index.html#profileURL=${encodeURIComponent(`${server.url}/golden/threads.json`)}`);
  await app.waitForFunction(() => document.title.endsWith(' - speedscope'), null, { timeout: 20000 });
  const title = await app.title();
  check(title.startsWith('pyhawk: python3 app.py'), 'the app shows our profile', title);
  await app.waitForTimeout(500);
  fs.mkdirSync(artifacts, { recursive: true });
  await app.screenshot({ path: path.join(artifacts, 'speedscope.png') });
  checkEqual(errors.concat(appErrors), [], 'no console errors');
} finally {
  await browser.close();
  await server.close();
}
report(NAME);
