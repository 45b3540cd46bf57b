// The statistics panel, fed by the server's `stats` messages: charts drawn
// (requests/s by status class, latency percentiles), status counts and top
// tables that filter the live view when clicked, a chart point that opens
// the history at its time, the rates and their window, the panel switch in the URL; and
// screenshots of it, light and dark, with a vhost-first log_format.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fsp from 'node:fs/promises';
import {
  SCREENSHOTS, VHOST_FORMAT, appendLines, ensureDir, launchBrowser, openPage, renderedLines, sleep, startWithConfig, tempDir,
  vhostLine, waitFor, teardown,
} from './lib.mjs';

const HOSTS = ['shop.example.com', 'shop.example.com', 'api.example.com', 'static.example.com'];
const PATHS = ['/', '/cart', '/api/orders', '/api/orders', '/api/users/42', '/static/app.js', '/search?q=x', '/login'];
const UAS = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0', 'curl/8.5.0', 'Googlebot/2.1', 'Mozilla/5.0 (Macintosh) Safari/605.1.15'];

/** The i-th line of the traffic: mostly 2xx, some 3xx, 4xx and 5xx, latencies with a tail. */
function traffic(i, rnd) {
  const r = rnd();
  const status = r < 0.8 ? 200 : r < 0.88 ? 304 : r < 0.95 ? 404 : r < 0.99 ? 502 : 101;
  const rt = (0.004 + rnd() ** 3 * (status === 502 ? 3 : 0.6)).toFixed(3);
  return vhostLine({
    host: HOSTS[i % HOSTS.length], ip: `203.0.113.${1 + (i % 23)}`, path: PATHS[Math.floor(rnd() * PATHS.length)], status,
    bytes: status === 304 ? 0 : 200 + Math.floor(rnd() * 30000), rt, ut: status === 304 ? '-' : (rt * 0.9).toFixed(3),
    up: `10.0.0.${5 + (i % 3)}:8080`, ua: UAS[i % UAS.length], method: i % 9 ? 'GET' : 'POST',
  });
}

