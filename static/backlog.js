/* backlog.js: a fleet viewer's backlog, merged by time. At hello the server
 * sends each stream's last lines (after a reconnect, those missed) one
 * stream after another, so a merged view (`*\/access`, fleet.js) would show
 * one host's block of lines, then the next host's. The fleet streams'
 * messages are held here from hello until each of those streams has had its
 * lines up to the newest at hello (store.js liveFrom), or HOLD_MS passed;
 * then they are given on with those lines merged by their time, the rest
 * after them as they came. From then on lines are stored as they arrive,
 * which for live lines is their time order give or take the delivery's
 * delay. Local streams pass straight on, as before.
 *
 * Owns the held messages and the timer; merge() and lineTime() are pure
 * (unit tested in tests/ui/backlog.test.mjs).
 */
import { fullTime } from './parse.js';
import { unixTime } from './when.js';

/** The longest a fleet stream's messages are held after hello (ms). */
export const HOLD_MS = 2000;

let held = [];           // [{kind, m}] in arrival order
let waiting = new Map(); // stream id -> the seq its backlog ends at, for those not complete yet
let fleet = new Set();   // the fleet streams' ids (held while any is waiting)
let liveFrom = new Map();
let timer = 0;
let give = () => {};
let timeOf = () => null;

/**
 * The held messages `list` ([{kind, m}], arrival order) to store: the lines
 * numbered up to `until.get(stream)` first, ordered by `time(stream, text)`
 * (a message per run of one stream's lines in that order) (unix seconds; a line without one takes its
 * stream's line before; a stable order: a stream's lines keep theirs), then
 * every other message and line as they came.
 */
export function merge(list, until, time) {
  const early = [];
  const rest = [];
  const last = new Map();  // stream -> time of its last backlog line
  for (const { kind, m } of list) {
    if (kind !== 'lines' || !Array.isArray(m.lines)) { rest.push({ kind, m }); continue; }
    const end = until.get(m.stream) ?? 0;
    const later = [];
    const laterSev = [];
    let laterSeq = null;
    for (let i = 0; i < m.lines.length; i++) {
      const seq = m.seq + i;
      const sev = m.sev && m.sev.length === m.lines.length ? [m.sev[i]] : undefined;
      if (seq <= end) {
        let t = time(m.stream, m.lines[i]);
        if (t === null || !Number.isFinite(t)) t = last.has(m.stream) ? last.get(m.stream) : -Infinity;
        last.set(m.stream, t);
        early.push({ t, i: early.length, msg: { type: 'lines', stream: m.stream, seq, lines: [m.lines[i]], ...(sev ? { sev } : {}) } });
      } else {
        if (laterSeq === null) laterSeq = seq;
        later.push(m.lines[i]);
        if (sev) laterSev.push(sev[0]);
      }
    }
    if (later.length) rest.push({ kind, m: { ...m, seq: laterSeq, lines: later, ...(laterSev.length === later.length ? { sev: laterSev } : {}) } });
  }
  early.sort((a, b) => a.t - b.t || a.i - b.i);
  const out = [];
  let run = null;
  for (const { msg } of early) {
    if (run && run.stream === msg.stream && run.seq + run.lines.length === msg.seq && !run.sev === !msg.sev) {
      run.lines.push(msg.lines[0]);
      if (msg.sev) run.sev.push(msg.sev[0]);
    } else {
      run = msg;
      out.push({ kind: 'lines', m: run });
    }
  }
  return out.concat(rest);
}

const TIME_LOCAL = /\[(\d\d\/[A-Za-z]{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]/;

/**
 * The unix time of a line of layout `lay` (layout.js), or null: its time
 * field as parse.js fullTime reads it, but without splitting the line when
 * the field is $time_local (its bracketed form is found at once); `cache`, a
 * Map, keeps the times of the texts read (lines of a second share one).
 */
export function lineTime(lay, text, cache) {
  let v = null;
  if (lay.kind === 'text' && lay.names.includes('time_local')) {
    const m = TIME_LOCAL.exec(text);
    if (m) v = m[1];
  }
  if (v === null) v = fullTime(lay, text);
  if (!v) return null;
  let t = cache.get(v);
  if (t === undefined) {
    t = unixTime(v);
    if (cache.size > 100000) cache.clear();
    cache.set(v, t);
  }
  return t;
}

/** `fn(kind, m)` stores a message; `time(stream, text)` is a line's unix time or null. */
export function install(fn, time) {
  give = fn;
  timeOf = time;
}

/**
 * A hello's streams (store.js, adopted): holds the fleet streams' messages
 * until those with lines to come (up to liveFrom, past what the page has)
 * have them. Whatever was held before is given on first.
 */
export function begin(streams) {
  flush();
  fleet = new Set(streams.filter((st) => st.host !== null).map((st) => st.id));
  liveFrom = new Map(streams.filter((st) => st.host !== null).map((st) => [st.id, st.liveFrom]));
  waiting = new Map();
  for (const st of streams) if (st.host !== null && st.liveFrom > (st.last ?? 0)) waiting.set(st.id, st.liveFrom);
  if (waiting.size < 2) { waiting.clear(); return; }
  timer = setTimeout(flush, HOLD_MS);
}

/** True when message `m` of `kind` ('lines', 'gap', 'event') is held (and will be given on by flush). */
export function hold(kind, m) {
  if (!waiting.size || !fleet.has(m.stream)) return false;
  held.push({ kind, m });
  const end = waiting.get(m.stream);
  if (end !== undefined && kind !== 'event' && Number.isFinite(m.seq)) {
    const last = kind === 'lines' ? m.seq + (Array.isArray(m.lines) ? m.lines.length : 0) - 1 : m.seq + (m.count || 0) - 1;
    if (last >= end) waiting.delete(m.stream);
  }
  if (!waiting.size) flush();
  return true;
}

/** Gives on every message held, merged, and holds no more. */
export function flush() {
  clearTimeout(timer);
  timer = 0;
  waiting.clear();
  if (!held.length) return;
  const list = held;
  held = [];
  for (const x of merge(list, liveFrom, timeOf)) give(x.kind, x.m);
}
