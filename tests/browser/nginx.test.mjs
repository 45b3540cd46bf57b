// Under a path prefix through a real nginx: the UI loads from /logmon/, the
// WebSocket goes through /logmon/ws, and nginx's own logs stream into the page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {
  appendLines, combined, launchBrowser, openPage, renderedLines, startDaemon, tempLogs, waitFor,
} from './lib.mjs';

const NGINX = process.env.NGINX_BIN || '/usr/sbin/nginx';

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

function nginxConf(dir, port, upstreamPort) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return `${asRoot ? 'user root root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log combined;
  client_body_temp_path ${dir}/tmp-body;
  proxy_temp_path ${dir}/tmp-proxy;
  fastcgi_temp_path ${dir}/tmp-fastcgi;
  uwsgi_temp_path ${dir}/tmp-uwsgi;
  scgi_temp_path ${dir}/tmp-scgi;
  server {
    listen 127.0.0.1:${port};
    location = /logmon {
      return 301 $scheme://$http_host/logmon/;
    }
    location /logmon/ {
      proxy_pass http://127.0.0.1:${upstreamPort}/;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $http_connection;
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_read_timeout 120s;
    }
  }
}
`;
}

describe('behind nginx under /logmon/', { skip: !fs.existsSync(NGINX) && `no nginx at ${NGINX}` }, () => {
  let dir, access, error, daemon, nginx, base, browser;
  const nginxLog = [];

  before(async () => {
    ({ dir, access, error } = await tempLogs());
    daemon = await startDaemon([access, error]);
    const port = await freePort();
    await fsp.writeFile(path.join(dir, 'nginx.conf'), nginxConf(dir, port, daemon.port));
    nginx = spawn(NGINX, ['-p', dir, '-e', path.join(dir, 'nginx-stderr.log'), '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout.on('data', (d) => nginxLog.push(String(d)));
    nginx.stderr.on('data', (d) => nginxLog.push(String(d)));
    base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(base + '/logmon/healthz').catch(() => null))?.ok, { timeout: 15000, what: `nginx on ${port} (${nginxLog.join('')})` });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    await daemon?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('redirects /logmon to /logmon/', async () => {
    const res = await fetch(base + '/logmon', { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.match(res.headers.get('location'), /\/logmon\/$/);
  });

  it('loads and streams under the prefix', async () => {
    const sockets = [];
    const { page, problems, response } = await openPage(browser, base + '/logmon/', {});
    page.on('websocket', (ws) => sockets.push(ws.url()));
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'] || '', /default-src 'none'/);
    const resources = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.ok(resources.length >= 3 && resources.every((u) => u.startsWith(base + '/logmon/')), `every resource under /logmon/: ${resources}`);

    // nginx logs the page's own requests to the followed access log.
    await waitFor(async () => (await renderedLines(page)).some((t) => t.includes('"GET /logmon/app.js HTTP/1.1" 200')),
      { what: "nginx's access line for /logmon/app.js" });

    // a 404 through nginx shows up as a 4xx row
    await fetch(base + '/logmon/no-such-file-' + Date.now());
    await waitFor(() => page.$$eval('#log .row.st4', (rs) => rs.some((r) => r.textContent.includes('/logmon/no-such-file-'))),
      { what: '404 row' });

    // a line written by someone else streams too
    const line = combined({ path: '/through-nginx/' + Date.now(), status: 201 });
    await appendLines(access, [line]);
    await waitFor(async () => (await renderedLines(page)).includes(line), { what: 'appended line' });

    // nginx's own error log notices stream into the error tab
    await page.click('#tabs .tab[data-view="error"]');
    await waitFor(() => page.$$eval('#log .row', (rs) => rs.some((r) => /\[notice\]/.test(r._e?.t || ''))), { what: "nginx's notices" });

    // The WebSocket went through nginx under the prefix; a reconnect does too.
    await page.evaluate(() => window.logmon.drop());
    await waitFor(() => sockets.length >= 1 && page.evaluate(() => window.logmon.connection === 'live'), { timeout: 15000, what: 'reconnected through nginx' });
    assert.ok(sockets.every((u) => u.startsWith(`ws://127.0.0.1:${new URL(base).port}/logmon/ws?`)), `socket URLs: ${sockets}`);
    assert.equal(await page.evaluate(() => window.logmon.transport), 'worker', 'the worker script loads under the prefix');
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await page.context().close();
  });
});
