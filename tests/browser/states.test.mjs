// What hello says of each stream besides its lines, as the page shows it:
// a tab marked and a note above the log for a file that is unreadable (a
// FIFO) or missing, or whose `nginx:NAME` format fell back to plain text;
// the mark and the note go when a later hello says the file is followed.
// Names from the disk are shown as text.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { appendLines, combined, launchBrowser, openPage, renderedLines, startWithConfig, tempDir, waitFor } from './lib.mjs';

const HOSTILE = '<img src=x onerror=window.__pwned=1>.log';

function config(dir) {
  return `nginx_config = "${dir}/nginx.conf"

[[stream]]
id = "fifo"
path = "${dir}/fifo.log"
format = "plain"

[[stream]]
id = "shop"
path = "${dir}/shop.log"
format = "nginx:main"

[[stream]]
id = "access"
path = "${dir}/access.log"
format = "nginx-combined"

[[stream]]
id = "odd"
path = '${dir}/${HOSTILE}'
format = "plain"
`;
}

describe('stream states', () => {
  let dir, daemon, browser, page, problems;
  const tab = (id) => `#tabs .tab[data-view="${id}"]`;
  const mark = (id) => page.$eval(tab(id), (b) => [b.className, b.querySelector('.tab-mark')?.textContent ?? null]);
  const note = () => page.$eval('#stream-note', (e) => (e.hidden ? null : [...e.children].map((c) => c.textContent)));
  const show = async (id) => {
    await page.click(tab(id));
    await waitFor(() => page.$eval(tab(id), (b) => b.classList.contains('active')), { what: `tab ${id} selected` });
  };

  before(async () => {
    dir = await tempDir();
    spawnSync('mkfifo', [path.join(dir, 'fifo.log')]);
    await fsp.writeFile(path.join(dir, 'shop.log'), 'a line of shop\n');
    daemon = await startWithConfig(dir, config(dir));
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, daemon.url));
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('marks the tabs of streams that are not read or shown as plain', async () => {
    const [fifoClass, fifoMark] = await mark('fifo');
    assert.match(fifoClass, /\btab-unreadable\b/);
    assert.equal(fifoMark, 'unreadable');
    assert.deepEqual((await mark('shop'))[1], 'plain');
    assert.deepEqual((await mark('access'))[1], 'missing');
    const title = await page.$eval(tab('fifo'), (b) => b.title);
    assert.match(title, /fifo\.log is unreadable: not a regular file \(a FIFO\)/);
  });

  it('says above the log of a stream why it is not read, or why it is plain', async () => {
    await show('fifo');
    assert.deepEqual(await note(), ['fifo.log is unreadable: not a regular file (a FIFO)']);
    await show('shop');
    assert.deepEqual(await note(),
      [`shown as plain: nginx's configuration has no log_format "main" (no nginx configuration at ${dir}/nginx.conf)`]);
    await waitFor(async () => (await renderedLines(page)).includes('a line of shop'), { what: 'the plain line' });
    await show('*');
    const all = await note();
    assert.equal(all.length, 4, JSON.stringify(all));
    assert.equal(all[0], 'fifo: fifo.log is unreadable: not a regular file (a FIFO)');
  });

  it('shows a name from the disk as text', async () => {
    await show('odd');
    assert.deepEqual(await note(), [`${HOSTILE} does not exist: waiting for it to appear`]);
    assert.equal(await page.$$eval('#stream-note img, #tabs img', (e) => e.length), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  it('drops the mark and the note once a new hello says the file is followed', async () => {
    await show('access');
    assert.deepEqual(await note(), ['access.log does not exist: waiting for it to appear']);
    const line = combined({ path: '/appeared' });
    await appendLines(path.join(dir, 'access.log'), [line]);
    await waitFor(async () => (await mark('access'))[1] === null, { what: 'the missing mark gone' });
    await waitFor(async () => (await note()) === null, { what: 'the note gone' });
    await waitFor(async () => (await renderedLines(page)).includes(line), { what: 'the new file\'s line' });
    const rows = await page.$$eval('#log .row', (rs) => rs.map((r) => r.textContent));
    assert.ok(!rows.some((t) => t.includes('reconnected')), `a later hello is no reconnection: ${JSON.stringify(rows)}`);
  });

  it('had no console errors, CSP violations, page errors or dialogs', async () => {
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
  });
});
