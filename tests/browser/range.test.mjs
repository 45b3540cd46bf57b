// The statistics panel over a range and a filter: a past range read from
// the files on disk (the current file, a rotation, a rotated .gz) shows
// exactly the numbers the test wrote; the range picker and its way back to
// live; a drag across a chart zooms to the span dragged; a filter in the
// filter box makes the panel show the filtered lines' numbers, live lines
// included; the exports (the report as JSON and CSV, the lines as CSV and
// NDJSON) hold what they should, CSV safe against formula injection; a bad
// query is said in words. Screenshots at 400 and 1440 px.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  SCREENSHOTS, VHOST_FORMAT, appendLines, ensureDir, launchBrowser, openPage, startWithConfig, tempDir, teardown, vhostLine, waitFor,
} from './lib.mjs';

const NOW = Math.floor(Date.now() / 1000);
const DAY = 86400;
const at = (t) => new Date(t * 1000);

/** n lines from time t0, a second apart, with a status and bytes each (host given). */
function lines(n, t0, status, bytes, extra = {}) {
  return Array.from({ length: n }, (_, i) => vhostLine({
    ip: `198.51.100.${1 + (i % 7)}`, path: status === 404 ? '/missing' : `/p/${i % 5}`, status, bytes, rt: '0.020', ut: '0.015',
    time: at(t0 + i), ...extra,
  }));
}

// Three days ago, in a rotated .gz: 100 × 200, 15 × 404, 5 × 500.
const GZ_T = NOW - 3 * DAY;
const GZ = [...lines(100, GZ_T, 200, 1000), ...lines(15, GZ_T + 200, 404, 100), ...lines(5, GZ_T + 300, 500, 50)];
// Two days ago, in access.log.1: 60 × 200, 19 × 502 and one 502 whose host reads as a formula.
const R1_T = NOW - 2 * DAY;
const R1 = [...lines(60, R1_T, 200, 2000), ...lines(19, R1_T + 100, 502, 10),
  vhostLine({ host: '=1+2', ip: '198.51.100.9', path: '/p/0', status: 502, bytes: 10, time: at(R1_T + 150) })];
// Half an hour ago, in access.log: 40 × 200 and 10 × 503.
const CUR_T = NOW - 1800;
const CUR = [...lines(40, CUR_T, 200, 500), ...lines(10, CUR_T + 60, 503, 20)];
const PAST = `${GZ_T - 600}-${R1_T + 600}`;
const PAST_BYTES = 100 * 1000 + 15 * 100 + 5 * 50 + 60 * 2000 + 20 * 10;