describe('statistics panel', () => {
  let dir, shop, daemon, browser, page, problems, writer;
  let i = 0;
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const write = (k) => appendLines(shop, Array.from({ length: k }, () => traffic(i++, rnd)));

  before(async () => {
    dir = await tempDir();
    shop = path.join(dir, 'shop.log');
    await fsp.writeFile(shop, '');
    await fsp.writeFile(path.join(dir, 'error.log'), '');
    daemon = await startWithConfig(dir, `[[stream]]\nid = "shop"\npath = "${shop}"\nlog_format = '${VHOST_FORMAT}'\n\n`
      + `[[stream]]\nid = "error"\npath = "${dir}/error.log"\nformat = "nginx-error"\n`);
    await write(300);
    writer = setInterval(() => { write(25).catch(() => {}); }, 100);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, daemon.url));
    await ensureDir(SCREENSHOTS);
  });

  after(() => teardown({ writer, browser, daemon, dir }));

  it('shows the access stream\'s statistics beside the log, with status counts and top tables', async () => {
    await waitFor(() => page.$$eval('#panel-tables .top-row', (r) => r.length > 10), { timeout: 15000, what: 'top tables' });
    assert.equal(await page.$eval('#panel-title', (e) => e.textContent), 'shop', 'the first stream with fields');
    const titles = await page.$$eval('#panel-tables .top-title', (t) => t.map((x) => x.textContent));
    assert.deepEqual(titles, ['statuses', 'paths', 'hosts', 'addresses', 'user agents', 'upstreams']);
    const paths = await page.$$eval('.top-path .top-val', (v) => v.map((x) => x.textContent));
    assert.ok(paths.includes('/api/orders') && paths.includes('/search'), `paths without their query: ${paths}`);
    const statuses = await page.$$eval('.top-status .top-row', (r) => r.map((x) => [x.querySelector('.top-val').textContent, x.className]));
    assert.equal(statuses[0][0], '200', 'most frequent first');
    assert.ok(statuses.some(([s, c]) => s === '502' && /\bst5\b/.test(c)), `5xx coloured: ${JSON.stringify(statuses)}`);
    await waitFor(() => page.$eval('#panel-latency', (e) => /request\s*p50\s*[\d.]+ m?s\s*p95/.test(e.textContent)), { what: 'latency figures' });
    // the header's figures come from the same statistics
    await waitFor(() => page.$eval('#stats', (e) => /shop\s*[1-9][\d.]*k? req\/s\s*4xx \d/.test(e.textContent)), { what: 'header figures' });
    assert.match(await page.$eval('#tabs .tab[data-view="shop"] .tab-rate', (e) => e.textContent), /^[1-9][\d.]*k?\/s$/);
  });

  it('draws both charts, whose legends tell a point\'s values', async () => {
    for (const id of ['chart-req', 'chart-lat']) {
      const over = page.locator(`#${id} .u-over`);
      const box = await over.boundingBox();
      assert.ok(box && box.width > 200 && box.height > 60, `${id} plotted: ${JSON.stringify(box)}`);
      // pixels of the plot differ from its background: something was drawn
      const drawn = await page.$eval(`#${id} canvas`, (c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let k = 0; k < d.length; k += 4 * 7) seen.add((d[k] << 16) | (d[k + 1] << 8) | d[k + 2] | (d[k + 3] << 24));
        return seen.size;
      });
      assert.ok(drawn > 8, `${id}: ${drawn} colours`);
      await page.mouse.move(box.x + box.width - 8, box.y + box.height / 2);
    }
    await page.mouse.move(0, 0);
    // the newest second is at the right edge (the chart spans at least 2 minutes, here more than the daemon's age)
    const box = await page.locator('#chart-req .u-over').boundingBox();
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
    const legend = await page.$$eval('#chart-req .u-legend .u-series', (s) => s.map((x) => x.textContent));
    assert.ok(legend.some((t) => /2xx:?\s*[1-9][\d.]*k?/.test(t)), `2xx at the newest second: ${legend}`);
    assert.ok(legend.some((t) => /time:?\s*\d\d:\d\d:\d\d/.test(t)), `the point's time: ${legend}`);
    const lat = await page.$$eval('#chart-lat .u-legend .u-series', (s) => s.map((x) => x.label || x.textContent));
    assert.ok(lat.some((t) => /rt p99/.test(t)) && lat.some((t) => /ut p50/.test(t)), `request and upstream percentiles: ${lat}`);
  });

  it('filters the live view by a table row\'s value when it is clicked; the panel then follows the filter', async () => {
    await page.click('.top-path .top-row:has(.top-val:text-is("/api/orders"))');
    await waitFor(() => page.evaluate(() => window.logmon.filter === 'path:/api/orders'), { what: 'path filter' });
    await waitFor(async () => {
      const l = await renderedLines(page);
      return l.length > 0 && l.every((t) => t.includes('"GET /api/orders ') || t.includes('"POST /api/orders '));
    }, { what: 'only /api/orders' });
    // the panel shows the filtered lines' report (the last hour, from the files), its statuses clickable too
    await waitFor(() => page.evaluate(() => window.logmon.report().state === 'done' && window.logmon.report().report?.filter === 'path:/api/orders'), { what: 'the filtered report', timeout: 15000 });
    assert.equal(await page.isVisible('#panel-tables'), false);
    const requests = await page.$$eval('.report-requests .top-val', (v) => v.map((x) => x.textContent));
    assert.ok(requests.length > 0 && requests.every((t) => /^(GET|POST) \/api\/orders HTTP\/1\.1$/.test(t)), requests.join(', '));
    await page.click('#report .top-status .top-row:has(.top-val:text-is("404"))');
    await waitFor(() => page.evaluate(() => window.logmon.filter === 'path:/api/orders status:404'), { what: 'status added' });
    await page.keyboard.press('Escape');
    await waitFor(() => page.evaluate(() => window.logmon.filter === ''), { what: 'cleared' });
    // without a filter, the live tables again; the pointer over them holds them still (its user agents' counts are equal)
    await page.hover('.top-ua .top-title');
    await page.click('.top-ua .top-row:has(.top-val:text-is("Googlebot/2.1"))');
    await waitFor(() => page.evaluate(() => window.logmon.filter === 'ua:Googlebot/2.1'), { what: 'ua filter' });
    await page.keyboard.press('Escape');
    await page.locator('.top-ua .top-row', { hasText: 'Firefox' }).click();
    await waitFor(() => page.evaluate(() => window.logmon.filter === 'ua:"Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"'), { what: 'quoted ua' });
    await waitFor(async () => {
      const l = await renderedLines(page);
      return l.length > 0 && l.every((t) => t.includes('Firefox/125.0'));
    }, { what: 'only Firefox' });
    await page.keyboard.press('Escape');
    await waitFor(() => page.evaluate(() => window.logmon.filter === ''), { what: 'cleared' });
    await waitFor(() => page.isVisible('#panel-tables'), { what: 'the live tables' });
  });

  it('opens the history on disk at a chart point\'s second when it is clicked', async () => {
    await page.locator('#chart-req').scrollIntoViewIfNeeded(); // clicking a table row lower down scrolled the panel
    const box = await page.locator('#chart-req .u-over').boundingBox();
    // a point some seconds back: its time from the legend
    await page.mouse.move(box.x + box.width - 40, box.y + box.height / 2);
    const when = await page.$eval('#chart-req .u-legend .u-series', (s) => /(\d\d:\d\d:\d\d)/.exec(s.textContent)[1]);
    await page.mouse.click(box.x + box.width - 40, box.y + box.height / 2);
    await waitFor(() => page.evaluate(() => window.logmon.history.mode === 'jump'), { what: 'the history opened' });
    await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the line of that second' });
    const hl = await page.$eval('#log .row.hl .c-time', (c) => c.textContent);
    assert.ok(hl >= when, `the first line at or after ${when}: ${hl}`);
    assert.equal(await page.$eval('#tabs .tab[aria-selected="true"]', (b) => b.dataset.view), 'shop');
    assert.match(await page.textContent('#hist-note'), /History of shop around/);
    assert.equal(await page.evaluate(() => window.logmon.filter), '', 'no filter on memory');
    await page.focus('#log');
    await page.keyboard.press('End');
    await waitFor(() => page.evaluate(() => window.logmon.history.mode === 'off' && window.logmon.following), { what: 'live again' });
    await page.click('#tabs .tab[data-view="*"]');
  });

  it('labels every rate with its window: the tab and the header count the same minute', async () => {
    const rates = await page.evaluate(() => ({
      tab: document.querySelector('#tabs .tab[data-view="shop"] .tab-rate').textContent,
      tabTitle: document.querySelector('#tabs .tab[data-view="shop"] .tab-rate').title,
      header: document.querySelector('#stats .stat .stat-val').textContent,
      headerTitle: document.querySelector('#stats .stat').title,
      window: document.querySelector('#stats .stat-window').textContent,
      points: document.getElementById('req-width').textContent,
    }));
    assert.match(rates.tabTitle, /over the last minute/);
    assert.match(rates.headerTitle, /over the last minute/);
    assert.equal(rates.window, '1 min');
    assert.equal(parseFloat(rates.tab), parseFloat(rates.header), `every line fits the format: the same rate (${JSON.stringify(rates)})`);
    assert.match(rates.points, /^points of \d+ (s|min)/);
  });

  it('turns the server\'s statistics off while the panel is closed; the header and tab rates go on from the lines received', async () => {
    const count = () => page.evaluate(() => window.logmon.statsMessages);
    assert.ok(await count() > 0);
    await page.click('#panel-toggle');
    await sleep(1500);
    const off = await count();
    await sleep(3000);
    assert.equal(await count(), off, 'no stats message while the panel is closed');
    const figures = await page.evaluate(() => ({
      header: document.getElementById('stats').textContent,
      tab: document.querySelector('#tabs .tab[data-view="shop"] .tab-rate').textContent,
      tabTitle: document.querySelector('#tabs .tab[data-view="shop"] .tab-rate').title,
    }));
    assert.match(figures.header, /shop\s*[1-9][\d.]*k? req\/s\s*4xx \d/, 'the header from the lines received');
    assert.match(figures.tab, /^[1-9][\d.]*k?\/s$/);
    assert.match(figures.tabTitle, /as received/);
    await page.click('#panel-toggle');
    await waitFor(async () => (await count()) > off, { what: 'stats messages again' });
    await waitFor(() => page.isVisible('#panel-body'), { what: 'the panel' });
  });

  it('follows the tab: a stream without fields shows none; the switch hides the panel and stays in the URL', async () => {
    await page.click('#tabs .tab[data-view="error"]');
    await waitFor(() => page.$eval('#panel-title', (e) => e.textContent === 'shop'), { what: 'still the access stream' });
    await page.click('#tabs .tab[data-view="*"]');
    await page.click('#panel-toggle');
    await waitFor(() => page.$eval('#panel', (p) => p.hidden), { what: 'panel hidden' });
    await waitFor(() => /stats=off/.test(page.url()), { what: 'in the URL' });
    assert.equal(await page.$eval('#panel-toggle', (b) => b.getAttribute('aria-pressed')), 'false');
    await page.click('#panel-toggle');
    await waitFor(() => page.$$eval('#chart-req canvas', (c) => c.length === 1), { what: 'charts made again' });
    await waitFor(() => !/stats=off/.test(page.url()), { what: 'off the URL' });
  });

  for (const scheme of ['light', 'dark']) {
    it(`screenshot, ${scheme}`, async () => {
      const { page: p, problems: pr, context } = await openPage(browser, daemon.url + '#stream=shop', { colorScheme: scheme });
      await waitFor(() => p.$$eval('#panel-tables .top-row', (r) => r.length > 10), { timeout: 15000, what: 'tables' });
      await sleep(2500);
      const box = await p.locator('#chart-req .u-over').boundingBox();
      await p.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
      const file = path.join(SCREENSHOTS, `stats-${scheme}.png`);
      await p.screenshot({ path: file });
      assert.ok(fs.statSync(file).size > 20000, `${file} written`);
      assert.equal(await p.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), scheme === 'dark');
      assert.deepEqual(await p.evaluate(() => window.__csp), []);
      assert.deepEqual(pr.errors, []);
      await context.close();
      console.log(`screenshot ${file}`);
    });
  }

  it('had no console errors, CSP violations, page errors or dialogs', async () => {
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.console, []);
  });
});
