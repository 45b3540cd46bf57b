// The UI at its edges, against the real daemon: every column reachable at
// any window size, the browser's font size and zoom, history features on the
// "all streams" tab, a search's match in its context (n and N to the next
// and previous), bad filter terms said where the user looks, a jump before
// the oldest line, tabs by keyboard, the help screen and the theme toggle.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { localText } from '../../static/when.js';
import {
  SCREENSHOTS, appendLines, ensureDir, errorLine, launchBrowser, nginxTime, openPage, renderedLines, startWithConfig, teardown, tempDir, waitFor,
} from './lib.mjs';

// The user agent before the times, as in many configurations: a long agent must not push rt and ut out of reach.
const FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time';
const LONG_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36 Edg/124.0.2478.67 SomeVeryLongToolbar/9.9.9 (compatible; extra tokens here)';
const LONG_PATH = '/search?q=' + 'very+long+query+'.repeat(16) + 'end';
const COLUMNS = ['time', 'client', 'method', 'path', 'status', 'bytes', 'ref', 'ua', 'dur'];

const T0 = Math.floor(Date.now() / 1000) - 2 * 3600;   // the first line on disk: two hours ago, a line every 10 s
const OLD = 200;
const webLine = (i, t = new Date((T0 + i * 10) * 1000)) => `10.2.${i >> 8}.${i & 255} - - [${nginxTime(t)}] "GET ${i % 3 ? '/e/line-' + String(i).padStart(4, '0') + (i % 40 === 7 ? '/needle' : '') : LONG_PATH} HTTP/1.1" ${i % 10 === 3 ? 503 : 200} ${1000 + i} "https://example.com/from/${i}" "${LONG_UA}" 0.${String(100 + i).slice(-3)} 0.010`;
const LINES = Array.from({ length: OLD }, (_, i) => webLine(i));

function config(dir) {
  return `[[stream]]
id = "web"
path = "${dir}/web.log"
log_format = '${FORMAT}'

[[stream]]
id = "error"
path = "${dir}/error.log"
format = "nginx-error"
`;
}

/**
 * Scrolls each cell of column `cls` of the newest row into view and says
 * where they are: {visible, dx} (dx: the largest distance between an edge of
 * a cell and that of its header), or null.
 */
function reach(page, cls) {
  return page.evaluate(async (cls) => {
    const log = document.getElementById('log');
    const rows = [...log.querySelectorAll('.row:not(.mark-row)')].filter((r) => r._e.s.id === 'web');
    const cells = rows.length ? [...rows[rows.length - 1].querySelectorAll('.c-' + cls)] : [];
    if (!cells.length) return null;
    const heads = [...document.querySelectorAll('#colhead .c-' + cls)];
    const box = log.getBoundingClientRect();
    const left = box.left + log.clientLeft, right = left + log.clientWidth;
    let visible = true, dx = 0;
    const at = [];
    for (let i = 0; i < cells.length; i++) {
      cells[i].scrollIntoView({ block: 'nearest', inline: 'nearest' });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const c = cells[i].getBoundingClientRect();
      const h = heads[i] ? heads[i].getBoundingClientRect() : null;
      visible = visible && c.width > 0 && c.left >= left - 0.5 && c.right <= right + 0.5 && c.top >= box.top && c.bottom <= box.bottom;
      // the cell's box and its header's: the same left and right edges
      dx = Math.max(dx, h ? Math.max(Math.abs(c.left - h.left), Math.abs(c.right - h.right)) : Infinity);
      at.push([Math.round(c.left), Math.round(c.right), h && Math.round(h.left), h && Math.round(h.right)]);
    }
    return { visible, dx, cells: at, pane: [Math.round(left), Math.round(right)] };
  }, cls);
}

async function shot(page, name) {
  await ensureDir(SCREENSHOTS);
  await page.screenshot({ path: path.join(SCREENSHOTS, name + '.png') });
}

