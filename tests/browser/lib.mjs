// Shared helpers for the browser tests: the real daemon, headless Chromium,
// log line generators and small waiting utilities.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const SCREENSHOTS = path.join(REPO, 'target', 'screenshots');

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function logmonBin() {
  return process.env.LOGMON_BIN || path.join(REPO, 'target', 'debug', 'logmon');
}

export async function tempDir(prefix = 'logmon-browser-') {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A temp dir with empty access.log and error.log. */
export async function tempLogs() {
  const dir = await tempDir();
  const access = path.join(dir, 'access.log');
  const error = path.join(dir, 'error.log');
  await fsp.writeFile(access, '');
  await fsp.writeFile(error, '');
  return { dir, access, error };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value; throws with `what` after timeoutMs. */
export async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(interval);
  }
}

let helpText = null;
/** Options the daemon needs to run here: as root it wants --allow-root (when it knows it). */
function baseArgs(bin) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return [];
  if (helpText === null) helpText = spawnSync(bin, ['--help'], { encoding: 'utf8' }).stdout || '';
  return helpText.includes('--allow-root') ? ['--allow-root'] : [];
}

/**
 * Starts `logmon --listen 127.0.0.1:PORT FILE...` and resolves once it prints
 * "listening on http://HOST:PORT/". stderr is drained for the whole run.
 */
export async function startDaemon(files, { port = 0, args = [], env = {} } = {}) {
  const bin = logmonBin();
  if (!fs.existsSync(bin)) throw new Error(`logmon binary not found at ${bin} (cargo build, or set LOGMON_BIN)`);
  const proc = spawn(bin, [...baseArgs(bin), '--listen', `127.0.0.1:${port}`, ...args, ...files], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  const log = [];
  let buf = '';
  let resolveUrl;
  let rejectUrl;
  const ready = new Promise((res, rej) => { resolveUrl = res; rejectUrl = rej; });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      log.push(line);
      if (log.length > 400) log.shift();
      const m = /listening on (http:\/\/[^\s/]+\/)/.exec(line);
      if (m) resolveUrl(m[1]);
    }
  });
  proc.on('exit', (code, sig) => rejectUrl(new Error(`logmon exited (${code ?? sig}) before listening:\n${log.join('\n')}`)));
  const timer = setTimeout(() => rejectUrl(new Error(`logmon did not report listening within 20 s:\n${log.join('\n')}`)), 20000);
  let url;
  try {
    url = await ready;
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    url,
    port: +new URL(url).port,
    proc,
    log,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A page with guards (`viewport`, `deviceScaleFactor`, `colorScheme` of its
 * context): collects console errors, CSP violations, uncaught
 * exceptions and dialogs so tests can assert on them.
 */
export async function openPage(browser, url, { colorScheme = 'light', viewport = { width: 1440, height: 860 }, deviceScaleFactor = 1, setup } = {}) {
  const context = await browser.newContext({ colorScheme, viewport, deviceScaleFactor });
  const page = await context.newPage();
  // `setup(page, context)` runs before the page loads (a browser setting such as its default font size).
  if (setup) await setup(page, context);
  if (process.env.LOGMON_UI_DIR) await serveUi(page, url, process.env.LOGMON_UI_DIR);
  const problems = { console: [], errors: [], dialogs: [], csp: [] };
  page.on('console', (m) => { if (m.type() === 'error') problems.console.push(m.text()); });
  page.on('pageerror', (e) => problems.errors.push(String(e)));
  page.on('dialog', async (d) => { problems.dialogs.push(d.message()); await d.dismiss().catch(() => {}); });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.logmon && window.logmon.connection === 'live', null, { timeout: 15000 });
  return { page, context, problems, response };
}

/**
 * LOGMON_UI_DIR=DIR: the UI's files are taken from DIR instead of those the
 * daemon embeds (with the daemon's headers, its content security policy
 * included), to try a change of static/ without building the daemon again.
 */
async function serveUi(page, url, dir) {
  const base = new URL(url);
  base.hash = '';
  // Not the worker (ingest.js, and what it imports): a worker whose script was intercepted does not connect.
  await page.route((u) => u.origin === base.origin && u.pathname.startsWith(base.pathname) && !u.pathname.endsWith('/ingest.js'), async (route) => {
    const rel = new URL(route.request().url()).pathname.slice(base.pathname.length) || 'index.html';
    const file = path.join(dir, rel);
    if (!/^[\w./-]+$/.test(rel) || rel.includes('..') || !fs.existsSync(file) || !fs.statSync(file).isFile()) return route.continue();
    try {
      const response = await route.fetch();
      await route.fulfill({ response, body: fs.readFileSync(file) });
    } catch {
      // the page closed meanwhile
    }
  });
}

// ---------------------------------------------------------------- log lines

const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD'];
const PATHS = ['/', '/index.html', '/api/v1/orders', '/api/v1/users/42', '/static/app.3f9c2a.js', '/static/site.css',
  '/login', '/search?q=nginx+logs&page=2', '/healthz', '/images/banner-1920.webp', '/api/v1/cart/items', '/favicon.ico'];
