// svg-tooltip.mjs FILE NAME: opens a pyhawk flame graph in headless Chromium, hovers the widest
// frame named NAME and prints what the page shows as JSON (tooltip lines, details line, console
// errors), for the integration tests that check a real capture's SVG.
import { pathToFileURL } from 'node:url';
import { launchChromium, watchErrors } from './lib.mjs';

const [file, name] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1200, height: 800 });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.pyhawk !== undefined, null, { timeout: 20000 });
  const frame = await page.evaluate((n) => {
    const gs = [...document.querySelectorAll('g.frame')].filter((g) => g.getAttribute('data-name') === n);
    gs.sort((a, b) => b.getAttribute('data-n') - a.getAttribute('data-n'));
    return gs.length ? `g.frame[data-d="${gs[0].getAttribute('data-d')}"][data-s="${gs[0].getAttribute('data-s')}"]` : null;
  }, name);
  const shown = {};
  if (frame) {
    await page.hover(frame);
    for (const id of ['tooltip-name', 'tooltip-loc', 'tooltip-count', 'tooltip-before', 'details'])
      shown[id] = await page.textContent(`#${id}`);
  }
  console.log(JSON.stringify({ frame, shown, errors }));
} finally {
  await browser.close();
}
