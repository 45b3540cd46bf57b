// Long tasks (issue 20, item 12), measured with the browser's own
// PerformanceObserver('longtask') against the real daemon: at load, while
// following 1,000 lines/s with the statistics panel open (no task over
// 50 ms), and scrolling up through 20,000 rows (no task over 100 ms). The
// figures are printed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { HERE, appendLines, errorLine, launchBrowser, openPage, randomCombined, sleep, startDaemon, tempDir, waitFor } from './lib.mjs';

const FOLLOW_RATE = 1000, FOLLOW_SECONDS = 10, FOLLOW_LIMIT_MS = 50;
const SCROLL_ROWS = 20000, SCROLL_SECONDS = 12, SCROLL_LIMIT_MS = 100;

/** Collects the page's long tasks from its start: window.__long, [start, duration] in ms. */
function observe(page) {
  return page.addInitScript(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
  });
}

/** The long tasks that started since `since` (page time, ms): their durations. */
const longSince = (page, since) => page.evaluate((t) => window.__long.filter(([s]) => s >= t).map(([, d]) => Math.round(d)), since);
const now = (page) => page.evaluate(() => performance.now());
const figures = (d) => `${d.length} long tasks${d.length ? ', ' + [...d].sort((a, b) => b - a).slice(0, 12).join(' ') + ' ms' : ''}`;

function write(file, rate, seconds) {
  const child = spawn(process.execPath, [path.join(HERE, 'writer.mjs'), file, String(rate), String(seconds)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)))));
}

describe('long tasks', () => {
  let dir, access, daemon, browser;

  before(async () => {
    dir = await tempDir();
    access = path.join(dir, 'access.log');
    const error = path.join(dir, 'error.log');
    await fsp.writeFile(access, '');
    await appendLines(access, Array.from({ length: SCROLL_ROWS + 1000 }, (_, i) => randomCombined(i)));
    await fsp.writeFile(error, errorLine({ level: 'notice', msg: 'start' }) + '\n');
    daemon = await startDaemon([access, error]);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it(`at load, then following ${FOLLOW_RATE.toLocaleString('en-US')} lines/s: no task over ${FOLLOW_LIMIT_MS} ms while following`, async () => {
    const { page, problems, context } = await openPage(browser, daemon.url, { setup: observe });
    await waitFor(() => page.evaluate(() => window.logmon.rows >= 5000), { what: 'the rows of the backlog', timeout: 20000 });
    await sleep(2000);
    console.log(`at load: ${figures(await longSince(page, 0))}`);
    const t0 = await now(page);
    await write(access, FOLLOW_RATE, FOLLOW_SECONDS);
    await sleep(1000);
    const during = await longSince(page, t0);
    console.log(`following ${FOLLOW_RATE} lines/s for ${FOLLOW_SECONDS} s: ${figures(during)}`);
    assert.ok(await page.evaluate(() => window.logmon.following), 'still following');
    assert.deepEqual(during.filter((d) => d > FOLLOW_LIMIT_MS), [], `no task over ${FOLLOW_LIMIT_MS} ms: ${figures(during)}`);
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it(`scrolling up through ${SCROLL_ROWS.toLocaleString('en-US')} rows: no task over ${SCROLL_LIMIT_MS} ms`, async () => {
    const { page, problems, context } = await openPage(browser, daemon.url + '#stream=access&rows=' + SCROLL_ROWS, { setup: observe });
    await waitFor(() => page.evaluate((n) => window.logmon.rows >= n, SCROLL_ROWS), { what: `${SCROLL_ROWS} rows`, timeout: 60000, interval: 200 });
    await sleep(1000);
    console.log(`at load with ${SCROLL_ROWS} rows: ${figures(await longSince(page, 0))}`);
    const t0 = await now(page);
    await page.hover('#log');
    const end = Date.now() + SCROLL_SECONDS * 1000;
    let top = Infinity;
    while (Date.now() < end && top > 0) {
      await page.mouse.wheel(0, -1500);
      await sleep(40);
      top = await page.$eval('#log', (l) => l.scrollTop);
    }
    const during = await longSince(page, t0);
    const reached = await page.evaluate(() => ({ first: document.querySelector('#log .row')._e.n, rows: window.logmon.rows }));
    console.log(`scrolling up for ${SCROLL_SECONDS} s: ${figures(during)} (top ${top}, rows ${reached.rows})`);
    assert.deepEqual(during.filter((d) => d > SCROLL_LIMIT_MS), [], `no task over ${SCROLL_LIMIT_MS} ms: ${figures(during)}`);
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
