// Screenshots of the UI with realistic traffic, light and dark, columns and
// raw, into target/screenshots/ (for people to look at; the test checks that
// they were written and that the page looked as it should while taking them).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  SCREENSHOTS, appendLines, combined, ensureDir, errorLine, launchBrowser, openPage, randomCombined, sleep, startDaemon, tempLogs, waitFor, teardown,
} from './lib.mjs';

const ERRORS = [
  ['notice', 'signal process started'],
  ['warn', 'an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/4/07/0000000074 while reading upstream'],
  ['error', 'connect() failed (111: Connection refused) while connecting to upstream, upstream: "http://127.0.0.1:8080/api/v1/orders"'],
  ['error', 'open() "/srv/www/favicon.ico" failed (2: No such file or directory)'],
  ['info', 'client closed connection while waiting for request'],
  ['crit', 'SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking'],
  ['warn', 'upstream server temporarily disabled while reading response header from upstream'],
  ['alert', 'worker process 4242 exited on signal 9'],
];

describe('screenshots', () => {
  let dir, access, error, daemon, browser, writer;
  let i = 0;
  let rnd = 1;
  const random = () => { rnd = (rnd * 1103515245 + 12345) % 2147483648; return rnd / 2147483648; };
  const traffic = async (n) => {
    const lines = [];
    for (let k = 0; k < n; k++) lines.push(randomCombined(i++, random));
    await appendLines(access, lines);
  };

  before(async () => {
    ({ dir, access, error } = await tempLogs());
    // Short max_line_bytes so that a truncated line fits on screen.
    const config = path.join(dir, 'logmon.toml');
    await fsp.writeFile(config, 'max_line_bytes = 360\n');
    daemon = await startDaemon([access, error], { args: ['--config', config] });
    await traffic(400);
    const now = Date.now();
    await appendLines(error, ERRORS.map(([level, msg], k) => errorLine({ level, msg, pid: 4100 + k, conn: 900 + k * 13, time: new Date(now - (ERRORS.length - k) * 7000) })));
    await appendLines(access, [combined({ ip: '203.0.113.9', method: 'POST', path: '/api/v1/upload', status: 413, bytes: 183, ua: 'python-requests/2.31.0' })]);
    await appendLines(access, [combined({ ip: '198.51.100.23', path: '/search?q=' + 'very+long+query+'.repeat(40), status: 200, ua: 'Mozilla/5.0 (X11; Linux x86_64)' })]);
    await traffic(60);
    // a rotation, as logrotate does it
    await fsp.rename(access, access + '.1');
    await fsp.writeFile(access, '');
    await traffic(40);
    browser = await launchBrowser();
    // steady live traffic for the header statistics
    let tick = 0;
    writer = setInterval(() => {
      traffic(12).catch(() => {});
      if (++tick % 15 === 0) {
        const [level, msg] = ERRORS[(tick / 15) % ERRORS.length];
        appendLines(error, [errorLine({ level, msg, pid: 4242, conn: 1000 + tick })]).catch(() => {});
      }
    }, 100);
    await ensureDir(SCREENSHOTS);
  });

  after(() => teardown({ writer, browser, daemon, dir }));

  const shoot = async (name, { scheme = 'light', hash = '', setup, check, rows = 100, viewport, deviceScaleFactor } = {}) => {
    const { page, problems, context } = await openPage(browser, daemon.url + hash, { colorScheme: scheme, viewport, deviceScaleFactor });
    await waitFor(() => page.evaluate((n) => document.querySelectorAll('#log .row').length >= n, rows), { what: 'rows' });
    await sleep(2300); // let the per-second statistics fill in
    if (setup) await setup(page);
    await sleep(200);
    const file = path.join(SCREENSHOTS, name + '.png');
    await page.screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 20000, `${file} written`);
    if (check) await check(page);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
    assert.equal(dark, scheme === 'dark');
    await context.close();
    console.log(`screenshot ${file}`);
    return file;
  };

  it('all streams, columns, light', () => shoot('columns-light'));

  // Window sizes, and 200% zoom (a 1440×900 window at twice the density: 720×450 CSS pixels), light and dark:
  // the page never scrolls sideways as a whole, and the log keeps rows in view.
  for (const [name, viewport, deviceScaleFactor] of [
    ['1920x1080', { width: 1920, height: 1080 }, 1], ['1440x900', { width: 1440, height: 900 }, 1],
    ['400x800', { width: 400, height: 800 }, 1], ['zoom-200', { width: 720, height: 450 }, 2],
  ]) {
    for (const scheme of ['light', 'dark']) {
      it(`${name}, ${scheme}`, () => shoot(`size-${name}-${scheme}`, {
        scheme, viewport, deviceScaleFactor,
        check: async (page) => {
          const fit = await page.evaluate(() => ({
            page: document.documentElement.scrollWidth - innerWidth,
            rows: Math.floor(document.getElementById('log').clientHeight / 18),
          }));
          assert.ok(fit.page <= 0, `${name}: the page is ${fit.page}px wider than the window`);
          assert.ok(fit.rows >= 4, `${name}: rows in view: ${fit.rows}`);
        },
      }));
    }
  }
  it('all streams, columns, dark, with a rotation and a truncated line', () => shoot('columns-dark', {
    scheme: 'dark',
    setup: async (page) => {
      clearInterval(writer);
      await sleep(200);
      await fsp.rename(access, access + '.2');
      await fsp.writeFile(access, '');
      await traffic(3);
      await appendLines(access, [combined({ ip: '192.0.2.77', path: '/export?ids=' + '1234567890,'.repeat(60), status: 200, ua: 'curl/8.5.0' })]);
      await appendLines(error, [errorLine({ level: 'error', msg: 'upstream timed out (110: Connection timed out) while reading response header from upstream' })]);
      await traffic(4);
      await waitFor(() => page.evaluate(() => document.querySelector('#log .row.event') !== null), { what: 'rotation event row' });
      await waitFor(() => page.evaluate(() => [...document.querySelectorAll('#log .row')].some((r) => r._e && / … \[\d+ bytes truncated\]$/.test(r._e.t))), { what: 'truncated line' });
      writer = setInterval(() => { traffic(12).catch(() => {}); }, 100);
      await sleep(150);
      await page.click('#pause');
    },
  }));
  it('all streams, raw, light', () => shoot('raw-light', { hash: '#mode=raw' }));
  it('all streams, raw, dark', () => shoot('raw-dark', { scheme: 'dark', hash: '#mode=raw' }));
  it('access log filtered, light', () => shoot('filter-light', { hash: '#stream=access&filter=%2Fapi%2Fv1%2F(orders%7Ccart)%2F' }));
  it('error log, dark', () => shoot('error-dark', { scheme: 'dark', hash: '#stream=error', rows: 8 }));
  it('paused with new lines, dark', () => shoot('paused-dark', {
    scheme: 'dark',
    hash: '#quick=4xx,5xx,error',
    setup: async (page) => {
      await page.click('#pause');
      await sleep(1500);
      assert.match(await page.$eval('#newlines', (b) => b.textContent), /new lines/);
    },
  }));
});