describe('the UI at its edges', () => {
  let dir, web, error, daemon, browser;

  before(async () => {
    dir = await tempDir();
    web = path.join(dir, 'web.log');
    error = path.join(dir, 'error.log');
    await fsp.writeFile(web, LINES.join('\n') + '\n');
    await fsp.writeFile(error, errorLine({ level: 'warn', msg: 'a warning with a long message '.repeat(8) }) + '\n');
    daemon = await startWithConfig(dir, config(dir));
    // a file event in the live view: the error log truncated (as copytruncate does) and written again
    await new Promise((r) => setTimeout(r, 600));
    await fsp.writeFile(error, '');
    await new Promise((r) => setTimeout(r, 600));
    await appendLines(error, [errorLine({ level: 'error', msg: 'after the truncation' })]);
    browser = await launchBrowser();
  });

  after(() => teardown({ browser, daemon, dir }));

  async function open(hash = '', options = {}) {
    const o = await openPage(browser, daemon.url + hash, options);
    await waitFor(async () => (await renderedLines(o.page)).includes(LINES[LINES.length - 1]), { what: 'the newest line' });
    return o;
  }

  it('item 1: every column is reachable at 1440×900 and 1920×1080 with the panel open, under its header, long cells cut with their text on hover', async () => {
    for (const [hash, width, height] of [['#stream=web', 1440, 900], ['', 1440, 900], ['', 1920, 1080]]) {
      const { page, problems, context } = await open(hash, { viewport: { width, height } });
      assert.equal(await page.isVisible('#panel'), true);
      await shot(page, `edges-${width}` + (hash ? '-web' : '-all'));
      for (const cls of COLUMNS) {
        const r = await reach(page, cls);
        assert.ok(r, `a ${cls} cell (${hash})`);
        assert.ok(r.visible, `the ${cls} cell can be scrolled into view (${hash}): ${JSON.stringify(r)}`);
        assert.ok(Math.abs(r.dx) < 1, `the ${cls} cell is under its header (${hash}): ${JSON.stringify(r)}`);
      }
      // the last column too (ut, after rt)
      const durs = await page.evaluate(() => {
        const row = [...document.querySelectorAll('#log .row:not(.mark-row)')].filter((r) => r._e.s.id === 'web').pop();
        return [...row.querySelectorAll('.c-dur')].map((x) => x.textContent);
      });
      assert.deepEqual(durs, ['0.299', '0.010']);
      // a long user agent is cut, with its text on hover
      const ua = page.locator('#log .row:not(.mark-row) .c-ua').last();
      await ua.scrollIntoViewIfNeeded();
      await ua.hover();
      assert.equal(await ua.getAttribute('title'), LONG_UA);
      assert.deepEqual(problems.errors, []);
      await context.close();
    }
  });

  it('item 2: at 400×800 the statistics go below the log, status and path are reachable, the key hints wrap', async () => {
    for (const hash of ['#stream=web', '#stream=web&stats=off']) {
      const { page, problems, context } = await open(hash, { viewport: { width: 400, height: 800 } });
      await shot(page, 'edges-400' + (hash.includes('off') ? '-nostats' : ''));
      const box = (sel) => page.$eval(sel, (e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }; });
      const log = await box('#log');
      assert.ok(log.width >= 380, `the log takes the width: ${JSON.stringify(log)}`);
      if (!hash.includes('off')) {
        const panel = await box('#panel');
        assert.ok(panel.top >= log.bottom - 1, `the panel is below the log: ${JSON.stringify({ log, panel })}`);
      }
      for (const cls of ['status', 'path', 'method', 'dur']) {
        const r = await reach(page, cls);
        assert.ok(r && r.visible, `the ${cls} cell can be scrolled into view: ${JSON.stringify(r)}`);
        assert.ok(Math.abs(r.dx) < 1, `the ${cls} cell is under its header: ${JSON.stringify(r)}`);
      }
      const keys = await page.$$eval('.foot .key', (ks) => ks.map((k) => k.getBoundingClientRect().right));
      assert.ok(keys.length >= 5 && keys.every((x) => x <= 400), `every key hint on screen: ${keys}`);
      assert.deepEqual(problems.errors, []);
      await context.close();
    }
  });

  it('item 3: a default font of 24 px makes the text larger; at 200% zoom status and path are reachable', async () => {
    const sizes = async (page) => page.evaluate(() => ({
      row: document.querySelector('#log .row').getBoundingClientRect().height,
      filter: parseFloat(getComputedStyle(document.getElementById('filter')).fontSize),
      body: parseFloat(getComputedStyle(document.body).fontSize),
    }));
    const normal = await open('#stream=web');
    const base = await sizes(normal.page);
    await normal.context.close();
    const big = await open('#stream=web', {
      setup: async (page, context) => {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Page.enable');
        await cdp.send('Page.setFontSizes', { fontSizes: { standard: 24, fixed: 24 } });
      },
    });
    const larger = await sizes(big.page);
    await shot(big.page, 'edges-font-24');
    for (const k of Object.keys(base)) assert.ok(larger[k] >= base[k] * 1.4, `${k} follows the font size: ${base[k]} → ${larger[k]}`);
    for (const cls of ['status', 'path']) assert.ok((await reach(big.page, cls)).visible, `${cls} reachable with a large font`);
    await big.context.close();
    // 200% zoom of a 1440×900 window: a 720×450 viewport of CSS pixels, at twice the density
    const zoom = await open('#stream=web', { viewport: { width: 720, height: 450 }, deviceScaleFactor: 2 });
    await shot(zoom.page, 'edges-zoom-200');
    for (const cls of ['status', 'path', 'method']) {
      const r = await reach(zoom.page, cls);
      assert.ok(r && r.visible, `${cls} reachable at 200%: ${JSON.stringify(r)}`);
    }
    const logH = await zoom.page.$eval('#log', (e) => e.clientHeight);
    assert.ok(logH >= 5 * 18, `a few rows of the log in view: ${logH}px`);
    assert.deepEqual(zoom.problems.errors, []);
    await zoom.context.close();
  });

  it('item 4: on "all streams", search and jump read the stream chosen beside them; scrolling up offers the streams', async () => {
    const { page, problems, context } = await open('');
    assert.equal(await page.isVisible('#hist-stream'), true, 'the choice of stream is shown on "all streams"');
    assert.equal(await page.$eval('#hist-stream', (s) => s.value), 'web', 'the first stream by default');
    // a search with nothing to search for runs nothing, and its bar does not move
    await page.fill('#filter', '');
    await page.click('#search-btn');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'failed'), { what: 'nothing to search' });
    assert.notEqual(await page.$eval('#search-progress', (b) => b.position), -1, 'no animated progress bar when nothing runs');
    // a search on "all streams"
    await page.fill('#filter', '/needle');
    await page.press('#filter', 'Shift+Enter');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search done' });
    const found = LINES.filter((l) => l.includes('/needle'));
    assert.equal((await page.evaluate(() => window.logmon.search())).matches, found.length);
    assert.equal(await page.textContent('#search-title'), 'Search web: /needle');
    assert.notEqual(await page.$eval('#search-progress', (b) => b.position), -1, 'a finished search shows a still bar');
    await page.click('#search-close');
    await page.fill('#filter', '');
    // a jump on "all streams": the chosen stream's tab, at that time
    await page.fill('#jump', localText(T0 + 100 * 10));
    await page.press('#jump', 'Enter');
    await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the line jumped to' });
    assert.equal(await page.$eval('#log .row.hl', (r) => r._e.t), LINES[100]);
    assert.equal(await page.$eval('#tabs .tab[aria-selected="true"]', (b) => b.dataset.view), 'web');
    await context.close();
    // scrolling up on "all streams": a button for each stream, which shows it
    const o = await open('');
    await o.page.hover('#log');
    await waitFor(async () => {
      await o.page.mouse.wheel(0, -4000);
      return o.page.$$eval('#hist-note button[data-stream]', (b) => b.map((x) => x.dataset.stream).join());
    }, { what: 'the streams offered', timeout: 15000, interval: 150 });
    assert.deepEqual(await o.page.$$eval('#hist-note button', (b) => b.map((x) => x.textContent)), ['web', 'error']);
    assert.doesNotMatch(await o.page.textContent('#hist-note'), /choose a stream/);
    await o.page.click('#hist-note button[data-stream="web"]');
    assert.equal(await o.page.$eval('#tabs .tab[aria-selected="true"]', (b) => b.dataset.view), 'web');
    assert.deepEqual([...problems.errors, ...o.problems.errors], []);
    await o.context.close();
  });

  it('item 6: "open in context" from a search shows the lines around the match, unfiltered, the match highlighted', async () => {
    const { page, problems, context } = await open('#stream=web');
    await page.fill('#filter', '/needle');
    await waitFor(async () => (await renderedLines(page)).every((t) => t.includes('/needle')), { what: 'the filter applied' });
    await page.press('#filter', 'Shift+Enter');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search done' });
    const found = LINES.filter((l) => l.includes('/needle'));
    await page.click('#search-results li:nth-child(2) button');
    await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the match in context' });
    assert.equal(await page.$eval('#log .row.hl', (r) => r._e.t), found[found.length - 2]);
    const rows = await renderedLines(page);
    assert.ok(rows.length > 50, `the lines around it, not only the matches: ${rows.length} rows`);
    const at = LINES.indexOf(found[found.length - 2]);
    assert.ok(rows.includes(LINES[at - 1]) && rows.includes(LINES[at + 1]), 'the lines just before and after it');
    assert.equal(await page.$eval('#filter', (f) => f.value), '');
    assert.deepEqual(problems.errors, []);
    await shot(page, 'edges-context');
    await context.close();
  });

  it('item 6: n and N open the next and the previous match in its context', async () => {
    const { page, problems, context } = await open('#stream=web');
    await page.fill('#filter', '/needle');
    await page.press('#filter', 'Shift+Enter');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search done' });
    const found = LINES.filter((l) => l.includes('/needle')).reverse();   // the results: newest first
    const hl = () => waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the match in context' });
    await page.click('#search-results li:nth-child(2) button');
    assert.equal(await hl(), found[1]);
    await page.focus('#log');
    await page.keyboard.press('n');
    await waitFor(async () => (await hl()) === found[2], { what: 'the next match' });
    assert.equal(await page.$eval('#search-results .result[aria-current="true"]', (b) => b.querySelector('.result-text').textContent), found[2]);
    await page.keyboard.press('Shift+N');
    await waitFor(async () => (await hl()) === found[1], { what: 'the previous match' });
    const rows = await renderedLines(page);
    assert.ok(rows.length > 50, 'in its context, unfiltered');
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('item 7: bad field terms are said under the filter box; an empty result says so; the syntax help stays', async () => {
    const { page, problems, context } = await open('');
    await waitFor(() => page.$$eval('#log .mark-row', (r) => r.length > 0), { what: 'a file event in the unfiltered view' });
    const cases = [
      ['status:abc', /status:abc matches no line: a status is a code such as 404 or a class such as 5xx/, true],
      ['status:999', /no status 999/, true],
      ['status:', /status: has no value/, false],
      ['foo:bar', /foo is not a field of these lines/, true],
    ];
    for (const [term, why, empty] of cases) {
      await page.fill('#filter', term);
      await waitFor(() => page.evaluate((t) => window.logmon.filter === t, term), { what: `filter ${term}` });
      const said = await page.$eval('#filter-error', (e) => ({ text: e.textContent, shown: e.getBoundingClientRect().height > 0 }));
      assert.match(said.text, why, term);
      assert.ok(said.shown, `the reason is shown for ${term}`);
      assert.equal(await page.$eval('#filter', (f) => f.getAttribute('aria-invalid')), 'true', term);
      assert.match(await page.$eval('#filter', (f) => f.title), /status:5xx, path:\/api\/\*/, 'the syntax help stays in reach');
      if (empty) {
        await waitFor(() => page.evaluate(() => document.querySelectorAll('#log .row').length === 0), { what: `no rows for ${term}` });
        assert.equal(await page.isVisible('#empty'), true);
        assert.equal(await page.textContent('#empty'), 'No matching lines for ' + term);
      }
    }
    await shot(page, 'edges-bad-term');
    await page.fill('#filter', 'status:5xx');
    await waitFor(() => page.evaluate(() => window.logmon.filter === 'status:5xx'), { what: 'a good filter' });
    assert.equal(await page.$eval('#filter-error', (e) => e.textContent), '');
    assert.equal(await page.$eval('#filter', (f) => f.getAttribute('aria-invalid')), null);
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('item 11: a jump before the oldest line on disk says so and shows that line', async () => {
    const { page, problems, context } = await open('#stream=web');
    await page.fill('#jump', localText(T0 - 3600));
    await page.press('#jump', 'Enter');
    await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the line jumped to' });
    assert.equal(await page.$eval('#log .row.hl', (r) => r._e.t), LINES[0]);
    assert.match(await page.textContent('#hist-note'), /^Nothing on disk before .*: the oldest line on disk is shown/);
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('columns: shown, hidden and reordered by the reader, kept for the next visit; a row shows every field', async () => {
    const { page, problems, context } = await open('#stream=web');
    const heads = () => page.$$eval('#colhead .c-' + 'time, #colhead .row > span', (s) => s.map((x) => x.textContent));
    const cells = () => page.evaluate(() => {
      const row = [...document.querySelectorAll('#log .row:not(.mark-row)')].pop();
      return [...row.querySelectorAll(':scope > span')].map((x) => x.className.split(' ')[0]);
    });
    assert.deepEqual((await heads()).slice(0, 4), ['time', 'client', 'method', 'path']);
    await page.click('#columns-btn');
    await waitFor(() => page.isVisible('#columns'), { what: 'the column chooser' });
    await page.uncheck('#columns-list input[data-label="client"]');
    await page.click('#columns-list button[data-move="-1"][data-label="status"]');
    await page.click('#columns-list button[data-move="-1"][data-label="status"]');
    await page.keyboard.press('Escape');
    const want = ['time', 'status', 'method', 'path'];
    await waitFor(async () => JSON.stringify((await heads()).slice(0, 4)) === JSON.stringify(want), { what: 'the header rearranged' });
    assert.ok(!(await heads()).includes('client'));
    assert.deepEqual((await cells()).slice(0, 4), ['c-time', 'c-status', 'c-method', 'c-path'], 'the cells follow their header');
    const r = await reach(page, 'status');
    assert.ok(r && r.visible && Math.abs(r.dx) < 1, `status under its header: ${JSON.stringify(r)}`);
    // kept: a new page of the same browser
    const again = await context.newPage();
    await again.goto(daemon.url + '#stream=web');
    await again.waitForFunction(() => window.logmon && window.logmon.connection === 'live');
    await waitFor(async () => (await again.$$eval('#colhead .row > span', (s) => s.map((x) => x.textContent))).slice(0, 4).join() === want.join(), { what: 'the arrangement kept' });
    await again.close();
    // every field of a row
    const row = page.locator('#log .row:not(.mark-row)').last();
    await row.hover();
    await page.click('#fields-btn');
    await waitFor(() => page.isVisible('#fields'), { what: 'the fields of the line' });
    const fields = await page.$$eval('#fields-table tr', (rs) => rs.map((r) => [r.cells[0] ? r.querySelector('th').textContent : '', r.querySelector('td').textContent]));
    const names = fields.map((f) => f[0]);
    for (const n of ['stream', 'time', 'remote_addr', 'request', 'status', 'http_user_agent', 'request_time']) assert.ok(names.includes(n), `field ${n}: ${names}`);
    assert.equal(fields.find((f) => f[0] === 'http_user_agent')[1], LONG_UA, 'the whole value, not cut');
    assert.equal(await page.textContent('#fields-raw'), LINES[LINES.length - 1]);
    await shot(page, 'edges-fields');
    await page.keyboard.press('Escape');
    // reset
    await page.click('#columns-btn');
    await page.click('#columns-reset');
    await page.keyboard.press('Escape');
    await waitFor(async () => (await heads()).slice(0, 2).join() === 'time,client', { what: 'the columns as they were' });
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('item 13: ? opens a help screen with the filter language, the keys and links; Esc closes it', async () => {
    const { page, problems, context } = await open('');
    await page.focus('#log');
    await page.keyboard.press('?');
    await waitFor(() => page.isVisible('#help'), { what: 'the help screen' });
    const text = await page.textContent('#help');
    for (const want of ['status:5xx', 'path:/api/*', 'rt>0.5', 'a regular expression', 'Shift+Enter', 'Space', 'End', 'the next and the previous search match', 'metrics', 'healthz']) assert.ok(text.includes(want), `help tells ${want}`);
    assert.deepEqual(await page.$$eval('#help a', (a) => a.map((x) => x.getAttribute('href'))), ['metrics', 'healthz']);
    // keys meant for the log do nothing behind it
    await page.keyboard.press('/');
    assert.notEqual(await page.evaluate(() => document.activeElement.id), 'filter');
    assert.equal(await page.isVisible('#help'), true);
    await shot(page, 'edges-help');
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await page.isVisible('#help')), { what: 'the help screen closed' });
    await page.click('#help-btn');
    await waitFor(() => page.isVisible('#help'), { what: 'the help screen from its button' });
    await page.click('#help-close');
    await waitFor(async () => !(await page.isVisible('#help')), { what: 'closed by its button' });
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('item 13: a theme toggle, light, dark or the system\'s, remembered', async () => {
    const bg = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const { page, problems, context } = await open('', { colorScheme: 'light' });
    assert.equal(await page.$eval('#theme', (s) => s.value), 'system');
    const light = await bg(page);
    await page.selectOption('#theme', 'dark');
    await waitFor(async () => (await bg(page)) !== light, { what: 'dark colours' });
    const dark = await bg(page);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    // remembered: a new page of the same browser is dark on a light system
    const again = await context.newPage();
    await again.goto(daemon.url);
    await again.waitForFunction(() => window.logmon && window.logmon.connection === 'live');
    assert.equal(await bg(again), dark);
    assert.equal(await again.$eval('#theme', (s) => s.value), 'dark');
    await again.selectOption('#theme', 'system');
    assert.equal(await bg(again), light);
    await again.close();
    // on a dark system, "light" wins
    const d = await open('', { colorScheme: 'dark' });
    const sysDark = await bg(d.page);
    assert.equal(sysDark, dark);
    await d.page.selectOption('#theme', 'light');
    assert.equal(await bg(d.page), light);
    assert.deepEqual([...problems.errors, ...d.problems.errors], []);
    await d.context.close();
    await context.close();
  });

  it('item 13: the tabs move with the arrow keys, one of them in the Tab order', async () => {
    const { page, problems, context } = await open('');
    const state = () => page.evaluate(() => ({
      selected: document.querySelector('#tabs [aria-selected="true"]').dataset.view,
      focused: document.activeElement.dataset.view,
      inOrder: [...document.querySelectorAll('#tabs [role="tab"]')].filter((b) => b.tabIndex === 0).map((b) => b.dataset.view),
    }));
    assert.deepEqual((await state()).inOrder, ['*']);
    await page.focus('#tabs .tab[data-view="*"]');
    await page.keyboard.press('ArrowRight');
    assert.deepEqual(await state(), { selected: 'web', focused: 'web', inOrder: ['web'] });
    await page.keyboard.press('End');
    assert.deepEqual(await state(), { selected: 'error', focused: 'error', inOrder: ['error'] });
    await page.keyboard.press('ArrowRight');
    assert.deepEqual(await state(), { selected: '*', focused: '*', inOrder: ['*'] });
    await page.keyboard.press('ArrowLeft');
    assert.equal((await state()).selected, 'error');
    assert.equal(await page.evaluate(() => window.logmon.following), true, 'End on a tab moves to the last tab, it does not follow');
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
