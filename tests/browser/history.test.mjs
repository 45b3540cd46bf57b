// History on disk in the UI: scrolling back from the live view into a rotated
// file, jumping to a time and on to the live end, a search with progress,
// cancel and a match opened in its context, and a link to a line.
//
// Against the real daemon. The search is cancelled while its answer still
// streams in: the page's network is slowed (Chromium's own throttling) so
// that a search of a few hundred lines takes seconds to arrive.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  combined, ensureDir, launchBrowser, openPage, renderedLines, SCREENSHOTS, startDaemon, teardown, tempDir, waitFor,
} from './lib.mjs';

const OLD = 300, NEW = 150;
const T0 = Math.floor(Date.now() / 1000) - 3 * 3600;   // the first line's time: 3 hours ago, a line every 10 s
const lineAt = (i) => combined({
  ip: `10.1.${i >> 8}.${i & 255}`, path: `/h/line-${String(i).padStart(4, '0')}${i % 50 === 7 ? '/needle' : ''}`,
  status: i % 10 === 3 ? 503 : 200, time: new Date((T0 + i * 10) * 1000),
});
const ALL = Array.from({ length: OLD + NEW }, (_, i) => lineAt(i));
const hhmmss = (t) => { const d = new Date(t * 1000); const p = (n) => String(n).padStart(2, '0'); return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; };

/** Slows the page's downloads to `bytesPerSecond` (-1: no limit). */
async function throttle(context, page, bytesPerSecond) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: bytesPerSecond, uploadThroughput: -1,
  });
}

async function wheelUpUntil(page, fn, what) {
  await page.hover('#log');
  await waitFor(async () => {
    await page.mouse.wheel(0, -4000);
    return fn();
  }, { what, timeout: 20000, interval: 150 });
}

