// Scrolling up is seamless (issue 20, item 5): past the row cap through every
// line in memory, then on into the lines on disk below a visible boundary
// ("older lines from disk"), up to the oldest line on disk, which is said;
// and back down to the newest line, where following resumes. Against the
// real daemon.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { appendLines, combined, launchBrowser, openPage, renderedLines, scrollToOldest, startDaemon, teardown, tempDir, waitFor } from './lib.mjs';

const ON_DISK = 600, LIVE = 400, CAP = 100;
const T0 = Math.floor(Date.now() / 1000) - 3 * 3600;
const lineAt = (i) => combined({ ip: `10.3.${i >> 8}.${i & 255}`, path: `/s/line-${String(i).padStart(4, '0')}`, time: new Date((T0 + i * 10) * 1000) });
const ALL = Array.from({ length: ON_DISK + LIVE }, (_, i) => lineAt(i));

describe('scrolling up', () => {
  let dir, access, daemon, browser;

  before(async () => {
    dir = await tempDir();
    access = path.join(dir, 'access.log');
    await fsp.writeFile(access, ALL.slice(0, ON_DISK).join('\n') + '\n');
    daemon = await startDaemon([access]);
    browser = await launchBrowser();
  });

  after(() => teardown({ browser, daemon, dir }));

  it('goes past the row cap through memory and on into the lines on disk, below a boundary, and back down', async () => {
    const { page, problems, context } = await openPage(browser, daemon.url + '#rows=' + CAP);
    await waitFor(async () => (await renderedLines(page)).includes(ALL[ON_DISK - 1]), { what: 'the backlog' });
    // lines that arrive live: the page then holds more lines in memory than the row cap
    await appendLines(access, ALL.slice(ON_DISK));
    await waitFor(async () => (await renderedLines(page)).includes(ALL[ALL.length - 1]), { what: 'the newest line' });
    await waitFor(async () => (await renderedLines(page)).length === CAP, { what: 'the row cap of rows' });

    // every snapshot of the rows on the way is a run of consecutive lines; together they are every line
    const { shown: added, look } = await scrollToOldest(page, ALL, 'the oldest line on disk, said');
    assert.deepEqual(ALL.filter((t) => !added.has(t)), [], 'every line was shown on the way up');
    // the boundary between the lines on disk and those in memory, where they meet
    const around = await page.evaluate(() => {
      const b = document.querySelector('#log .row.boundary');
      const text = (r) => (r && r._e ? r._e.t : null);
      const rows = [...document.querySelectorAll('#log .row')];
      const i = rows.indexOf(b);
      return b && { text: b.textContent, above: text(rows[i - 1]), below: text(rows[i + 1]), count: document.querySelectorAll('#log .row.boundary').length };
    });
    assert.ok(around, 'a boundary row');
    assert.match(around.text, /older lines from disk/);
    assert.equal(around.count, 1);
    const firstInMemory = ON_DISK + LIVE - (await page.evaluate(() => window.logmon.storeSize().all));
    assert.equal(around.below, ALL[Math.max(firstInMemory, ON_DISK - CAP)], 'the oldest line in memory below it');
    assert.equal(around.above, ALL[ALL.indexOf(around.below) - 1], 'the line before it from disk above it');
    assert.equal(await page.evaluate(() => window.logmon.following), false);
    assert.equal(await page.isVisible('#newlines'), true, 'the newer lines left out are said');

    // back down: the rows left out come back, down to the newest line, and following resumes
    await waitFor(async () => {
      await page.mouse.wheel(0, 600);
      await look();
      return page.evaluate(() => window.logmon.following);
    }, { what: 'following again at the bottom', timeout: 60000, interval: 50 });
    const rows = await renderedLines(page);
    assert.equal(rows[rows.length - 1], ALL[ALL.length - 1]);
    assert.equal(await page.evaluate(() => window.logmon.history.mode), 'off');
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
