// lib.mjs: what the consumer tests share: a check counter, Debian's Chromium, a local server, pyhawk's raw format.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const golden = path.join(repo, 'tests/golden');
export const artifacts = path.join(repo, 'tests/artifacts');

let passed = 0;
let failed = 0;

export function check(cond, what, detail) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.error(`FAIL: ${what}` + (detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`));
  }
  return cond;
}

export function checkEqual(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  return check(g === w, what, `got ${g}, want ${w}`);
}

export function checkClose(got, want, what, tol = 1e-9) {
  return check(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), what, `got ${got}, want ${want}`);
}

// The plain closing line the runner reads; exit status follows it.
export function report(name) {
  console.log(`${name}: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

export function counts() {
  return { passed, failed };
}

// A test that hangs is a failure, not a stuck CI run.
export function watchdog(seconds, name) {
  setTimeout(() => {
    console.error(`FAIL: ${name} did not finish within ${seconds} s`);
    failed++;
    report(name);
    process.exit(1);
  }, seconds * 1000).unref();
}

// Debian's Chromium (apt-get install chromium), never a downloaded one.
// Without the networking flags it waits on services this network lacks.
export async function launchChromium() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath))
    throw new Error(`${executablePath} not found: run tools/install-deps.sh (apt-get install chromium)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyhawk-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Collects console errors and uncaught exceptions of a page.
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error')
      errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8',
};

// Serves mounts ({ '/prefix/': dir }) on 127.0.0.1; transform(file, bytes)
// may rewrite a file on its way out.
export async function serve(mounts, transform = (file, bytes) => bytes) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!url.pathname.startsWith(prefix))
        continue;
      const file = path.join(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
      if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile())
        break;
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
      res.end(transform(file, fs.readFileSync(file)));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

// pyhawk's raw output: "frame;frame;frame count" lines -> Map(stack -> count).
export function parseRaw(text) {
  const stacks = new Map();
  for (const line of text.split('\n')) {
    if (!line)
      continue;
    const sp = line.lastIndexOf(' ');
    stacks.set(line.slice(0, sp), (stacks.get(line.slice(0, sp)) || 0) + Number(line.slice(sp + 1)));
  }
  return stacks;
}

// A speedscope frame's label as pyhawk's writers print it.
export function label(frame) {
  if (!frame.file)
    return frame.name;
  return `${frame.name} (${frame.file}${frame.line ? ':' + frame.line : ''})`;
}

// What the raw format makes of a label: ';' is its separator, a newline
// would end the line.
export function rawLabel(text) {
  return text.replace(/;/g, ',').replace(/[\x00-\x1f\x7f]/g, '?');
}