describe('statistics over a range and a filter', () => {
  let dir, access, daemon, browser, writer;
  const pages = [];

  async function open(hash, opts) {
    const p = await openPage(browser, daemon.url + hash, opts);
    pages.push(p);
    return p;
  }

  /** Waits for the panel's report to be done; returns it (as received). */
  async function report(page, what = 'the report') {
    await waitFor(() => page.evaluate(() => window.logmon.report().state === 'done' && window.logmon.report().report), { what, timeout: 20000 });
    return page.evaluate(() => window.logmon.report().report);
  }

  /** A download the click on `selector` starts: its suggested name and its text. */
  async function download(page, selector) {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const file = await d.path();
    return { name: d.suggestedFilename(), text: await fsp.readFile(file, 'utf8') };
  }

  before(async () => {
    dir = await tempDir();
    access = path.join(dir, 'access.log');
    await fsp.writeFile(path.join(dir, 'access.log.2.gz'), zlib.gzipSync(GZ.join('\n') + '\n'));
    await fsp.writeFile(path.join(dir, 'access.log.1'), R1.join('\n') + '\n');
    await fsp.writeFile(access, CUR.join('\n') + '\n');
    // Rotations are ordered by their modification time, as logrotate leaves them.
    fs.utimesSync(path.join(dir, 'access.log.2.gz'), at(GZ_T + 400), at(GZ_T + 400));
    fs.utimesSync(path.join(dir, 'access.log.1'), at(R1_T + 200), at(R1_T + 200));
    // A second access stream, for the "all streams" tab: 7 lines two days ago.
    await fsp.writeFile(path.join(dir, 'api.log'), lines(7, R1_T + 20, 201, 30, { host: 'api.example.com' }).join('\n') + '\n');
    daemon = await startWithConfig(dir, `[[stream]]\nid = "shop"\npath = "${access}"\nlog_format = '${VHOST_FORMAT}'\n\n`
      + `[[stream]]\nid = "api"\npath = "${dir}/api.log"\nlog_format = '${VHOST_FORMAT}'\n`);
    let i = 0;
    writer = setInterval(() => appendLines(access, [vhostLine({ path: `/live/${i++}`, time: new Date() })]).catch(() => {}), 200);
    browser = await launchBrowser();
    await ensureDir(SCREENSHOTS);
  });

  after(() => teardown({ writer, browser, daemon, dir }));

  it('a past range shows the numbers written in the files, a rotated .gz included', async () => {
    const { page, problems } = await open('#range=' + PAST);
    const r = await report(page);
    assert.equal(r.requests, 200);
    assert.equal(r.bad, 0);
    assert.equal(r.bytes, PAST_BYTES);
    assert.deepEqual(r.status, [[200, 160], [404, 15], [500, 5], [502, 20]]);
    const totals = await page.$$eval('.report-total', (t) => t.map((x) => x.textContent));
    assert.ok(totals.includes('200requests'), totals.join(' | '));
    const statuses = await page.$$eval('#report .top-status .top-row', (rows) => rows.map((x) => [x.querySelector('.top-val').textContent, x.querySelector('.top-n').textContent]));
    assert.deepEqual(statuses, [['200', '160 (80%)'], ['502', '20 (10%)'], ['404', '15 (7.5%)'], ['500', '5 (2.5%)']]);
    const notFound = await page.$$eval('.report-not_found .top-row', (rows) => rows.map((x) => x.textContent));
    assert.deepEqual(notFound, ['GET /missing HTTP/1.115']);
    const titles = await page.$$eval('.report-body .top-title', (t) => t.map((x) => x.textContent));
    for (const t of ['statuses', 'requests', '404s', 'hosts', 'virtual hosts', 'bandwidth by path']) assert.ok(titles.includes(t), titles.join(', '));
    assert.ok(await page.$('#chart-req canvas'), 'the series drawn in the requests chart as soon as the report is in');
    assert.equal(await page.$eval('#range', (s) => s.value), 'custom');
    assert.match(await page.$eval('#panel-window', (e) => e.textContent), /from the files/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'range-report-1440.png') });
    assert.deepEqual(problems.errors, []);
  });

  it('on "all streams", each stream is reported on, a line each, one in full', async () => {
    const { page } = await open('#range=' + PAST);
    await waitFor(() => page.evaluate(() => window.logmon.report().state === 'done'), { what: 'both reports', timeout: 20000 });
    const streams = await page.$$eval('.report-stream', (b) => b.map((x) => [x.dataset.stream, x.getAttribute('aria-pressed'), x.textContent]));
    assert.deepEqual(streams.map((x) => x.slice(0, 2)), [['shop', 'true'], ['api', 'false']]);
    assert.match(streams[0][2], /^shop200 req4xx 7\.5%5xx 13%/);
    assert.match(streams[1][2], /^api7 req4xx 0%5xx 0%/);
    await page.click('.report-stream[data-stream="api"]');
    const r = await page.evaluate(() => window.logmon.report());
    assert.equal(r.stream, 'api');
    assert.equal(r.report.requests, 7);
    assert.deepEqual(r.report.status, [[201, 7]]);
    await waitFor(async () => (await page.$$eval('.report-vhosts .top-val', (v) => v.map((x) => x.textContent))).join() === 'api.example.com', { what: 'api\'s report shown' });
    // a tab shows its own stream's report only
    await page.click('#tabs .tab[data-view="api"]');
    await waitFor(() => page.evaluate(() => window.logmon.report().state === 'done' && window.logmon.report().streams.join() === 'api'), { what: 'the api tab\'s report' });
    assert.equal(await page.$$eval('.report-stream', (b) => b.length), 0);
  });

  it('the picker asks for a span before now, and Live goes back to the live statistics', async () => {
    const { page } = await open('');
    await waitFor(() => page.$$eval('#panel-tables .top-row', (r) => r.length > 0), { what: 'live tables', timeout: 15000 });
    assert.equal(await page.isVisible('#range-live'), false);
    await page.selectOption('#range', '7d');
    const r = await report(page, 'the 7 days report');
    assert.ok(r.requests >= 250, `every line of the files, live ones too: ${r.requests}`);
    assert.equal(r.status.find(([c]) => c === 503)[1], 10);
    assert.match(await page.evaluate(() => location.hash), /range=7d/);
    assert.equal(await page.isVisible('#panel-tables'), false);
    await page.click('#range-live');
    await waitFor(() => page.isVisible('#panel-tables'), { what: 'the live tables again' });
    assert.equal(await page.isVisible('#report'), false);
    assert.doesNotMatch(await page.evaluate(() => location.hash), /range=/);
  });

  it('a custom range typed in its boxes; a bad one is said beside them', async () => {
    const { page } = await open('');
    await page.selectOption('#range', 'custom');
    await page.fill('#range-from', 'not a time');
    await page.click('#range-apply');
    assert.match(await page.$eval('#range-error', (e) => e.textContent), /from: not a time/);
    const p = (n) => String(n).padStart(2, '0');
    const local = (t) => { const d = at(t); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; };
    await page.fill('#range-from', local(R1_T - 10));
    await page.fill('#range-to', local(R1_T + 500));
    await page.press('#range-to', 'Enter');
    const r = await report(page);
    assert.equal(r.requests, 80);
    assert.equal(await page.$eval('#range-error', (e) => e.textContent), '');
  });

  it('a drag across the live chart zooms to the span dragged', async () => {
    const { page } = await open('');
    await waitFor(() => page.$('#chart-req .u-over'), { what: 'the live chart', timeout: 15000 });
    const box = await (await page.$('#chart-req .u-over')).boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await waitFor(() => page.evaluate(() => /range=\d+-\d+/.test(location.hash)), { what: 'a custom range in the URL' });
    const [from, to] = (await page.evaluate(() => /range=(\d+)-(\d+)/.exec(location.hash).slice(1))).map(Number);
    assert.ok(from < to && to <= Math.floor(Date.now() / 1000) + 2 && from >= NOW - 3700, `${from}-${to}`);
    assert.equal(await page.$eval('#range', (s) => s.value), 'custom');
    assert.equal(await page.evaluate(() => window.logmon.history.mode), 'off', 'a drag is not a click: no history opened');
    const r = await report(page, 'the zoomed report');
    assert.equal(r.from, from);
    assert.equal(r.to, to);
    await page.click('#range-live');
    await waitFor(() => page.isVisible('#panel-tables'), { what: 'live again' });
  });

  it('with a filter the panel shows the filtered lines, live ones included', async () => {
    const { page } = await open('#filter=status%3A5xx');
    let r = await report(page, 'the filtered report');
    assert.equal(r.filter, 'status:5xx');
    assert.equal(r.requests, 10);
    assert.deepEqual(r.status, [[503, 10]]);
    assert.match(await page.$eval('#panel-window', (e) => e.textContent), /last hour.*every 10 s.*filter: status:5xx/);
    await appendLines(access, [1, 2, 3].map((k) => vhostLine({ path: `/boom/${k}`, status: 503, time: new Date() })));
    r = await waitFor(async () => {
      const x = await page.evaluate(() => window.logmon.report().report);
      return x && x.requests === 13 && x;
    }, { what: 'the new 5xx lines counted', timeout: 20000 });
    assert.deepEqual(r.status, [[503, 13]]);
    // a /regex/ alone is nothing a report can take: the live statistics, which say they count every line
    await page.fill('#filter', '/boom/');
    await waitFor(() => page.isVisible('#panel-tables'), { what: 'the live statistics for a regex' });
    await waitFor(async () => /every line counted: a statistic takes no regex \(\/boom\/\)/.test(await page.textContent('#panel-note')), { what: 'the note' });
    await page.fill('#filter', '');
    await waitFor(() => page.isVisible('#panel-tables'), { what: 'the live statistics without a filter' });
  });

  it('exports the report as JSON and CSV, and the lines as CSV and NDJSON', async () => {
    const { page } = await open('#filter=status%3A5xx&range=' + PAST);
    const r = await report(page);
    assert.equal(r.requests, 25);
    const json = await download(page, '#export-json');
    assert.match(json.name, /^shop-report-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.json$/);
    assert.deepEqual(JSON.parse(json.text), r);
    const csv = await download(page, '#export-csv');
    assert.match(csv.name, /\.csv$/);
    const rows = csv.text.trimEnd().split('\r\n');
    assert.equal(rows[0], '"panel","name","value","bytes","method","protocol"');
    assert.ok(rows.includes('"summary","requests","25","","",""'), rows.slice(0, 12).join('\n'));
    assert.ok(rows.includes('"status","500","5","","",""'));
    assert.ok(rows.includes('"status","502","20","","",""'));
    assert.ok(rows.includes('"vhosts","\'=1+2","1","10","",""'), 'a value that reads as a formula is neutralised');
    const lcsv = await download(page, '#export-lines-csv');
    assert.equal(lcsv.name, 'shop-lines.csv');
    const lrows = lcsv.text.trimEnd().split('\r\n');
    assert.equal(lrows[0], 'time,cursor,text');
    assert.equal(lrows.length, 1 + 25);
    assert.ok(lrows.slice(1).every((x) => /^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","[^"]+","/.test(x)), lrows[1]);
    assert.equal(lrows.filter((x) => x.includes('" 500 ')).length, 5);
    assert.ok(lrows.some((x) => x.includes(',"\'=1+2 198.51.100.9 [')), 'the line that starts with = is neutralised');
    const nd = await download(page, '#export-lines-ndjson');
    assert.equal(nd.name, 'shop-lines.ndjson');
    const msgs = nd.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(msgs.filter((m) => m.type === 'match').length, 25);
    assert.equal(msgs.filter((m) => m.type === 'progress').length, 0);
    assert.deepEqual(msgs.at(-1).type, 'done');
  });

  it('a report under way is cancelled when the range changes and when the panel closes', async () => {
    const { page, context } = await open('');
    // The server's answers are held back, so that each request is still under way when the view changes.
    const held = [];
    await context.route((u) => u.pathname.endsWith('/report'), (route) => { held.push(route); });
    const aborted = [];
    page.on('requestfailed', (r) => { if (r.url().includes('/report?')) aborted.push([new URL(r.url()).searchParams.get('from'), r.failure().errorText]); });
    await page.selectOption('#range', '24h');
    await waitFor(() => held.length === 1, { what: 'the 24 h report asked' });
    assert.equal(await page.evaluate(() => window.logmon.report().state), 'running');
    assert.ok(await page.isVisible('#report-cancel'), 'a Cancel button while it runs');
    await page.selectOption('#range', '7d');
    await waitFor(() => held.length === 2, { what: 'the 7 d report asked' });
    await waitFor(() => aborted.length === 1, { what: 'the 24 h request aborted' });
    assert.match(aborted[0][1], /ABORTED/);
    await page.click('#panel-toggle');
    await waitFor(() => aborted.length === 2, { what: 'the 7 d request aborted as the panel closed' });
    assert.equal(held.length, 2, 'nothing more asked while the panel is closed');
    await context.unrouteAll({ behavior: 'ignoreErrors' });
  });

  it('a query the server refuses is said in words', async () => {
    const { page } = await open('#filter=rt%3Esoon&range=' + PAST);
    await waitFor(() => page.evaluate(() => window.logmon.report().state === 'failed'), { what: 'the refusal', timeout: 15000 });
    const text = await page.$eval('#report-status', (e) => e.textContent);
    assert.match(text, /^The server refused the query: filter=: /);
    assert.equal(await page.isVisible('#report-retry'), true);
  });

  it('works at 400 px', async () => {
    const { page, problems } = await open('#range=' + PAST, { viewport: { width: 400, height: 860 } });
    await report(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'range-report-400.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scroll: ${overflow}px`);
    assert.ok(await page.isVisible('#range'), 'the picker is on screen');
    assert.deepEqual(problems.errors, []);
  });
});
