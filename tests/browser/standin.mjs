// STAND-IN for the daemon's history API (GET /history and GET /search,
// docs/protocol.md "History and search"), for the browser tests only, while
// the real endpoints are being built. It is NOT the daemon's implementation
// and proves nothing about it: it lets the UI's side be tested now. The same
// scenarios run against the real daemon in history.test.mjs, skipped until
// the daemon answers GET /history.
//
// An HTTP proxy in front of the real daemon: every request (and the
// WebSocket upgrade) goes to the daemon, except /history and /search, which
// it answers from the stream's files on disk (FILE.1, then FILE; oldest
// first), numbering their lines from 1 as the daemon did when it read them
// in that order. Cursors are base64url of {f: file, o: byte offset}.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { unixTime } from '../../static/when.js';

const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const dec = (c) => { try { return JSON.parse(Buffer.from(c, 'base64url').toString()); } catch { return null; } };

/** Every line of the stream's files, oldest first: {text, cursor, seq, time, bytes}. */
function readLines(file) {
  const out = [];
  for (const f of [file + '.1', file]) {
    if (!fs.existsSync(f)) continue;
    const buf = fs.readFileSync(f);
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] !== 10) continue;
      const text = buf.subarray(start, i).toString();
      const m = /\[([^\]]+)\]/.exec(text);
      out.push({ text, cursor: enc({ f, o: start }), seq: out.length + 1, time: m ? unixTime(m[1]) : null, bytes: i + 1 - start });
      start = i + 1;
    }
  }
  return out;
}

function page(lines, from, to, index) {
  const slice = lines.slice(from, to);
  return {
    stream: 'access',
    lines: slice.map(({ text, cursor, seq, time }) => ({ text, cursor, seq, time })),
    before: from > 0 && slice.length ? slice[0].cursor : null,
    after: to < lines.length && slice.length ? slice[slice.length - 1].cursor : null,
    index,
  };
}

function history(q, file) {
  const lines = readLines(file);
  const limit = +(q.get('limit') || 200);
  const find = (c) => { const d = dec(c); return d ? lines.findIndex((l) => l.cursor === c) : -1; };
  const b = q.get('before'), a = q.get('after'), at = q.get('at'), around = q.get('around');
  if (b && b.startsWith('seq:')) {
    const i = +b.slice(4) - 1;
    if (!(i >= 0 && i < lines.length)) return [400, 'seq not known'];
    return [200, page(lines, Math.max(0, i - limit), i, 0)];
  }
  if (b) { const i = find(b); return i < 0 ? [400, 'bad cursor'] : [200, page(lines, Math.max(0, i - limit), i, 0)]; }
  if (a) { const i = find(a); return i < 0 ? [400, 'bad cursor'] : [200, page(lines, i + 1, Math.min(lines.length, i + 1 + limit), 0)]; }
  let i;
  if (at) { i = lines.findIndex((l) => l.time !== null && l.time >= +at); if (i < 0) i = lines.length - 1; }
  else if (around) { i = find(around); if (i < 0) return [400, 'bad cursor']; }
  else return [400, 'missing before, after, at or around'];
  const from = Math.max(0, i - Math.floor(limit / 2));
  return [200, page(lines, from, Math.min(lines.length, from + limit), i - from)];
}

/** Streams the matches newest first, slowly enough (`delayMs` a slice) to be watched and cancelled. */
async function search(q, file, res, delayMs) {
  const lines = readLines(file);
  const total = lines.reduce((s, l) => s + l.bytes, 0);
  const re = q.get('regex') === '1' ? new RegExp(q.get('q')) : null;
  const lit = q.get('q') || '';
  let closed = false, scanned = 0, matches = 0;
  res.on('close', () => { closed = true; });
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (let i = lines.length - 1; i >= 0 && !closed; i--) {
    const l = lines[i];
    scanned += l.bytes;
    if (re ? re.test(l.text) : l.text.includes(lit)) {
      matches++;
      res.write(JSON.stringify({ type: 'match', text: l.text, cursor: l.cursor, time: l.time }) + '\n');
    }
    if (i % 25 === 0) {
      res.write(JSON.stringify({ type: 'progress', scanned, total }) + '\n');
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  if (!closed) res.end(JSON.stringify({ type: 'done', matches, scanned, total, truncated: false }) + '\n');
}

/** Starts the stand-in before `daemonPort`, answering for the stream whose file is `file`. */
export async function startStandIn(daemonPort, file, { searchDelayMs = 40 } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname === '/history' || u.pathname === '/search') {
      requests.push(u.pathname + u.search);
      if (u.pathname === '/search') { search(u.searchParams, file, res, searchDelayMs); return; }
      const [status, body] = history(u.searchParams, file);
      res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'text/plain' });
      res.end(status === 200 ? JSON.stringify(body) : body + '\n');
      return;
    }
    const up = http.request({ port: daemonPort, host: '127.0.0.1', method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    const up = net.connect(daemonPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      socket.pipe(up);
      up.pipe(socket);
    });
    const drop = () => { socket.destroy(); up.destroy(); };
    up.on('error', drop);
    socket.on('error', drop);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    async close() { server.closeAllConnections(); await new Promise((r) => server.close(r)); },
  };
}