const UAS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'curl/8.5.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Prometheus/2.51.0',
];
const REFS = ['-', '-', 'https://example.com/', 'https://example.com/products?id=17'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function nginxTime(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function errorTime(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** One nginx "combined" line. */
export function combined({ ip = '10.0.0.7', method = 'GET', path: p = '/', status = 200, bytes = 612, ref = '-', ua = 'curl/8.5.0', time = new Date() } = {}) {
  return `${ip} - - [${nginxTime(time)}] "${method} ${p} HTTP/1.1" ${status} ${bytes} "${ref}" "${ua}"`;
}

/** The vhost-first format of the format tests: host first, request and upstream times, the upstream. */
export const VHOST_FORMAT = '$host $remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time $upstream_response_time "$upstream_addr" "$http_user_agent"';

/** One line in VHOST_FORMAT. */
export function vhostLine({ host = 'shop.example.com', ip = '203.0.113.7', method = 'GET', path: p = '/', status = 200, bytes = 612, rt = '0.012', ut = '0.010', up = '10.0.0.5:8080', ua = 'curl/8.5.0', time = new Date() } = {}) {
  return `${host} ${ip} [${nginxTime(time)}] "${method} ${p} HTTP/1.1" ${status} ${bytes} ${rt} ${ut} "${up}" "${ua}"`;
}

/** Starts the daemon with a configuration file `logmon.toml` in `dir` holding `toml`. */
export async function startWithConfig(dir, toml) {
  const config = path.join(dir, 'logmon.toml');
  await fsp.writeFile(config, toml);
  return startDaemon([], { args: ['--config', config] });
}

/** A pseudo-random but realistic combined line (about 200 bytes); `i` makes it unique. */
export function randomCombined(i, rnd = Math.random) {
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const r = rnd();
  const base = pick(PATHS);
  const status = r < 0.86 ? 200 : r < 0.9 ? 304 : r < 0.93 ? 301 : r < 0.97 ? 404 : r < 0.985 ? 403 : pick([500, 502, 503, 504]);
  return combined({
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    method: pick(METHODS),
    path: `${base}${base.includes('?') ? '&' : '?'}n=${i}`,
    status,
    bytes: status === 304 ? 0 : 200 + Math.floor(rnd() * 40000),
    ref: pick(REFS),
    ua: pick(UAS),
  });
}

/** One nginx error log line. */
export function errorLine({ level = 'error', pid = 1234, tid = 0, conn = 7, msg = 'open() "/srv/www/missing.html" failed (2: No such file or directory)', time = new Date() } = {}) {
  return `${errorTime(time)} [${level}] ${pid}#${tid}: *${conn} ${msg}, client: 10.0.0.7, server: example.com, request: "GET /missing.html HTTP/1.1", host: "example.com"`;
}

/** Ends what a test file started: its writer's timer, the browser, the daemon, the directory. */
export async function teardown({ writer, browser, daemon, dir }) {
  clearInterval(writer);
  await browser?.close();
  await daemon?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
}

export async function appendLines(file, lines) {
  if (!lines.length) return;
  await fsp.appendFile(file, lines.join('\n') + '\n');
}

// ---------------------------------------------------------------- page probes

/** Texts of the log lines currently rendered (entries of kind "line" only). */
export async function renderedLines(page) {
  return page.evaluate(() => [...document.querySelectorAll('#log .row:not(.mark-row)')].map((r) => r._e && r._e.t));
}

/**
 * Scrolls the log up until its first row is `order[0]` and the note says
 * the oldest line on disk is shown (`what` names it if that never comes).
 * Every snapshot of the rows on the way must be a run of consecutive lines
 * of `order`. Returns {shown, look}: every line shown on the way (those of
 * the snapshots and every row added to the log in between), and the check
 * of a snapshot, for the rest of the test (its rows; their lines are added
 * to `shown`).
 */
export async function scrollToOldest(page, order, what) {
  const shown = new Set();
  const look = async () => {
    const rows = await renderedLines(page);
    const at = rows.map((t) => order.indexOf(t));
    assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i === at[k - 1] + 1)), `consecutive lines, from ${at[0]} to ${at[at.length - 1]}: ${at.join(' ')}`);
    for (const t of rows) shown.add(t);
    return rows;
  };
  await page.evaluate(() => {
    window.__added = new Set();
    const take = (n) => {
      if (n.nodeType !== 1) return;
      if (n.classList.contains('row')) { if (n._e) window.__added.add(n._e.t); return; }
      for (const r of n.querySelectorAll('.row')) if (r._e) window.__added.add(r._e.t);
    };
    new MutationObserver((ms) => { for (const m of ms) m.addedNodes.forEach(take); })
      .observe(document.getElementById('log'), { childList: true, subtree: true });
  });
  await look();
  await page.hover('#log');
  await waitFor(async () => {
    await page.mouse.wheel(0, -600);
    const rows = await look();
    return rows[0] === order[0] && /oldest line on disk/.test(await page.textContent('#hist-note'));
  }, { what, timeout: 60000, interval: 50 });
  for (const t of await page.evaluate(() => [...window.__added])) shown.add(t);
  return { shown, look };
}

export async function rowCount(page) {
  return page.evaluate(() => document.querySelectorAll('#log .row').length);
}

/** A TCP proxy in front of the daemon whose connections can be cut at will. */
export async function startProxy(targetPort) {
  const sockets = new Set();
  let refusing = false;
  let target = targetPort;
  const server = net.createServer((client) => {
    if (refusing) { client.destroy(); return; }
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    url: `http://127.0.0.1:${server.address().port}/`,
    /** Cuts every open connection (as a network failure would). */
    cut() { for (const s of sockets) s.destroy(); sockets.clear(); },
    refuse(on) { refusing = on; },
    /** Sends new connections to another port (a restarted daemon). */
    retarget(port) { target = port; },
    async close() { this.cut(); await new Promise((r) => server.close(r)); },
  };
}

export async function ensureDir(d) {
  await fsp.mkdir(d, { recursive: true });
  return d;
}
