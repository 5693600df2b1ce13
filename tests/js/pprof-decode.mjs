// pprof-decode.mjs: the npm pprof-format decoder reads pyhawk's pprof files, and gets what pyhawk counted.
//
// Each golden profile (tests/golden/*.pb, and the gzipped file test_output
// wrote) is decoded by pprof-format; its samples, made into the raw format's
// stacks with the thread and process roots rebuilt from the labels, must
// equal the golden raw output of the same fixture, count for count (Go's own
// per-function totals are checked by tests/pprof_go.py).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Profile } from 'pprof-format';
import { artifacts, check, checkEqual, golden, parseRaw, rawLabel, report, watchdog } from './lib.mjs';

const NAME = 'pprof-decode';
watchdog(60, NAME);

const cases = [
  { file: path.join(golden, 'threads.pb'), raw: 'threads.txt', processRoots: false, period: 10000000 },
  { file: path.join(artifacts, 'threads.pb.gz'), raw: 'threads.txt', processRoots: false, period: 10000000 },
  { file: path.join(golden, 'processes.pb'), raw: 'processes.txt', processRoots: true, period: 17467249 },
  { file: path.join(golden, 'empty.pb'), raw: null, processRoots: false, period: 0 },
];

// pyhawk's frame label: "name (file:line)", "name (file)" or the name.
function labelOf(name, file, line) {
  if (!file)
    return name;
  return `${name} (${file}${line > 0 ? ':' + line : ''})`;
}

// The decoded profile as raw stacks: root first, roots from the labels.
function collapsed(prof, processRoots) {
  const str = (i) => prof.stringTable.strings[Number(i)];
  const locations = new Map(prof.location.map((l) => [Number(l.id), l]));
  const functions = new Map(prof.function.map((f) => [Number(f.id), f]));
  const stacks = new Map();
  for (const s of prof.sample) {
    const labels = new Map(s.label.map((l) => [str(l.key), l.str ? str(l.str) : Number(l.num)]));
    const frames = [];
    if (processRoots) {
      const cmd = labels.get('cmdline');
      frames.push(`process ${labels.get('pid')}` + (cmd ? `: ${cmd}` : ''));
    }
    const thread = labels.get('thread_name');
    frames.push(`thread (${labels.get('tid')})` + (thread ? `: ${thread}` : ''));
    for (const id of [...s.locationId].reverse()) {
      const loc = locations.get(Number(id));
      const fn = functions.get(Number(loc.line[0].functionId));
      frames.push(labelOf(str(fn.name), str(fn.filename), Number(loc.line[0].line)));
    }
    const key = frames.map(rawLabel).join(';');
    stacks.set(key, (stacks.get(key) || 0) + Number(s.value[0]));
  }
  return stacks;
}

for (const c of cases) {
  const name = path.relative(path.dirname(golden), c.file);
  let bytes;
  try {
    bytes = fs.readFileSync(c.file);
  } catch (e) {
    check(false, `${name}: ${e.message} (the gzipped one is written by test_output)`);
    continue;
  }
  if (c.file.endsWith('.gz')) {
    check(bytes[0] === 0x1f && bytes[1] === 0x8b, `${name}: gzip`);
    bytes = zlib.gunzipSync(bytes);
  }
  const prof = Profile.decode(bytes);
  const str = (i) => prof.stringTable.strings[Number(i)];
  checkEqual(str(0), '', `${name}: string_table[0]`);
  checkEqual(Number(prof.period), c.period, `${name}: period`);
  checkEqual(prof.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
    c.period ? ['samples/count', 'cpu/nanoseconds'] : ['samples/count'], `${name}: sample types`);
  // One location per (function, line); a function's system name is FILE:NAME.
  const seen = new Set();
  for (const l of prof.location) {
    checkEqual(l.line.length, 1, `${name}: location ${l.id}: one line`);
    seen.add(`${l.line[0].functionId}:${l.line[0].line}`);
  }
  checkEqual(seen.size, prof.location.length, `${name}: one location per (function, line)`);
  for (const f of prof.function) {
    const want = str(f.filename) ? `${str(f.filename)}:${str(f.name)}` : '';
    checkEqual(str(f.systemName), want, `${name}: ${str(f.name)}: system name`);
  }
  if (!c.raw) {
    checkEqual(prof.sample.length, 0, `${name}: no samples`);
    continue;
  }
  const want = parseRaw(fs.readFileSync(path.join(golden, c.raw), 'utf8'));
  const got = collapsed(prof, c.processRoots);
  checkEqual([...got.entries()].sort(), [...want.entries()].sort(), `${name}: every stack and its count`);
  for (const s of prof.sample)
    check(Number(s.value[1]) === Number(s.value[0]) * c.period, `${name}: nanoseconds = samples x period`);
}
report(NAME);
