// Hostile log lines are shown as literal text: no dialog, no element created
// from them, in every display mode and with highlighting.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fsp from 'node:fs/promises';
import {
  appendLines, combined, errorLine, launchBrowser, openPage, startDaemon, tempDir, waitFor,
} from './lib.mjs';

const ACCESS = [
  '"><img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
  combined({ path: '/search?q=<script>alert(document.domain)</script>', ua: 'javascript:alert(1)', ref: 'javascript:alert(document.cookie)' }),
  combined({ path: '/"><svg onload=alert(1)>', status: 500, ua: '<iframe src=javascript:alert(1)></iframe>' }),
  combined({ path: '/&lt;b&gt;entity&amp;', status: 404, ua: 'Mozilla/5.0 <a href="javascript:alert(1)">x</a>' }),
  '</div></div><style>*{display:none}</style><b>bold</b> … [42 bytes truncated]',
];
const ERROR = [
  errorLine({ level: 'error', msg: '<img src=x onerror=alert(1)> upstream "><script>alert(1)</script>' }),
  errorLine({ level: 'crit', msg: 'javascript:alert(1) <svg/onload=alert(1)>' }),
];

describe('hostile log lines', () => {
  let dir, daemon, browser, page, problems;

  before(async () => {
    dir = await tempDir();
    const access = path.join(dir, 'access.log');
    const error = path.join(dir, 'error.log');
    await fsp.writeFile(access, '');
    await fsp.writeFile(error, '');
    daemon = await startDaemon([access, error]);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, daemon.url));
    await appendLines(access, ACCESS);
    await appendLines(error, ERROR);
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  const check = async (label, rows = ACCESS.length + ERROR.length) => {
    await waitFor(() => page.evaluate((n) => document.querySelectorAll('#log .row:not(.mark-row)').length >= n, rows),
      { what: `rows (${label})` });
    const r = await page.evaluate(() => ({
      elements: document.querySelectorAll('#log img, #log script, #log svg, #log iframe, #log a, #log style, #log b, #log object, #log embed').length,
      anywhere: document.querySelectorAll('body img, body script:not([src]), body svg, body iframe, body style').length,
      xss: window.__xss,
      texts: [...document.querySelectorAll('#log .row')].map((r) => r.textContent),
      raw: [...document.querySelectorAll('#log .row .c-raw')].map((r) => r.textContent),
    }));
    assert.equal(r.elements, 0, `no element created from log text (${label})`);
    assert.equal(r.anywhere, 0, `no element created anywhere (${label})`);
    assert.equal(r.xss, undefined, `no handler ran (${label})`);
    assert.deepEqual(problems.dialogs, [], `no dialog (${label})`);
    return r;
  };

  it('shows them as literal text in columns', async () => {
    const r = await check('columns');
    for (const line of [...ACCESS, ...ERROR]) {
      // in columns the fields are laid out with spacing: compare a few literal pieces
      const pieces = line.match(/<[^>]*>|javascript:[^ "]*/g) || [line];
      for (const p of pieces) assert.ok(r.texts.some((t) => t.includes(p)), `literal "${p}" shown`);
    }
    assert.ok(r.texts.some((t) => t.includes('/&lt;b&gt;entity&amp;')), 'entities are not decoded');
  });

  it('shows them as literal text in raw mode', async () => {
    await page.click('#mode-raw');
    await waitFor(() => page.evaluate(() => document.querySelectorAll('#log .row .c-raw').length >= 9), { what: 'raw rows' });
    const r = await check('raw');
    for (const line of [...ACCESS, ...ERROR]) assert.ok(r.raw.includes(line), `raw line shown as it is: ${line}`);
  });

  it('stays literal when matches are highlighted', async () => {
    for (const filter of ['img', '/<\\w+/', 'javascript:']) {
      await page.fill('#filter', filter);
      await waitFor(() => page.evaluate((f) => window.logmon.filter === f && document.querySelectorAll('#log mark').length > 0, filter),
        { what: `marks for ${filter}` });
      const r = await check(`filter ${filter}`, 1);
      assert.ok(r.texts.length > 0);
    }
    await page.click('#mode-columns');
    await check('columns with filter', 1);
    const marks = await page.$$eval('#log mark', (m) => m.map((x) => x.textContent));
    assert.ok(marks.every((m) => m === 'javascript:'), `marks: ${marks}`);
    await page.fill('#filter', '');
    await waitFor(() => page.evaluate(() => window.logmon.filter === ''), { what: 'filter cleared' });
    await check('filter cleared');
  });

  it('copies the line as plain text', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const line = ACCESS[3];
    await page.evaluate((line) => {
      const row = [...document.querySelectorAll('#log .row')].find((r) => r._e && r._e.t === line);
      row.scrollIntoView();
    }, line);
    const row = page.locator('#log .row', { hasText: 'javascript:alert(document.cookie)' }).first();
    await row.hover();
    await page.click('#copy');
    await waitFor(async () => (await page.evaluate(() => navigator.clipboard.readText())) === line, { what: 'clipboard' });
    await check('after copy');
  });
});
