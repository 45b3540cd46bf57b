/* connection.js: the page's one connection to the daemon. Owns the ingest
 * worker (ingest.js, a module worker that holds the WebSocket, decodes and
 * parses frames and computes each line's severity, so none of that costs the
 * page's main thread), the current socket, reconnecting with backoff and
 * `since=` positions, the daemon's epoch, and the connection indicator.
 *
 * What arrives is handed to the handlers given to start(); this module does
 * not store or show lines. socketUrl and backoffDelay are pure (unit tested
 * in tests/ui/), and nothing here touches the DOM until start().
 *
 * Worker protocol, page -> worker: {op: 'open', id, url}, {op: 'close', id, code, reason};
 * worker -> page: {op: 'msgs', id, msgs: [message, ...]}, {op: 'close', id, code, reason}.
 */
import { closeReason } from './labels.js';

const BACKOFF = [500, 1000, 2000, 4000, 8000, 15000];

/** The daemon run the page shows (protocol `epoch`), null before the first hello. */
export let epoch = null;
/** 'connecting', 'live', 'reconnecting' or 'offline'. */
export let state = 'connecting';

let worker = null;
let nextConnId = 1;
const conns = new Map();   // id -> socket handle, while the worker holds it open
let sock = null;           // the current socket handle
let attempt = 0;
let reconnectTimer = 0;
let reconnectAt = 0;
let connectedOnce = false;
let ingestMs = 0, maxIngestMs = 0;   // main-thread time spent handling messages
let on = null;             // handlers and position providers, from start()
let statsOn = true;        // the per-second stats messages are wanted (the server's default)

/** The WebSocket URL next to the page: `ws` relative to it, with a backlog and resume positions. */
export function socketUrl(page, backlog, since) {
  const u = new URL('ws', page);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  const q = ['backlog=' + backlog];
  for (const [id, seq] of since) q.push('since=' + encodeURIComponent(id) + ':' + seq);
  u.search = '?' + q.join('&');
  return u.href;
}

/** Delay before reconnect attempt number `n` (0-based): backoff with ±20% jitter (`random` in [0, 1)). */
export function backoffDelay(n, random) {
  const base = BACKOFF[Math.min(n, BACKOFF.length - 1)];
  return Math.round(base * (0.8 + random * 0.4));
}

function startWorker() {
  if (worker) return worker;
  worker = new Worker(new URL('ingest.js', import.meta.url), { type: 'module' });
  worker.onmessage = (ev) => {
    const d = ev.data;
    const c = conns.get(d.id);
    if (!c) return;
    if (d.op === 'msgs') {
      if (c.onmessages) c.onmessages(d.msgs);
    } else if (d.op === 'close') {
      conns.delete(d.id);
      if (c.onclose) c.onclose({ code: d.code, reason: d.reason });
    }
  };
  worker.onerror = (ev) => {
    // The worker could not be loaded or failed: its sockets are gone. The
    // next attempt starts a new worker.
    if (ev && ev.preventDefault) ev.preventDefault();
    const w = worker;
    worker = null;
    if (w) w.terminate();
    const open = [...conns.values()];
    conns.clear();
    for (const c of open) if (c.onclose) c.onclose({ code: 1006, reason: '' });
  };
  return worker;
}

/** Opens a WebSocket in the worker: a handle with onmessages(list), onclose({code, reason}), close(code, reason). */
function openSocket(url) {
  const w = startWorker();
  const id = nextConnId++;
  const c = {
    onmessages: null,
    onclose: null,
    close(code, reason) { w.postMessage({ op: 'close', id, code, reason }); },
    send(text) { w.postMessage({ op: 'send', id, text }); },
  };
  conns.set(id, c);
  w.postMessage({ op: 'open', id, url });
  return c;
}

/**
 * Turns the per-second `stats` messages on or off for this page (docs/protocol.md:
 * turned on, each stream's full statistics come first); kept across reconnects.
 */
export function setStats(wanted) {
  if (wanted === statsOn) return;
  statsOn = wanted;
  if (sock && sock.gotHello) sock.send(JSON.stringify({ type: 'stats', on: wanted }));
}

