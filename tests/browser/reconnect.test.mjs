// Reconnection: a dropped connection resumes with since= without loss or
// duplicates; a restarted daemon (new epoch) starts the page afresh.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fsp from 'node:fs/promises';
import {
  appendLines, combined, errorLine, launchBrowser, openPage, renderedLines, sleep, startDaemon, startProxy, tempDir, waitFor,
} from './lib.mjs';

describe('reconnect', () => {
  let browser, dir, access, error, daemons, proxy;

  beforeEach(async () => {
    browser ??= await launchBrowser();
    dir = await tempDir();
    access = path.join(dir, 'access.log');
    error = path.join(dir, 'error.log');
    await fsp.writeFile(access, combined({ path: '/before' }) + '\n');
    await fsp.writeFile(error, errorLine({ level: 'notice', msg: 'start' }) + '\n');
    daemons = [];
  });

  afterEach(async () => {
    await proxy?.close();
    for (const d of daemons) await d.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  after(async () => { await browser?.close(); });

  const lines = (tag, from, to) => Array.from({ length: to - from + 1 }, (_, i) => combined({ path: `/${tag}/${from + i}` }));
  const ours = async (page, tag) => (await renderedLines(page)).filter((t) => t.includes(`/${tag}/`));

  it('resumes with since= after a dropped connection, without loss or duplicates', async () => {
    const daemon = await startDaemon([access, error]);
    daemons.push(daemon);
    proxy = await startProxy(daemon.port);
    const wsUrls = [];
    const { page, context: ctx, problems } = await openPage(browser, proxy.url);
    page.on('websocket', (ws) => wsUrls.push(ws.url()));
    const expected = [];

    const firstLines = lines('blip', 1, 20);
    expected.push(...firstLines);
    await appendLines(access, firstLines);
    await waitFor(async () => (await ours(page, 'blip')).length === 20, { what: 'first lines' });

    // The network goes away: connections are cut and refused for a while.
    proxy.refuse(true);
    proxy.cut();
    await waitFor(() => page.evaluate(() => window.logmon.connection !== 'live'), { what: 'disconnected state' });
    const during = lines('blip', 21, 50);
    expected.push(...during);
    await appendLines(access, during.slice(0, 15));
    await sleep(600);
    await appendLines(access, during.slice(15));
    await appendLines(error, [errorLine({ level: 'warn', msg: 'while the client was away' })]);
    await sleep(1200);
    proxy.refuse(false);
    await waitFor(() => page.evaluate(() => window.logmon.connection === 'live'), { timeout: 20000, what: 'reconnected' });
    const afterLines = lines('blip', 51, 70);
    expected.push(...afterLines);
    await appendLines(access, afterLines);
    await waitFor(async () => (await ours(page, 'blip')).length >= 70, { what: 'all 70 lines' });
    await sleep(300);

    const got = await ours(page, 'blip');
    assert.deepEqual(got, expected, 'every line once, in order');
    const all = await renderedLines(page);
    assert.equal(new Set(all).size, all.length, 'no duplicated line anywhere');
    assert.ok(all.some((t) => t.includes('while the client was away')), 'error stream resumed too');

    // The reconnect asked to resume from the last seen sequence numbers.
    const resumed = wsUrls.find((u) => u.includes('since='));
    assert.ok(resumed, `a resuming URL among ${JSON.stringify(wsUrls)}`);
    const since = new URL(resumed).searchParams.getAll('since').flatMap((x) => x.split(','));
    assert.ok(since.includes('access:21'), `since=access:21 (line 1 + 20 lines) in ${resumed}`);
    assert.ok(since.includes('error:1'), `since=error:1 in ${resumed}`);
    const notes = await page.$$eval('#log .note', (n) => n.map((x) => x.textContent));
    assert.ok(notes.some((t) => /connection lost/.test(t)) && notes.some((t) => /reconnected/.test(t)), `notes: ${notes}`);
    assert.deepEqual(problems.errors, []);
    await ctx.close();
  });

  it('shows a gap inline when the lines missed left the history, and file events', async () => {
    const config = path.join(dir, 'logmon.toml');
    await fsp.writeFile(config, 'history_lines = 20\n');
    const daemon = await startDaemon([access, error], { args: ['--config', config] });
    daemons.push(daemon);
    proxy = await startProxy(daemon.port);
    const { page, context, problems } = await openPage(browser, proxy.url);
    // Another client, connected directly, keeps the daemon reading ahead.
    const other = await openPage(browser, daemon.url);
    const firstLines = lines('g', 1, 5);
    await appendLines(access, firstLines);
    await waitFor(async () => (await ours(page, 'g')).length === 5, { what: 'first lines' });
    proxy.refuse(true);
    proxy.cut();
    await waitFor(() => page.evaluate(() => window.logmon.connection !== 'live'), { what: 'disconnected' });
    // 100 lines while away: only the last 20 are still in the history
    const away = lines('g', 6, 105);
    for (let k = 0; k < away.length; k += 10) {
      await appendLines(access, away.slice(k, k + 10));
      await sleep(40);
    }
    await waitFor(async () => (await ours(other.page, 'g')).length === 105, { what: 'the other client read everything' });
    // The daemon reads what a client missed from disk: only lines gone from
    // disk too are a gap. Emptied as copytruncate does, the file has none.
    await fsp.truncate(access, 0);
    await sleep(300);
    proxy.refuse(false);
    await waitFor(() => page.evaluate(() => window.logmon.connection === 'live'), { timeout: 20000, what: 'reconnected' });
    await waitFor(async () => (await ours(page, 'g')).includes(away[away.length - 1]), { what: 'the newest line' });
    const gap = await page.$$eval('#log .row.gap', (r) => r.map((x) => x.textContent));
    assert.equal(gap.length, 1, `one gap row: ${gap}`);
    const skipped = Number(/([\d,]+) lines? skipped/.exec(gap[0])?.[1].replace(/,/g, ''));
    assert.ok(skipped >= 50 && skipped <= 100 - 20, `lines skipped: ${gap[0]}`);
    assert.equal(await page.evaluate(() => window.logmon.counters().gapLines), skipped);
    // lines before the gap, the gap, then every line still in the history, in order
    const order = await page.$$eval('#log .row', (rs) => rs.map((r) => (r.classList.contains('gap') ? 'GAP' : r._e?.t || '')));
    const gi = order.indexOf('GAP');
    const before = order.slice(0, gi).filter((t) => t.includes('/g/'));
    const afterGap = order.slice(gi + 1).filter((t) => t.includes('/g/'));
    assert.deepEqual(before, firstLines);
    assert.deepEqual(afterGap, away.slice(skipped), 'the lines after the gap, each once');
    assert.match(gap[0], new RegExp(`seq ${1 + 5 + 1}–${1 + 5 + skipped}\\)`), "seq range after /before and /g/1-5");

    // a truncation (copytruncate) is shown inline as an event
    const truncations = () => page.$$eval('#log .row.event', (r) => r.filter((x) => /truncated/.test(x.textContent)).length);
    const kept = lines('t', 1, 1);
    await appendLines(access, kept);
    await waitFor(async () => (await ours(page, 't')).length === 1, { what: 'a line to truncate' });
    const seen = await truncations();
    await fsp.truncate(access, 0);
    const after = lines('g', 106, 107);
    await appendLines(access, after);
    await waitFor(async () => (await truncations()) > seen, { what: 'truncated event row' });
    await waitFor(async () => (await ours(page, 'g')).includes(after[1]), { what: 'lines after the truncation' });
    assert.deepEqual(problems.errors, []);
    await context.close();
    await other.context.close();
  });

  it('starts cleanly from the new history after a daemon restart (new epoch)', async () => {
    const first = await startDaemon([access, error]);
    daemons.push(first);
    proxy = await startProxy(first.port);
    const wsUrls = [];
    const { page, context, problems } = await openPage(browser, proxy.url);
    page.on('websocket', (ws) => wsUrls.push(ws.url()));
    await appendLines(access, lines('old', 1, 10));
    await waitFor(async () => (await ours(page, 'old')).length === 10, { what: 'lines of the first run' });
    const epoch1 = await page.evaluate(() => window.logmon.epoch);

    await first.stop();
    await waitFor(() => page.evaluate(() => window.logmon.connection !== 'live'), { what: 'disconnected' });
    await appendLines(access, lines('down', 1, 5));
    const second = await startDaemon([access, error]);
    daemons.push(second);
    proxy.retarget(second.port);
    await waitFor(() => page.evaluate((e) => window.logmon.connection === 'live' && window.logmon.epoch !== e, epoch1),
      { timeout: 20000, what: 'connected to the new run' });
    const newLines = lines('new', 1, 10);
    await appendLines(access, newLines);
    await waitFor(async () => (await ours(page, 'new')).length === 10, { what: 'lines of the second run' });
    await sleep(300);

    const all = await renderedLines(page);
    assert.equal(new Set(all).size, all.length, `no duplicated line: ${all.length} rows`);
    assert.deepEqual(await ours(page, 'new'), newLines);
    // Nothing from the old run survives unless the new run sent it again as its own history.
    const positions = await page.evaluate(() => window.logmon.positions());
    const healthz = await (await fetch(new URL('healthz', second.url))).json();
    assert.equal(positions.access, healthz.streams.find((s) => s.id === 'access').seq, 'positions are those of the new run');
    const notes = await page.$$eval('#log .note', (n) => n.map((x) => x.textContent));
    assert.ok(notes.some((t) => /restarted/.test(t)), `restart noted: ${notes}`);
    // After the new epoch was seen, the page asked for a backlog, not for old positions.
    const last = wsUrls[wsUrls.length - 1];
    assert.ok(last && !last.includes('since='), `last socket without since=: ${JSON.stringify(wsUrls)}`);
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
