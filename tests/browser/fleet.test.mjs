// A fleet viewer's page (docs/fleet.md): three hosts' agents publish their
// access logs, and two more hosts' their error logs, through a real
// `nats-server -js` to a viewer, whose streams are `web-1/access`, ...,
// `db-2/error`. The page shows a merged tab
// per stream the hosts share (`access · 3 hosts`) with a `node` column the
// column chooser hides, filters by host with `node:`, and searches every
// host at once (`stream=*/access`, which the viewer asks of every host's
// agent); opening a match shows it among every host's lines at its time,
// and its link opens it again. Scrolling back past memory and the time
// picker read every host's lines from disk too (`/history?stream=*/access`),
// merged by time: no host to choose; a jump's window pages down to the live end.
// The backlog the page gets at hello is merged by time across the hosts.
// Fifty more hosts' lines, published straight to JetStream as agents
// publish them, fold the hosts' own tabs into the merged one.
// The merged tab's statistics panel sums its hosts' statistics.
// Screenshots of the merged tab at 1440x900 (with the panel, and without, and
// after a jump to a time) and 400 px wide.
//
// Skipped, saying so, when nats-server is not installed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { appendLines, combined, errorLine, launchBrowser, openPage, renderedLines, SCREENSHOTS, scrollToOldest, startDaemon, tempDir, waitFor } from './lib.mjs';

const NATS = '/usr/sbin/nats-server';
const HOSTS = ['web-1', 'web-2', 'web-3'];
const ERROR_HOSTS = ['db-1', 'db-2'];
const PER_HOST = 12;
// Lines each host writes later, more than the page's backlog (its row cap, 100): the older ones come from disk.
const MORE = 200, ROWS = 100;

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Publishes `msgs` ([{subject, headers, body}]) on the NATS server at `url`
 * with the protocol's HPUB (a stream's subjects are stored by JetStream).
 */
async function publish(url, msgs) {
  const u = new URL(url);
  const sock = net.connect(+u.port, u.hostname);
  let got = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => { got += d; });
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  sock.write('CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n');
  for (const m of msgs) {
    const hdr = 'NATS/1.0\r\n' + Object.entries(m.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
    const h = Buffer.byteLength(hdr);
    sock.write(`HPUB ${m.subject} ${h} ${h + Buffer.byteLength(m.body)}\r\n${hdr}${m.body}\r\n`);
  }
  sock.write('PING\r\n');
  await waitFor(() => got.includes('PONG') || got.includes('-ERR') && Promise.reject(new Error(got)), { what: 'nats-server\'s PONG' });
  sock.end();
}

async function startNats(dir) {
  const port = await freePort();
  const proc = spawn(NATS, ['-js', '-sd', path.join(dir, 'nats'), '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitFor(() => new Promise((r) => {
    const c = net.connect(port, '127.0.0.1', () => { c.end(); r(true); });
    c.on('error', () => r(false));
  }), { what: 'nats-server listening', timeout: 15000 });
  return { url: `nats://127.0.0.1:${port}`, proc };
}

/** Host `name`'s access line number `i`: its path says whose it is. */
const accessLine = (name, i, t) => combined({ path: `/${name}/page-${i}`, status: i % 5 === 0 ? 503 : 200, ip: `10.0.${HOSTS.indexOf(name) + 1}.${i}`, time: t });
/** Host `name`'s later line number `i`. */
const moreLine = (name, i, t) => combined({ path: `/${name}/more-${String(i).padStart(3, '0')}`, ip: `10.1.${HOSTS.indexOf(name) + 1}.${i & 255}`, time: t });
/** Every host's lines `lines` (host -> its lines, written a second apart host after host, `n` each) in time order. */
const byTime = (lines, n) => Array.from({ length: n }, (_, i) => HOSTS.map((h) => lines.get(h)[i])).flat();