/**
 * Connects, and keeps connecting. `handlers`: hello(streams, how) with how
 * 'first', 'restart' (a new epoch: everything from before is void) or 'again'
 * (same epoch: resumed, or a later hello on the same socket); lines(m),
 * gap(m), event(m), stats(m), note(text); backlog() and since() ->
 * [[stream id, last seq], ...] for the socket URL.
 */
export function start(handlers) {
  on = handlers;
  connect();
}

function connect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = 0;
  const withSince = epoch !== null;
  let s;
  try {
    s = openSocket(socketUrl(location.href, on.backlog(), withSince ? on.since() : []));
  } catch (e) {
    scheduleReconnect();
    return;
  }
  s.usedSince = withSince;
  s.gotHello = false;
  sock = s;
  setState(connectedOnce ? 'reconnecting' : 'connecting', connectedOnce ? 'reconnecting' : 'connecting');
  s.onmessages = (msgs) => receive(s, msgs);
  s.onclose = (ev) => {
    if (sock !== s) return;
    sock = null;
    if (s.gotHello) on.note('connection lost (' + closeReason(ev.code) + '), reconnecting');
    scheduleReconnect();
  };
}

function receive(s, msgs) {
  const t0 = performance.now();
  for (let i = 0; i < msgs.length; i++) {
    if (sock !== s) return;
    const m = msgs[i];
    if (!m || typeof m !== 'object') continue;
    if (m.type === 'hello') onHello(m, s);
    else if (!s.gotHello) { /* nothing before hello */ }
    else if (m.type === 'lines') on.lines(m);
    else if (m.type === 'gap') on.gap(m);
    else if (m.type === 'event') on.event(m);
    else if (m.type === 'stats') on.stats(m);
  }
  const dt = performance.now() - t0;
  ingestMs += dt;
  if (dt > maxIngestMs) maxIngestMs = dt;
}

function onHello(m, s) {
  // Versions other than 1 are read all the same: later versions only add types and fields.
  const e = typeof m.epoch === 'string' ? m.epoch : String(m.epoch);
  if (epoch !== null && e !== epoch) {
    // A new run of the daemon: sequence numbers from before mean nothing now.
    epoch = e;
    on.hello(m.streams, 'restart');
    if (s.usedSince) {
      // Positions were sent for the old run; ask again for a clean backlog.
      sock = null;
      s.onclose = null;
      try { s.close(1000); } catch (err) { /* ignore */ }
      connect();
      return;
    }
  } else if (epoch === null) {
    epoch = e;
    on.hello(m.streams, 'first');
  } else {
    on.hello(m.streams, 'again');
    // A later hello on the same socket says what changed (a reload, a stream's state): no reconnection.
    if (connectedOnce && !s.gotHello) on.note('reconnected, resuming');
  }
  // A new socket starts with stats on: say so again when they are not wanted.
  if (!s.gotHello && !statsOn) s.send(JSON.stringify({ type: 'stats', on: false }));
  s.gotHello = true;
  connectedOnce = true;
  attempt = 0;
  setState('live', 'live', 'connected, epoch ' + e);
}

function scheduleReconnect() {
  const delay = backoffDelay(attempt, Math.random());
  attempt++;
  reconnectAt = Date.now() + delay;
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(connect, delay);
  showCountdown();
}

/** While waiting to reconnect: the seconds left, on the indicator (called every second). */
export function showCountdown() {
  if (!reconnectTimer) return;
  const secs = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
  setState('offline', 'offline, retry in ' + secs + 's', 'disconnected; click to retry now');
}

/** While waiting to reconnect: tries at once, with the backoff reset. */
export function retryNow() {
  if (!reconnectTimer) return;
  attempt = 0;
  connect();
}

/** Drops the connection as a network failure would (the page reconnects by itself). */
export function drop() {
  if (sock) sock.close(4000, 'dropped');
}

/** Where the WebSocket runs: 'worker' while the ingest worker is up. */
export function transport() {
  return worker ? 'worker' : 'none';
}

export function timings() {
  return { ingestMs, maxIngestMs };
}

function setState(s, text, title) {
  state = s;
  const indicator = document.getElementById('conn');
  indicator.className = 'conn conn-' + s;
  document.getElementById('conn-text').textContent = text;
  indicator.title = title || text;
  document.documentElement.dataset.conn = s;
}
