/* ingest.js: the WebSocket connection, run in a dedicated module worker
 * (started by connection.js). Owns the open sockets and, per socket, the
 * stream layouts of the last hello and the messages not yet posted.
 *
 * Receiving and decoding frames, JSON parsing and the severity of every line
 * happen here, off the page's main thread. Server messages are passed on in
 * their order, a few at a time: at most one post every FLUSH_MS while lines
 * stream in, at once for anything else (hello, gap, event, close).
 *
 * From the page:  {op: 'open', id, url}   {op: 'close', id, code, reason}
 * To the page:    {op: 'msgs', id, msgs: [message, ...]}   {op: 'close', id, code, reason}
 * A `lines` message gains `sev`: the severity code of each line (see parse.js),
 * found by splitting it by its stream's layout (layout.js).
 */
import { compileLayout } from './layout.js';
import { severity } from './parse.js';

const FLUSH_MS = 16;
const socks = new Map();

self.onmessage = (ev) => {
  const d = ev.data;
  if (!d || typeof d !== 'object') return;
  if (d.op === 'open') open(d.id, d.url);
  else if (d.op === 'send') {
    const s = socks.get(d.id);
    if (s && s.ws.readyState === WebSocket.OPEN) s.ws.send(d.text);
  } else if (d.op === 'close') {
    const s = socks.get(d.id);
    if (s) {
      try { s.ws.close(d.code, d.reason); } catch (e) { s.ws.close(); }
    }
  }
};

function open(id, url) {
  let ws;
  try {
    ws = new WebSocket(url);
  } catch (e) {
    self.postMessage({ op: 'close', id, code: 1006, reason: '' });
    return;
  }
  const s = { ws, layouts: new Map(), out: [], timer: 0 };
  socks.set(id, s);
  ws.onmessage = (ev) => {
    if (typeof ev.data !== 'string') return;
    let m;
    try { m = JSON.parse(ev.data); } catch (e) { return; }
    if (!m || typeof m !== 'object') return;
    if (m.type === 'hello') {
      s.layouts = new Map();
      if (Array.isArray(m.streams)) {
        for (const st of m.streams) if (st && typeof st.id === 'string') s.layouts.set(st.id, compileLayout(st.layout, st.format));
      }
    } else if (m.type === 'lines' && Array.isArray(m.lines)) {
      const lay = s.layouts.get(m.stream);
      if (lay && lay.kind !== 'plain') m.sev = severities(lay, m.lines);
    }
    s.out.push(m);
    if (m.type !== 'lines') flush(id, s);
    else if (!s.timer) s.timer = setTimeout(() => flush(id, s), FLUSH_MS);
  };
  ws.onclose = (ev) => {
    flush(id, s);
    socks.delete(id);
    self.postMessage({ op: 'close', id, code: ev.code, reason: ev.reason });
  };
  ws.onerror = () => { /* onclose follows */ };
}

function severities(lay, lines) {
  const sev = new Int16Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    if (typeof lines[i] === 'string') sev[i] = severity(lay, lines[i]);
  }
  return sev;
}

function flush(id, s) {
  clearTimeout(s.timer);
  s.timer = 0;
  if (!s.out.length) return;
  const msgs = s.out;
  s.out = [];
  self.postMessage({ op: 'msgs', id, msgs });
}