describe('a fleet viewer', { skip: !fs.existsSync(NATS) && 'nats-server is not installed' }, () => {
  let dir, nats, viewer, browser, t0;
  const agents = [];
  const written = new Map();   // host -> its access lines

  before(async () => {
    dir = await tempDir('logmon-fleet-');
    nats = await startNats(dir);
    const servers = `servers = ["${nats.url}"]\n`;
    t0 = Math.floor(Date.now() / 1000) * 1000 - 60000;
    for (const [h, name] of HOSTS.entries()) written.set(name, Array.from({ length: PER_HOST }, (_, i) => accessLine(name, i, new Date(t0 + (i * 3 + h) * 1000))));
    for (const name of [...HOSTS, ...ERROR_HOSTS]) {
      const hd = path.join(dir, name);
      const [id, format] = HOSTS.includes(name) ? ['access', 'nginx-combined'] : ['error', 'nginx-error'];
      await fsp.mkdir(hd);
      await fsp.writeFile(path.join(hd, id + '.log'), '');
      await fsp.writeFile(path.join(hd, 'logmon.toml'), `state_file = "${hd}/state"
[[stream]]
id = "${id}"
path = "${hd}/${id}.log"
format = "${format}"

[fleet]
role = "agent"
host = "${name}"
${servers}`);
      agents.push(await startDaemon([], { args: ['--config', path.join(hd, 'logmon.toml')] }));
    }
    await fsp.writeFile(path.join(dir, 'viewer.toml'), `[fleet]\nrole = "viewer"\n${servers}`);
    viewer = await startDaemon([], { args: ['--config', path.join(dir, 'viewer.toml')] });
    // An agent publishes what its files get once it follows them; a viewer serves a host's stream from its first message.
    for (const name of HOSTS) await appendLines(path.join(dir, name, 'access.log'), written.get(name));
    for (const [h, name] of ERROR_HOSTS.entries()) {
      await appendLines(path.join(dir, name, 'error.log'), [errorLine({ msg: `${name} upstream timed out`, time: new Date(t0 + h * 1000) })]);
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await viewer?.stop();
    for (const a of agents) await a.stop();
    nats?.proc.kill('SIGTERM');
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  /** The page on the viewer once it has every host's access lines. */
  async function open(hash = '', opts = {}) {
    const got = await openPage(browser, viewer.url + hash, opts);
    await waitFor(() => got.page.evaluate((n) => window.logmon.streams().length === n, HOSTS.length + ERROR_HOSTS.length),
      { what: 'every host\'s streams', timeout: 20000 }).catch(async (e) => {
      throw new Error(e.message + '; the page has ' + (await got.page.evaluate(() => window.logmon.streams().map((s) => s.id).join(' '))) + '; the viewer said:\n' + viewer.log.join('\n'));
    });
    return got;
  }
  const tabIds = (page) => page.$$eval('#tabs .tab', (bs) => bs.map((b) => [b.dataset.view, b.querySelector('.tab-name').textContent]));
  const rows = (page) => page.$$eval('#log .row:not(.mark-row)', (rs) => rs.map((r) => [r.querySelector('.c-node')?.textContent ?? null, r._e.t]));

  it('shows a merged tab per stream the hosts share, with a node column and node: filter', async () => {
    const { page, problems, context } = await open();
    const tabs = await tabIds(page);
    assert.deepEqual(tabs.slice(0, 3), [['*', 'all streams'], ['*/access', 'access · 3 hosts'], ['*/error', 'error · 2 hosts']],
      'all streams, then the merged tabs');
    assert.deepEqual(tabs.slice(3).map((t) => t[0]).sort(), [...HOSTS.map((h) => `${h}/access`), ...ERROR_HOSTS.map((h) => `${h}/error`)].sort(),
      'then every host\'s stream');

    await page.click('#tabs .tab[data-view="*/access"]');
    assert.match(page.url(), /stream=\*%2Faccess|stream=\*\/access/);
    const all = [...written.values()].flat();
    await waitFor(async () => (await rows(page)).length === all.length, { what: 'every host\'s access lines', timeout: 20000 });
    const got = await rows(page);
    // Written a second apart, host after host: the page has them merged by time, not host after host.
    const byTime = Array.from({ length: PER_HOST }, (_, i) => HOSTS.map((h) => written.get(h)[i])).flat();
    assert.deepEqual(got.map((r) => r[1]), byTime, 'each host\'s lines once, merged by time, no error line');
    for (const [node, text] of got) assert.ok(text.includes(`/${node}/page-`), `${node}: ${text}`);
    const head = await page.$$eval('#colhead .row > span', (s) => s.map((x) => x.textContent));
    assert.deepEqual(head.slice(0, 3), ['time', 'node', 'client'], 'the node column after the time, no stream column');

    // A click on a node cell filters by that host: node:web-2.
    const cell = await page.$('#log .row:not(.mark-row) .c-node:text("web-2")');
    await cell.click();
    await waitFor(() => page.evaluate(() => window.logmon.filter === 'node:web-2'), { what: 'node:web-2 from a click' });
    await waitFor(async () => (await rows(page)).length === PER_HOST, { what: 'web-2\'s lines only' });
    assert.ok((await rows(page)).every((r) => r[0] === 'web-2'));
    assert.equal(await page.textContent('#filter-error'), '', 'node: is a term of its own');
    await page.fill('#filter', 'node:web-? !node:web-1');
    await waitFor(async () => (await rows(page)).length === 2 * PER_HOST, { what: 'web-2 and web-3' });
    await page.fill('#filter', 'host:web-1');
    await waitFor(async () => (await rows(page)).length === 0, { what: 'host: is still the Host header (none here)' });
    await page.fill('#filter', '');
    await waitFor(async () => (await rows(page)).length === all.length, { what: 'unfiltered again' });

    // The error tab merges the error logs, with their host.
    await page.click('#tabs .tab[data-view="*/error"]');
    await waitFor(async () => (await rows(page)).length === ERROR_HOSTS.length, { what: 'the hosts\' error lines' });
    assert.deepEqual((await rows(page)).map((r) => r[0]).sort(), ERROR_HOSTS);
    assert.deepEqual((await page.$$eval('#colhead .row > span', (s) => s.map((x) => x.textContent))).slice(0, 2), ['node', 'time']);

    // The time picker reads every host's stream: no host to choose.
    assert.equal(await page.isVisible('#hist-stream'), false);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await context.close();
  });

  it('hides and moves the node column with the column chooser', async () => {
    const { page, context } = await open('#stream=*/access');
    await waitFor(async () => (await rows(page)).length > 0, { what: 'rows' });
    await page.click('#columns-btn');
    const labels = await page.$$eval('#columns-list input', (i) => i.map((x) => x.dataset.label));
    assert.equal(labels[1], 'node');
    await page.click('#columns-list input[data-label="node"]');
    await page.click('#columns-close');
    await waitFor(async () => (await rows(page)).every((r) => r[0] === null), { what: 'no node cells' });
    assert.ok(!(await page.$$eval('#colhead .row > span', (s) => s.map((x) => x.textContent))).includes('node'));
    await page.click('#columns-btn');
    await page.click('#columns-reset');
    await page.click('#columns-close');
    await waitFor(async () => (await rows(page)).every((r) => r[0] !== null), { what: 'node cells back' });
    await context.close();
  });

  it('searches every host of a merged tab, shows each host\'s progress, opens a match among every host\'s lines', async () => {
    const { page, problems, context } = await open('#stream=*/access');
    // Real cursors of web-2's lines, read through the viewer from its agent.
    const page2 = await (await fetch(new URL('history?stream=web-2/access&at=0&limit=50', viewer.url))).json();
    assert.equal(page2.lines.length, PER_HOST);
    const target = page2.lines[7];
    const asked = [];
    await page.route((u) => u.pathname.endsWith('/search'), async (route) => {
      asked.push(new URL(route.request().url()).searchParams.get('stream'));
      await route.continue();
    });
    await page.fill('#filter', 'page-7');
    await page.press('#filter', 'Shift+Enter');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search done' });
    assert.deepEqual(asked, ['*/access'], 'every host at once');
    const s = await page.evaluate(() => window.logmon.search());
    assert.equal(s.matches, 3, 'page-7 of every host');
    assert.equal(s.hosts, 'web-1 done · web-2 done · web-3 done');
    assert.match(await page.textContent('#search-count'), /web-3 done/);
    assert.deepEqual(await page.$$eval('#search-results .result-host', (h) => h.map((x) => x.textContent)), ['web-3', 'web-2', 'web-1'],
      'newest first: web-3 wrote its line 7 last');
    assert.match(await page.textContent('#search-title'), /access on every host/);

    // A node: term that names one host searches that host's stream alone, and keeps its matches.
    await page.fill('#filter', 'page-7 node:web-1');
    await page.press('#filter', 'Shift+Enter');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search of web-1' });
    assert.deepEqual(asked, ['*/access', 'web-1/access']);
    assert.equal((await page.evaluate(() => window.logmon.search())).matches, 1, 'web-1\'s match only');
    await page.fill('#filter', 'page-7');
    await page.press('#filter', 'Shift+Enter');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search again' });

    // Its context: every host's lines at its time, web-2's line highlighted, on the merged tab.
    const merged = [];
    await page.route((u) => u.pathname.endsWith('/history'), async (route) => {
      merged.push(new URL(route.request().url()).searchParams.get('stream'));
      await route.continue();
    });
    await page.click('#search-results li:nth-child(2) button');
    await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the match in context', timeout: 15000 });
    const seen = async (p) => [await p.$eval('#log .row.hl', (r) => [r._e.t, r._e.s.id]), await p.$eval('#tabs .tab.active', (b) => b.dataset.view)];
    assert.deepEqual(await seen(page), [[target.text, 'web-2/access'], '*/access']);
    assert.deepEqual(merged, ['*/access'], 'read as every host\'s lines');
    const all = byTime(written, PER_HOST);
    assert.deepEqual(await renderedLines(page), all, 'every host\'s lines around it, merged by time');
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /line=[^&]+&host=web-2&at=\d+/);
    assert.match(hash, /stream=\*%2Faccess/);
    assert.deepEqual(problems.errors, []);
    await context.close();

    // Its link opens it again: the merged tab, the line highlighted among every host's.
    const again = await open(hash);
    await waitFor(() => again.page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the linked line', timeout: 15000 });
    assert.deepEqual(await seen(again.page), [[target.text, 'web-2/access'], '*/access']);
    assert.deepEqual(await renderedLines(again.page), all);
    assert.deepEqual(again.problems.errors, []);
    await again.context.close();
  });

  it('shows every host\'s statistics summed in the merged tab\'s panel', async () => {
    const { page, problems, context } = await open('#stream=*/access', { viewport: { width: 1440, height: 900 } });
    /** The panel's table `key` as [value, count text, error text]. */
    const table = (key) => page.$$eval(`#panel-tables .top-${key} .top-row`, (rs) => rs.map((r) => [r.querySelector('.top-val').textContent, r.querySelector('.top-n').textContent, r.querySelector('.top-err').textContent]));
    const statuses = async () => Object.fromEntries((await table('status')).map(([v, n]) => [v, +n.replace(/,/g, '')]));
    const total = (st) => Object.values(st).reduce((a, b) => a + b, 0);
    // What the hosts wrote: every 5th line a 503.
    const want = {};
    for (const l of [...written.values()].flat()) { const code = l.split('" ')[1].split(' ')[0]; want[code] = (want[code] || 0) + 1; }
    await waitFor(async () => total(await statuses()) === HOSTS.length * PER_HOST, { what: 'the merged tab\'s status counts', timeout: 20000 });
    assert.equal(await page.textContent('#panel-title'), 'access · 3 hosts');
    assert.deepEqual(await statuses(), want, 'the status counts of every host\'s lines');
    assert.equal(total(await statuses()), HOSTS.length * PER_HOST, 'the request total');
    // Timed 25 to 60 s before they were written, every line came late: the hosts' seconds, summed by their time, have them all.
    assert.match(await page.textContent('#panel-window'), new RegExp(`· ${HOSTS.length * PER_HOST} late`));
    const paths = await table('path');
    assert.equal(paths.length, 10, 'as long as a host\'s list');
    // Each host lists 10 of its 12 paths, each seen once: a path one host lists may have been seen
    // by each other host as often as its list's last count (1), unlisted: 1 to 3, shown 3 ± 2.
    assert.ok(paths.every(([v, n, err]) => /^\/web-\d\/page-\d+$/.test(v) && n === '3' && err === '± 2'), JSON.stringify(paths));
    assert.match(await page.textContent('#stats'), /access · 3 hosts/, 'the header\'s figure is the merged one');
    await fsp.mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'fleet-merged-panel-1440.png') });

    // Each host's own panel: the merged counts are their sums.
    const sum = {};
    for (const h of HOSTS) {
      await page.evaluate((id) => { location.hash = '#stream=' + id; }, `${h}/access`);
      await waitFor(async () => (await page.textContent('#panel-title')) === `${h}/access` && total(await statuses()) === PER_HOST, { what: `${h}'s status counts` });
      for (const [code, n] of Object.entries(await statuses())) sum[code] = (sum[code] || 0) + n;
    }
    assert.deepEqual(sum, want, 'the hosts\' own panels add up to the merged one');
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('looks right on the merged tab, wide and narrow', async () => {
    await fsp.mkdir(SCREENSHOTS, { recursive: true });
    for (const [width, height] of [[1440, 900], [400, 860]]) {
      const { page, problems, context } = await open('#stream=*/access&stats=off', { viewport: { width, height } });
      await waitFor(async () => (await rows(page)).length === HOSTS.length * PER_HOST, { what: 'rows', timeout: 20000 });
      await page.screenshot({ path: path.join(SCREENSHOTS, `fleet-merged-${width}.png`) });
      // The tabs stay one row that scrolls sideways, the node column in view.
      const nodeBox = await page.$eval('#log .row:not(.mark-row) .c-node', (c) => { const r = c.getBoundingClientRect(); return [r.left, r.width]; });
      assert.ok(nodeBox[0] < width && nodeBox[1] > 20, `node column on screen at ${width}: ${nodeBox}`);
      assert.deepEqual(problems.errors, []);
      await context.close();
    }
  });

  it('scrolls back on the merged tab through every host\'s lines from disk, and jumps to a time among them', async () => {
    // Each host writes MORE lines after its first ones, a second apart host after host.
    const t1 = t0 + 40000;
    const more = new Map(HOSTS.map((name, h) => [name, Array.from({ length: MORE }, (_, i) => moreLine(name, i, new Date(t1 + (i * 3 + h) * 1000)))]));
    for (const name of HOSTS) {
      await appendLines(path.join(dir, name, 'access.log'), more.get(name));
      written.get(name).push(...more.get(name));
    }
    const order = [...byTime(written, PER_HOST), ...byTime(more, MORE)];
    const newest = HOSTS.map((h) => more.get(h)[MORE - 1]);
    // The viewer has every line before the page opens, so that the page's backlog is each host's last ROWS lines.
    {
      const { page, context } = await open('#stream=*/access&stats=off');
      await waitFor(async () => { const t = await renderedLines(page); return newest.every((l) => t.includes(l)); }, { what: 'every host\'s newest line', timeout: 20000 });
      await context.close();
    }
    const { page, problems, context } = await open(`#stream=*/access&stats=off&rows=${ROWS}`, { viewport: { width: 1440, height: 900 } });
    await waitFor(async () => { const t = await renderedLines(page); return t.length === ROWS && t[ROWS - 1] === order[order.length - 1]; },
      { what: 'the newest rows', timeout: 20000 });
    assert.equal(await page.isVisible('#hist-stream'), false, 'no host to choose');
    const asked = [];
    await page.route((u) => u.pathname.endsWith('/history'), async (route) => {
      const q = new URL(route.request().url()).searchParams;
      asked.push([q.get('stream'), ['before', 'after', 'at'].filter((k) => q.has(k)).map((k) => k + '=' + q.get(k)).join('&')]);
      await route.continue();
    });

    // Every snapshot of the rows on the way up is a run of consecutive lines of `order`; together they are every line.
    const { shown, look } = await scrollToOldest(page, order, 'every host\'s oldest line on disk, said');
    assert.deepEqual(order.filter((t) => !shown.has(t)), [], 'every line of every host was shown on the way up');
    assert.doesNotMatch(await page.textContent('#hist-note'), /not read/, 'every host answered');
    assert.deepEqual(asked[0], ['*/access', 'before=' + HOSTS.map((h) => `${h}:-seq:${PER_HOST + MORE - ROWS + 1}`).join(',')],
      'back from the oldest live line of each host');
    assert.ok(asked.length >= 2 && asked.every(([st]) => st === '*/access'), JSON.stringify(asked));
    // Above the boundary, lines from disk of every host; below it, the live ones.
    const parts = await page.evaluate(() => {
      const rows = [...document.querySelectorAll('#log .row')];
      const b = rows.findIndex((r) => r.classList.contains('boundary'));
      const hosts = (list) => [...new Set(list.filter((r) => r._e && r._e.s && !r.classList.contains('mark-row')).map((r) => r._e.s.host))].sort();
      return { boundaries: rows.filter((r) => r.classList.contains('boundary')).length, disk: hosts(rows.slice(0, b)),
        fromDisk: rows.slice(0, b).every((r) => r._e.h === 1), below: rows[b + 1]?._e.t, live: hosts(rows.slice(b + 1)) };
    });
    assert.deepEqual(parts, { boundaries: 1, disk: HOSTS, fromDisk: true, below: order[order.length - HOSTS.length * ROWS], live: HOSTS });
    assert.deepEqual(problems.errors, []);

    // The time picker: every host's lines around web-2's 60th later line, that line highlighted.
    const at = (t1 + (60 * 3 + 1) * 1000) / 1000;
    asked.length = 0;
    await page.fill('#jump', String(at));
    await page.press('#jump', 'Enter');
    await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the line at the time', timeout: 15000 });
    assert.deepEqual(await page.$eval('#log .row.hl', (r) => [r._e.t, r._e.s.id]), [more.get('web-2')[60], 'web-2/access']);
    assert.deepEqual(asked, [['*/access', 'at=' + at]]);
    assert.equal(await page.evaluate(() => window.logmon.history.mode), 'jump');
    assert.equal(await page.$eval('#tabs .tab.active', (b) => b.dataset.view), '*/access', 'still the merged tab');
    const win = await look();
    const mid = win.indexOf(more.get('web-2')[60]);
    assert.ok(mid >= 90 && win.length - mid >= 90, `lines before and after it: ${mid} of ${win.length}`);
    const near = await page.$$eval('#log .row:not(.mark-row)', (rs) => rs.map((r) => r._e.s.host));
    assert.deepEqual([...new Set(near.slice(mid - 3, mid + 3))].sort(), HOSTS, 'every host\'s lines next to it');
    assert.match(await page.textContent('#hist-note'), /History of access on every host/);
    await page.$eval('#log .row.hl', (r) => r.scrollIntoView({ block: 'center' }));
    await fsp.mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'fleet-merged-jump-1440.png') });

    // Paging down from there reads every host's newer lines (after= the page's places) up to the live end, where the live view resumes.
    await page.hover('#log');
    await waitFor(async () => {
      await page.mouse.wheel(0, 3000);
      await look();
      return (await page.evaluate(() => window.logmon.history.mode)) === 'off';
    }, { what: 'the live end', timeout: 30000, interval: 100 });
    assert.ok(asked.slice(1).length >= 1 && asked.slice(1).every(([st, q]) => st === '*/access' && /^after=(web-\d:[-+][^,]+,?){3}$/.test(q)), JSON.stringify(asked));
    assert.equal(await page.evaluate(() => window.logmon.following), true);
    await waitFor(async () => (await renderedLines(page)).at(-1) === order[order.length - 1], { what: 'the newest line live' });
    await look();
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('folds fifty hosts\' own tabs into the merged tab, and shows the one opened', async () => {
    const more = Array.from({ length: 50 }, (_, i) => `web-${i + 4}`);
    await publish(nats.url, more.map((name, i) => {
      const lines = [accessLine(name, 0, new Date()), accessLine(name, 1, new Date())];
      const epoch = `test-${name}`;
      return {
        subject: `logmon.lines.${name}.access`,
        headers: { 'Nats-Msg-Id': `${epoch}:1`, 'Logmon-Epoch': epoch, 'Logmon-Seq': 1, 'Logmon-Count': lines.length, 'Logmon-Format': 'nginx-combined', 'Logmon-Path': '/var/log/nginx/access.log' },
        body: JSON.stringify({ type: 'lines', stream: 'access', seq: 1, lines }),
      };
    }));
    const n = HOSTS.length + more.length;
    const { page, problems, context } = await openPage(browser, viewer.url + '#stream=*/access&stats=off');
    await waitFor(() => page.evaluate((k) => window.logmon.streams().length === k, n + ERROR_HOSTS.length), { what: 'fifty more streams', timeout: 30000 });
    await waitFor(async () => (await tabIds(page)).length === 5, { what: 'the tabs folded' });
    const tabs = await tabIds(page);
    assert.deepEqual(tabs.slice(0, 3), [['*', 'all streams'], ['*/access', `access · ${n} hosts`], ['*/error', 'error · 2 hosts']]);
    assert.deepEqual(tabs.slice(3).map((t) => t[0]).sort(), ['db-1/error', 'db-2/error'], 'two hosts keep their own tabs');
    const lines = [...written.values()].flat().length;
    await waitFor(async () => (await rows(page)).length === lines + more.length * 2, { what: 'every host\'s lines', timeout: 20000 });
    assert.equal(await page.isVisible('#hist-stream'), false, 'the time picker reads every host');
    await page.fill('#filter', 'node:web-17');
    await waitFor(async () => (await rows(page)).length === 2, { what: 'web-17\'s lines' });
    await fsp.mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'fleet-53-hosts-1440.png') });
    await page.evaluate(() => { location.hash = '#stream=web-17/access'; });
    await waitFor(async () => (await tabIds(page)).some((t) => t[0] === 'web-17/access'), { what: 'web-17\'s tab' });
    assert.equal(await page.$eval('#tabs .tab.active', (b) => b.dataset.view), 'web-17/access');
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
