// Columns for any nginx log_format, JSON lines, field filters and
// click-to-filter, against the real daemon with a configuration of custom
// formats: a vhost-first `log_format` given in logmon's configuration, a
// `log_format main` read from an nginx.conf (`format = "nginx:main"`), and
// `format = "json"`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fsp from 'node:fs/promises';
import {
  VHOST_FORMAT, appendLines, launchBrowser, nginxTime, openPage, renderedLines, startWithConfig, tempDir, vhostLine, waitFor,
} from './lib.mjs';

const MAIN = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"';

function config(dir) {
  return `nginx_config = "${dir}/nginx.conf"

[[stream]]
id = "shop"
path = "${dir}/shop.log"
log_format = '${VHOST_FORMAT}'

[[stream]]
id = "main"
path = "${dir}/main.log"
format = "nginx:main"

[[stream]]
id = "app"
path = "${dir}/app.log"
format = "json"
`;
}

describe('custom formats, field filters and click-to-filter', () => {
  let dir, shop, daemon, browser, page, problems;
  let n = 0;
  const uid = (tag) => `${tag}${++n}x${Math.random().toString(36).slice(2, 7)}`;
  /** Texts of the cells of the rendered rows whose line contains `id`: [{class: text}]. */
  const rowsWith = (id) => page.$$eval('#log .row:not(.mark-row)', (rs, id) => rs.filter((r) => r._e && r._e.t.includes(id)).map((r) => {
    const o = { cls: r.className };
    for (const s of r.children) if (s.tagName === 'SPAN') o[s.className] = s.textContent;
    return o;
  }), id);
  const setFilter = async (text) => {
    await page.fill('#filter', text);
    await waitFor(() => page.evaluate((t) => window.logmon.filter === t, text), { what: `filter ${text}` });
  };

  before(async () => {
    dir = await tempDir();
    shop = path.join(dir, 'shop.log');
    await fsp.writeFile(path.join(dir, 'nginx.conf'), `events {}\nhttp {\n  log_format main '${MAIN}';\n  access_log ${dir}/main.log main;\n}\n`);
    await fsp.writeFile(shop, vhostLine({ path: '/warmup' }) + '\n');
    await fsp.writeFile(path.join(dir, 'main.log'), `198.51.100.23 - - [${nginxTime()}] "GET /api/items?page=2 HTTP/1.1" 200 5120 "-" "curl/8.5.0" "203.0.113.9, 10.0.0.2"\n`);
    await fsp.writeFile(path.join(dir, 'app.log'), [
      JSON.stringify({ time_iso8601: '2026-11-30T14:02:11+00:00', remote_addr: '203.0.113.8', request: 'GET /json/path?x=1 HTTP/1.1', status: 503, request_time: 0.25, http_user_agent: 'json-agent/1.0' }),
      'this line is not JSON',
    ].join('\n') + '\n');
    daemon = await startWithConfig(dir, config(dir));
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, daemon.url + '#stream=shop&stats=off'));
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('gets each stream\'s layout in hello', async () => {
    const streams = await page.evaluate(() => window.logmon.streams());
    assert.deepEqual(streams.map((s) => [s.id, s.kind]), [['shop', 'text'], ['main', 'text'], ['app', 'json']],
      `layouts in hello: ${JSON.stringify(streams)}`);
  });

  it('shows a vhost-first log_format in columns of its own, status coloured, slow times marked', async () => {
    const id = uid('v');
    await appendLines(shop, [
      vhostLine({ host: 'api.example.com', ip: '192.0.2.9', method: 'POST', path: `/v/${id}?q=1`, status: 502, bytes: 166, rt: '1.250', ut: '0.500, 0.700', up: '10.0.0.6:8080', ua: 'Go-http-client/1.1' }),
      vhostLine({ path: `/v/${id}/ok`, status: 200, rt: '0.003', ut: '-', up: '-' }),
    ]);
    await waitFor(async () => (await rowsWith(id)).length === 2, { what: 'vhost rows' });
    const head = await page.$$eval('#colhead .row > span', (s) => s.map((x) => x.textContent));
    assert.deepEqual(head, ['time', 'host', 'client', 'method', 'path', 'status', 'bytes', 'rt', 'ut', 'upstream', 'user agent']);
    const [slow, ok] = await rowsWith(id);
    assert.equal(slow['c-host'], 'api.example.com');
    assert.equal(slow['c-client'], '192.0.2.9');
    assert.equal(slow['c-method'], 'POST');
    assert.equal(slow['c-path'], `/v/${id}?q=1`);
    assert.equal(slow['c-status'], '502');
    assert.equal(slow['c-dur slow'], '0.500, 0.700');
    assert.equal(slow['c-upstream'], '10.0.0.6:8080');
    assert.equal(slow['c-ua'], 'Go-http-client/1.1');
    assert.match(slow['c-time'], /^\d\d:\d\d:\d\d$/);
    assert.match(slow.cls, /\bst5\b/);
    assert.equal(ok['c-dur'], '-');
    assert.match(ok.cls, /\bst2\b/);
  });

  it('shows the fields of an nginx log_format read from nginx.conf', async () => {
    await page.click('#tabs .tab[data-view="main"]');
    await waitFor(() => page.$$eval('#colhead .row > span', (s) => s.map((x) => x.textContent).join(',')
      === 'time,client,method,path,status,bytes,referrer,user agent,x forwarded for'), { what: 'main columns' });
    const [row] = await rowsWith('/api/items');
    assert.equal(row['c-addr'], '203.0.113.9, 10.0.0.2');
    assert.equal(row['c-path'], '/api/items?page=2');
  });

  it('shows JSON lines by their keys, and a line that is not JSON raw', async () => {
    await page.click('#tabs .tab[data-view="app"]');
    await waitFor(() => page.$$eval('#colhead .row > span', (s) => s.map((x) => x.textContent).join(',')
      === 'time,client,method,path,status,rt,user agent'), { what: 'json columns' });
    const [row] = await rowsWith('/json/path');
    assert.equal(row['c-time'], '14:02:11');
    assert.equal(row['c-path'], '/json/path?x=1');
    assert.equal(row['c-status'], '503');
    assert.match(row.cls, /\bst5\b/);
    const [raw] = await rowsWith('not JSON');
    assert.equal(raw['c-raw'], 'this line is not JSON');
    await page.click('#tabs .tab[data-view="shop"]');
    await waitFor(async () => (await renderedLines(page)).some((t) => t.includes('/warmup')), { what: 'shop again' });
  });

  it('filters by fields typed in the filter box, with negation and several terms', async () => {
    const id = uid('f');
    const L = {
      ok: { path: `/api/${id}/a`, status: 200, rt: '0.020', ua: 'curl/8.5.0', host: 'shop.example.com', bytes: 20000 },
      bot: { path: `/api/${id}/b`, status: 404, rt: '0.700', ua: 'Googlebot/2.1', host: 'shop.example.com', bytes: 150 },
      err: { path: `/pay/${id}`, status: 503, rt: '2.500', ut: '2.400', ua: 'curl/8.5.0', host: 'api.example.com', method: 'POST', ip: '198.51.100.4' },
      css: { path: `/static/${id}.css`, status: 304, rt: '0.000', ut: '-', ua: 'Mozilla/5.0', bytes: 0 },
    };
    await appendLines(shop, Object.values(L).map(vhostLine));
    await waitFor(async () => (await rowsWith(id)).length === 4, { what: 'filter lines' });
    const shown = async (text) => {
      await setFilter(`${id} ${text}`);
      return (await renderedLines(page)).filter((t) => t.includes(id)).map((t) => Object.keys(L).find((k) => t.includes(L[k].path)));
    };
    assert.deepEqual(await shown('status:5xx'), ['err']);
    assert.deepEqual(await shown('status:404'), ['bot']);
    assert.deepEqual(await shown('status:4xx'), ['bot']);
    assert.deepEqual(await shown('path:/api/*'), ['ok', 'bot']);
    assert.deepEqual(await shown('host:api.example.com'), ['err']);
    assert.deepEqual(await shown('addr:198.51.100.4'), ['err']);
    assert.deepEqual(await shown('ip:198.51.100.4'), ['err']);
    assert.deepEqual(await shown('ua:bot'), ['bot']);
    assert.deepEqual(await shown('!ua:bot'), ['ok', 'err', 'css']);
    assert.deepEqual(await shown('method:POST'), ['err']);
    assert.deepEqual(await shown('rt>0.5'), ['bot', 'err']);
    assert.deepEqual(await shown('rt<0.1'), ['ok', 'css']);
    assert.deepEqual(await shown('ut>0.2'), ['err']);
    assert.deepEqual(await shown('bytes>10000'), ['ok']);
    assert.deepEqual(await shown('upstream_response_time:2.400'), ['err']);
    assert.deepEqual(await shown('!status:5xx rt>0.5'), ['bot']);
    assert.deepEqual(await shown('curl !status:2xx'), ['err']);
    await waitFor(() => decodeURIComponent(new URL(page.url()).hash).includes(`filter=${id} curl !status:2xx`), { what: 'filter in the URL' });
    await setFilter('rt>fast');
    await waitFor(() => page.$eval('#filter', (e) => e.classList.contains('invalid')), { what: 'invalid term' });
    await page.fill('#filter', '');
  });

  it('adds a filter for a cell\'s value when its text is clicked', async () => {
    const id = uid('c');
    await appendLines(shop, [
      vhostLine({ path: `/click/${id}/a?x=1`, status: 404, host: 'a.example.com' }),
      vhostLine({ path: `/click/${id}/b`, status: 404, host: 'b.example.com' }),
      vhostLine({ path: `/click/${id}/a?x=2`, status: 200, host: 'a.example.com' }),
    ]);
    await waitFor(async () => (await rowsWith(id)).length === 3, { what: 'click rows' });
    const cell = (pathPart, cls) => page.locator('#log .row', { hasText: pathPart }).first().locator('.c-' + cls);
    await cell(`/click/${id}/b`, 'status').click();
    await waitFor(() => page.evaluate(() => window.logmon.filter === 'status:404'), { what: 'status:404 from a click' });
    assert.equal(await page.$eval('#filter', (e) => e.value), 'status:404');
    await waitFor(async () => {
      const r = (await renderedLines(page)).filter((t) => t.includes(id));
      return r.length === 2 && r.every((t) => t.includes(' 404 '));
    }, { what: 'only the 404 rows' });
    await cell(`/click/${id}/a?x=1`, 'path').click({ position: { x: 6, y: 9 } }); // on its text
    await waitFor(() => page.evaluate((id) => window.logmon.filter === `status:404 path:/click/${id}/a`, id), { what: 'path term, without the query' });
    await waitFor(async () => (await renderedLines(page)).filter((t) => t.includes(id)).length === 1, { what: 'one row' });
    await cell(`/click/${id}/a?x=1`, 'status').click();
    assert.equal(await page.evaluate(() => window.logmon.filter.split('status:').length), 2, 'the same term is not added twice');
    await waitFor(() => /filter=status%3A404/.test(page.url()), { what: 'filter in the URL' });
    await page.keyboard.press('Escape');
    await waitFor(() => page.evaluate(() => window.logmon.filter === ''), { what: 'Esc clears' });
    // a click beside a cell's text (on the empty part of a wide cell) filters nothing
    const box = await cell(`/click/${id}/b`, 'path').boundingBox();
    await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
    assert.equal(await page.evaluate(() => window.logmon.filter), '');
  });

  it('had no console errors, CSP violations, page errors or dialogs', async () => {
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.console, []);
  });
});