describe('history in the UI', () => {
    let dir, access, daemon, browser, url;

    before(async () => {
      dir = await tempDir();
      access = path.join(dir, 'access.log');
      await fsp.writeFile(access, ALL.slice(0, OLD).join('\n') + '\n');
      daemon = await startDaemon([access]);
      await waitFor(async () => (await (await fetch(daemon.url + 'healthz')).text()).length > 0, { what: 'daemon up' });
      await new Promise((r) => setTimeout(r, 500));
      // rotation: the old file becomes access.log.1, a new access.log takes the next lines
      await fsp.rename(access, access + '.1');
      await fsp.writeFile(access, ALL.slice(OLD).join('\n') + '\n');
      url = daemon.url;
      browser = await launchBrowser();
    });

    after(() => teardown({ browser, daemon, dir }));

    async function open(hash = '#rows=100', colorScheme = 'light') {
      const { page, problems, context } = await openPage(browser, url + hash, { colorScheme });
      await waitFor(async () => (await renderedLines(page)).includes(ALL[ALL.length - 1]), { what: 'the newest line live' });
      return { page, problems, context };
    }

    it('scrolls back from the live lines into the rotated file, then End returns to live', async (t) => {
      const { page, problems, context } = await open();
      await waitFor(async () => (await renderedLines(page)).length === 100, { what: 'the backlog of the row cap' });
      await wheelUpUntil(page, async () => (await renderedLines(page))[0] === ALL[0], 'the oldest line of access.log.1');
      const got = await renderedLines(page);
      assert.deepEqual(got, ALL, 'every line once, in order, across the rotation');
      const hist = await page.$$eval('#log .row.hist', (r) => r.length);
      assert.equal(hist, ALL.length - 100, 'rows from disk are marked');
      assert.equal(await page.evaluate(() => window.logmon.history.mode), 'back');
      // filters apply to rows from disk as to live ones
      await page.fill('#filter', 'status:503');
      await waitFor(async () => (await renderedLines(page)).length === ALL.filter((l) => l.includes('" 503 ')).length, { what: 'filtered rows' });
      await page.fill('#filter', '');
      await page.keyboard.press('Escape');
      await page.click('#log');
      await page.keyboard.press('End');
      await waitFor(async () => (await page.evaluate(() => window.logmon.history.mode)) === 'off', { what: 'live again' });
      await waitFor(async () => (await renderedLines(page)).length <= 100, { what: 'history dropped' });
      assert.deepEqual(problems.errors, []);
      await context.close();
    });

    it('jumps to a time, pages down to the live end and resumes live', async (t) => {
      const { page, problems, context } = await open();
      await page.fill('#jump', hhmmss(T0 + 120 * 10));
      await page.press('#jump', 'Enter');
      await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the highlighted line' });
      assert.equal(await page.$eval('#log .row.hl', (r) => r._e.t), ALL[120]);
      assert.equal(await page.evaluate(() => window.logmon.history.mode), 'jump');
      assert.match(await page.evaluate(() => location.hash), /line=/);
      await page.hover('#log');
      await waitFor(async () => {
        await page.mouse.wheel(0, 5000);
        return (await page.evaluate(() => window.logmon.history.mode)) === 'off';
      }, { what: 'the live end', timeout: 20000, interval: 150 });
      assert.equal(await page.evaluate(() => window.logmon.following), true);
      await waitFor(async () => (await renderedLines(page)).includes(ALL[ALL.length - 1]), { what: 'live rows' });
      assert.deepEqual(problems.errors, []);
      await context.close();
    });

    it('searches with progress, cancels with Escape, opens a match in its context', async (t) => {
      const { page, problems, context } = await open('#rows=100&stream=access');
      await throttle(context, page, 16 * 1024);
      await page.fill('#filter', 'line-');
      await page.press('#filter', 'Shift+Enter');
      await waitFor(() => page.evaluate(() => { const s = window.logmon.search(); return s.state === 'running' && s.scanned > 0 && s.matches > 0; }),
        { what: 'search progress', timeout: 15000, interval: 20 });
      assert.equal(await page.isVisible('#search-progress'), true);
      await page.keyboard.press('Escape');
      const stopped = await page.evaluate(() => window.logmon.search());
      assert.equal(stopped.state, 'cancelled');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await page.evaluate(() => window.logmon.search())).matches, stopped.matches, 'no match after cancel');
      assert.ok(stopped.matches < ALL.length, 'stopped before the end');
      await throttle(context, page, -1);
      await page.fill('#filter', '/needle');
      await page.click('#search-btn');
      await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search done', timeout: 20000 });
      const found = ALL.filter((l) => l.includes('/needle'));
      assert.equal((await page.evaluate(() => window.logmon.search())).matches, found.length);
      assert.match(await page.textContent('#search-count'), new RegExp(`^${found.length} matches`));
      await page.fill('#filter', '');
      await page.keyboard.press('Escape');
      await page.click('#search-results li:nth-child(3) button');
      await waitFor(() => page.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the match in context' });
      assert.equal(await page.$eval('#log .row.hl', (r) => r._e.t), found[found.length - 3]);
      assert.ok((await renderedLines(page)).length > 50, 'with the lines around it');
      await ensureDir(SCREENSHOTS);
      await page.screenshot({ path: path.join(SCREENSHOTS, `history-search-light.png`) });
      assert.deepEqual(problems.errors, []);
      assert.deepEqual(await page.evaluate(() => window.__csp), []);
      await context.close();
    });

    it('copies a link to a live line and opens it in a new page, in light and dark', async (t) => {
      const { page, context } = await open('#rows=100&stream=access');
      await context.grantPermissions(['clipboard-read', 'clipboard-write']);
      const target = ALL[OLD + 60];
      await page.click('#pause'); // the rows stay where they are while the mouse goes to one
      const row = page.locator('#log .row', { hasText: target.match(/line-\d+/)[0] }).first();
      await row.scrollIntoViewIfNeeded();
      await row.hover();
      await page.click('#link');
      await waitFor(() => page.$eval('#toast', (e) => !e.hidden && e.textContent), { what: 'link copied' });
      assert.equal(await page.textContent('#toast'), 'Link copied');
      const link = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(link, /#line=[^&]+&.*stream=access/);
      await context.close();
      for (const scheme of ['light', 'dark']) {
        const { page: p2, problems, context: c2 } = await openPage(browser, link.replace(/^http:\/\/[^/]+\//, url), { colorScheme: scheme });
        await waitFor(() => p2.$eval('#log .row.hl', (r) => r._e.t).catch(() => null), { what: 'the linked line' })
          .catch(async (e) => { throw new Error(e.message + ' note: ' + await p2.textContent('#hist-note') + ' ' + JSON.stringify(problems) + ' ' + p2.url()); });
        assert.equal(await p2.$eval('#log .row.hl', (r) => r._e.t), target);
        await p2.waitForTimeout(300);
        await p2.screenshot({ path: path.join(SCREENSHOTS, `history-link-${scheme}.png`) });
        assert.deepEqual(problems.errors, []);
        await c2.close();
      }
    });
  });
