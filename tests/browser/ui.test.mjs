// Core UI behaviour against the real daemon: streaming, columns, colours,
// filters, pause and follow, keyboard, URL state, CSP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fsp from 'node:fs/promises';
import {
  appendLines, combined, errorLine, launchBrowser, openPage, renderedLines, startDaemon, tempDir, waitFor,
} from './lib.mjs';

describe('logmon UI', () => {
  let dir, access, error, daemon, browser, page, problems, response;
  let n = 0;
  const uid = (tag) => `${tag}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

  before(async () => {
    dir = await tempDir();
    access = path.join(dir, 'access.log');
    error = path.join(dir, 'error.log');
    await fsp.writeFile(access, combined({ path: '/warmup' }) + '\n');
    await fsp.writeFile(error, errorLine({ level: 'notice', msg: 'signal process started' }) + '\n');
    daemon = await startDaemon([access, error]);
    browser = await launchBrowser();
    ({ page, problems, response } = await openPage(browser, daemon.url));
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('is served with the content security policy and loads without errors', async () => {
    const csp = response.headers()['content-security-policy'] || '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    const tabs = await page.$$eval('#tabs .tab', (b) => b.map((x) => x.dataset.view));
    assert.deepEqual(tabs, ['*', 'access', 'error']);
    // history sent as backlog shows up
    await waitFor(async () => (await renderedLines(page)).some((t) => t.includes('/warmup')), { what: 'backlog line' });
    // the connection runs in the worker (ingest.js), which the policy allows
    assert.equal(await page.evaluate(() => window.logmon.transport), 'worker');
  });

  it('sends the browser compressed frames (permessage-deflate)', async () => {
    const marker = uid('deflate');
    // A socket of the page's own, open and past its hello before the lines are written.
    const extensions = await page.evaluate(() => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${location.host}/ws?stream=access&backlog=0&stats=0`);
      window.deflateTest = { ws, seen: [] };
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'hello') resolve(ws.extensions);
        if (m.type === 'lines') window.deflateTest.seen.push(...m.lines);
      };
      ws.onerror = () => reject(new Error('socket error'));
      // the browser compresses what it sends too: the server must read it
      ws.onopen = () => ws.send(JSON.stringify({ type: 'stats', on: false }));
    }));
    assert.match(extensions, /^permessage-deflate/);
    const lines = Array.from({ length: 200 }, (_, i) => combined({ path: `/${marker}/${i}` }));
    await appendLines(access, lines);
    await waitFor(() => page.evaluate(() => window.deflateTest.seen.length >= 200), { what: '200 lines' });
    const seen = await page.evaluate(() => { window.deflateTest.ws.close(); return window.deflateTest.seen; });
    assert.deepEqual(seen, lines, 'every line, in order, inflated by the browser');
  });

  it('shows appended lines', async () => {
    const lines = [uid('a'), uid('b'), uid('c')].map((p) => combined({ path: '/new/' + p }));
    await appendLines(access, lines);
    await waitFor(async () => {
      const got = await renderedLines(page);
      return lines.every((l) => got.includes(l));
    }, { what: 'appended lines' });
    const got = await renderedLines(page);
    assert.deepEqual(got.slice(-3), lines, 'newest lines last, in order');
    // the live header counts them: requests/s and 4xx/5xx shares over the last minute
    await waitFor(() => page.$eval('#stats', (e) => /access.*[1-9][\d.]* req\/s.*4xx 0%.*5xx 0%/.test(e.textContent)), { what: 'live statistics' });
    assert.match(await page.$eval('#tabs .tab[data-view="access"] .tab-rate', (e) => e.textContent), /^[\d.]+k?\/s$/);
  });

  it('renders combined lines as columns with status colours', async () => {
    const id = uid('cols');
    const lines = [200, 301, 404, 503].map((status) => combined({
      ip: '192.0.2.44', method: status === 404 ? 'POST' : 'GET', path: `/c/${id}/${status}`, status, bytes: 1234,
      ref: 'https://ref.example/', ua: 'TestAgent/1.0',
    }));
    await appendLines(access, lines);
    await waitFor(() => page.$$eval('#log .row', (rs, id) => rs.filter((r) => r.textContent.includes(id)).length === 4, id),
      { what: 'status rows' });
    const rows = await page.$$eval('#log .row', (rs, id) => rs.filter((r) => r.textContent.includes(id)).map((r) => {
      const col = (c) => r.querySelector('.c-' + c)?.textContent;
      return {
        cls: r.className,
        time: col('time'), client: col('client'), method: col('method'), path: col('path'), status: col('status'),
        bytes: col('bytes'), ref: col('ref'), ua: col('ua'),
        color: getComputedStyle(r.querySelector('.c-status')).color,
      };
    }), id);
    assert.equal(rows.length, 4);
    for (const r of rows) {
      assert.match(r.time, /^\d\d:\d\d:\d\d$/);
      assert.equal(r.client, '192.0.2.44');
      assert.equal(r.bytes, '1234');
      assert.equal(r.ref, 'https://ref.example/');
      assert.equal(r.ua, 'TestAgent/1.0');
    }
    assert.deepEqual(rows.map((r) => r.status), ['200', '301', '404', '503']);
    assert.deepEqual(rows.map((r) => r.method), ['GET', 'GET', 'POST', 'GET']);
    assert.match(rows[0].cls, /\bst2\b/);
    assert.match(rows[1].cls, /\bst3\b/);
    assert.match(rows[2].cls, /\bst4\b/);
    assert.match(rows[3].cls, /\bst5\b/);
    const colours = new Set(rows.map((r) => r.color));
    assert.equal(colours.size, 4, `one colour per status class, got ${[...colours]}`);
  });

  it('colours error log lines by level and shows unparseable lines raw', async () => {
    const id = uid('lv');
    const levels = ['info', 'notice', 'warn', 'error', 'crit'];
    await appendLines(error, levels.map((level) => errorLine({ level, msg: `level test ${id}` })));
    const plain = `not an nginx line ${id} <b>bold?</b>`;
    await appendLines(access, [plain]);
    await waitFor(() => page.$$eval('#log .row', (rs, id) => rs.filter((r) => r.textContent.includes(id)).length === 6, id),
      { what: 'level rows' });
    const rows = await page.$$eval('#log .row', (rs, id) => rs.filter((r) => r.textContent.includes(id)).map((r) => ({
      cls: r.className,
      level: r.querySelector('.c-level')?.textContent,
      color: r.querySelector('.c-level') ? getComputedStyle(r.querySelector('.c-level')).color : null,
      raw: r.querySelector('.c-raw')?.textContent,
    })), id);
    const lv = rows.filter((r) => r.level);
    assert.deepEqual(lv.map((r) => r.level), levels);
    levels.forEach((l, i) => assert.match(lv[i].cls, new RegExp(`\\blv-${l}\\b`)));
    assert.equal(new Set(lv.map((r) => r.color)).size, 5, 'each level has its own colour');
    assert.deepEqual(rows.filter((r) => !r.level).map((r) => r.raw), [plain], 'unparseable line shown as it is');
  });

  it('toggles between columns and raw', async () => {
    const line = combined({ path: '/' + uid('raw'), status: 418 });
    await appendLines(access, [line]);
    await waitFor(async () => (await renderedLines(page)).includes(line), { what: 'line' });
    await page.click('#mode-raw');
    await waitFor(() => page.evaluate((line) => {
      const r = [...document.querySelectorAll('#log .row')].find((x) => x._e && x._e.t === line);
      return r && r.querySelector('.c-raw') && r.querySelector('.c-raw').textContent === line && !r.querySelector('.c-status');
    }, line), { what: 'raw row' });
    await waitFor(() => /mode=raw/.test(page.url()), { what: 'mode in URL' });
    await page.click('#mode-columns');
    await waitFor(() => page.evaluate((line) => {
      const r = [...document.querySelectorAll('#log .row')].find((x) => x._e && x._e.t === line);
      return r && r.querySelector('.c-status')?.textContent === '418';
    }, line), { what: 'columns row' });
  });

  it('filters by substring, regex and exclusion, highlights matches and keeps the filter in the URL', async () => {
    const id = uid('flt');
    const lines = [
      combined({ path: `/shop/${id}/cart`, status: 200 }),
      combined({ path: `/shop/${id}/pay`, status: 502 }),
      combined({ path: `/healthz/${id}`, status: 200 }),
      combined({ path: `/shop/${id}/gone`, status: 404 }),
    ];
    await appendLines(access, lines);
    await waitFor(async () => (await renderedLines(page)).includes(lines[3]), { what: "filter lines" });

    const visible = async () => (await renderedLines(page)).filter((t) => t.includes(id));

    // substring
    await page.click('#filter');
    await page.fill('#filter', `${id}/pay`);
    await waitFor(async () => (await visible()).length === 1, { what: 'substring filter' });
    assert.deepEqual(await visible(), [lines[1]]);
    const marks = await page.$$eval('#log mark', (m) => m.map((x) => x.textContent));
    assert.ok(marks.length >= 1 && marks.every((m) => m === `${id}/pay`), `highlighted: ${marks}`);
    await waitFor(() => decodeURIComponent(new URL(page.url()).hash).includes(`filter=${id}/pay`), { what: 'hash' });

    // regex
    await page.fill('#filter', `/${id}\\/(cart|gone)/`);
    await waitFor(async () => (await visible()).length === 2, { what: 'regex filter' });
    assert.deepEqual(await visible(), [lines[0], lines[3]]);
    assert.ok((await page.$$eval('#log mark', (m) => m.length)) >= 2);

    // invalid regex: marked, does not filter
    await page.fill('#filter', '/(unclosed/');
    await waitFor(() => page.$eval('#filter', (e) => e.classList.contains('invalid')), { what: 'invalid regex' });

    // exclusion
    await page.fill('#filter', '!healthz');
    await waitFor(async () => (await visible()).length === 3, { what: 'exclusion' });
    assert.ok((await renderedLines(page)).every((t) => !t.includes('healthz')));

    // a shared URL restores the view
    await waitFor(() => new URL(page.url()).hash.includes('filter='), { what: 'hash' });
    const shared = await browser.newPage();
    await shared.goto(daemon.url + '#filter=' + encodeURIComponent(`/${id}\\/pay/`));
    await waitFor(async () => (await renderedLines(shared)).filter((t) => t.includes(id)).length === 1, { what: 'shared view' });
    assert.equal(await shared.$eval('#filter', (e) => e.value), `/${id}\\/pay/`);
    await shared.close();

    // Esc clears
    await page.focus('#filter');
    await page.keyboard.press('Escape');
    await waitFor(async () => (await visible()).length === 4, { what: 'cleared filter' });
    assert.equal(await page.$eval('#filter', (e) => e.value), '');

    // 5xx quick filter
    await page.click('[data-quick="5xx"]');
    await waitFor(async () => (await visible()).length === 1, { what: '5xx quick filter' });
    const statuses = await page.$$eval('#log .row:not(.mark-row)', (rs) => rs.map((r) => r._e.t.match(/" (\d{3}) /)?.[1]));
    assert.ok(statuses.length > 0 && statuses.every((s) => s && s.startsWith('5')), `only 5xx: ${statuses}`);
    await waitFor(() => /quick=5xx/.test(page.url()), { what: 'quick filter in URL' });
    await page.click('[data-quick="5xx"]');
    await waitFor(async () => (await visible()).length === 4, { what: 'quick filter off' });
  });

  it('"/" focuses the filter', async () => {
    await page.focus('#log');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'filter');
    await page.keyboard.press('Escape');
    assert.notEqual(await page.evaluate(() => document.activeElement.id), 'filter');
  });

  it('pause keeps receiving, counts new lines, and resume shows them', async () => {
    await page.focus('#log');
    await page.keyboard.press('Space');
    assert.equal(await page.evaluate(() => window.logmon.paused), true);
    const before = await renderedLines(page);
    const lines = Array.from({ length: 7 }, () => combined({ path: '/paused/' + uid('p') }));
    await appendLines(access, lines);
    await waitFor(() => page.$eval('#newlines', (b) => !b.hidden && b.textContent.startsWith('7 new lines')), { what: '"7 new lines"' });
    assert.deepEqual(await renderedLines(page), before, 'DOM unchanged while paused');
    await page.keyboard.press('Space');
    await waitFor(async () => {
      const got = await renderedLines(page);
      return lines.every((l) => got.includes(l));
    }, { what: 'lines after resume' });
    assert.equal(await page.$eval('#newlines', (b) => b.hidden), true);
    assert.deepEqual((await renderedLines(page)).slice(-7), lines);
  });

  it('follow turns off when scrolling up and back on with End', async () => {
    await appendLines(access, Array.from({ length: 300 }, () => combined({ path: '/fill/' + uid('f') })));
    await waitFor(() => page.evaluate(() => document.querySelectorAll('#log .row').length > 200), { what: 'rows' });
    await page.hover('#log');
    await page.mouse.wheel(0, -2000);
    await waitFor(() => page.evaluate(() => window.logmon.following === false), { what: 'follow off' });
    const last = combined({ path: '/after-scroll/' + uid('s') });
    await appendLines(access, [last]);
    await waitFor(async () => (await renderedLines(page)).includes(last), { what: 'line while scrolled up' });
    assert.equal(await page.evaluate(() => window.logmon.following), false);
    await page.keyboard.press('End');
    const atEnd = () => page.evaluate(() => {
      const l = document.getElementById('log');
      return { following: window.logmon.following, top: l.scrollTop, height: l.clientHeight, scrollHeight: l.scrollHeight };
    });
    await waitFor(async () => {
      const x = await atEnd();
      return x.following && x.top + x.height >= x.scrollHeight - 4;
    }, { what: 'follow on at the bottom' }).catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await atEnd())}`); });
  });

  it('switches streams with the tabs', async () => {
    await page.click('#tabs .tab[data-view="error"]');
    await waitFor(async () => {
      const got = await renderedLines(page);
      return got.length > 0 && got.every((t) => /^\d{4}\/\d\d\/\d\d /.test(t));
    }, { what: 'error stream only' });
    await waitFor(() => /stream=error/.test(page.url()), { what: 'stream in URL' });
    await page.click('#tabs .tab[data-view="*"]');
    await waitFor(async () => (await renderedLines(page)).some((t) => t.includes('/fill/')), { what: 'all streams' });
  });

  it('had no console errors, CSP violations, page errors or dialogs', async () => {
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.console, []);
  });
});
