import { launchChromium } from '/work/main/tests/js/lib.mjs';
const b = await launchChromium();
const page = await b.context.newPage();
await page.setViewportSize({ width: 1200, height: 194 });
await page.goto('file:///work/main/tests/golden/threads.svg');
await page.hover('g.frame[data-d="5"][data-s="38"]');
await page.screenshot({ path: '/tmp/hover.png' });
await b.close();
