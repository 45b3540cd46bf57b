/* store.js: every line, gap, file event and note the page has received, kept
 * in memory as entries, and the streams they belong to.
 *
 * Owns: the streams of the last `hello` (id, path, format, layout, colour,
 * position, and what hello says of its file and format: state, stateDetail,
 * formatSource, formatReason, and the lines received in each of its last
 * seconds),
 * one bounded Ring of entries per stream plus one for all streams merged and,
 * on a fleet viewer, one per stream name that hosts share (fleet.js: the
 * merged views `*\/NAME`, each of its hosts' `HOST/NAME` in arrival order), the
 * store cap, the arrival numbering of entries and the received/skipped counts.
 * No DOM: whoever shows entries subscribes with onEntry().
 *
 * Memory is bounded by the store cap (storeCap): every view keeps at most that
 * many entries, at least STORE_PER_VIEW and never fewer than the rows the page
 * may show (rowsCap), so that any view can be rebuilt from memory alone.
 *
 * An entry is {k: kind, s: stream or null, q: sequence number, t: text,
 * v: severity code, n: arrival number, r: the line's record (layout.js),
 * undefined until recordOf() first needs it}. Arrival numbers grow by one per
 * entry over the page's life, across streams, so "newer than" is one
 * comparison.
 */
import { compileLayout, record } from './layout.js';
import { severity } from './parse.js';
import { gapText } from './labels.js';
import { groups, mergedName, splitId } from './fleet.js';

/**
 * Entry kinds: a log line, skipped lines, a file event, a note from the page,
 * and the boundary between lines read from disk and live ones (history.js;
 * never stored here).
 */
export const LINE = 0, GAP = 1, EVENT = 2, NOTE = 3, BOUNDARY = 4;
/** The least number of entries every view keeps. */
export const STORE_PER_VIEW = 20000;
const COLORS = 8;

/** Bounded list: keeps the newest `cap` items (trimmed in chunks, amortised O(1)). */
export class Ring {
  constructor(cap) { this.cap = cap; this.items = []; }
  push(e) {
    const a = this.items;
    a.push(e);
    if (a.length > this.cap + (this.cap >> 2)) a.splice(0, a.length - this.cap);
  }
  setCap(cap) {
    this.cap = cap;
    if (this.items.length > cap) this.items.splice(0, this.items.length - cap);
  }
  clear() { this.items = []; }
  /** Index in `items` of the oldest item kept. */
  first() { return Math.max(0, this.items.length - this.cap); }
  get length() { return Math.min(this.items.length, this.cap); }
}

/** Index of the first item of `items` (ascending arrival numbers) from `from` on with n >= `n`. */
export function lowerBound(items, from, n) {
  let lo = from, hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].n < n) lo = mid + 1; else hi = mid;
  }
  return lo;
}

let list = [];           // streams in the order of the last hello
let byId = new Map();
let cap = STORE_PER_VIEW;
const all = new Ring(cap);
const named = new Map(); // fleet stream name -> the Ring of its hosts' entries merged
let shared = new Map();  // merged view id -> {id, name, hosts, ids} (fleet.js groups) of the last hello
let nextN = 1;           // arrival number of the next entry
let received = 0;        // lines received in this page's life
let gapLines = 0;        // lines reported skipped by gap frames
let sink = () => {};

/** `fn(entry)` is called for every entry stored, in arrival order. */
export function onEntry(fn) { sink = fn; }

/** The streams of the last hello, in its order. */
export function streams() { return list; }

export function stream(id) { return byId.get(id); }

/** The entries of a view: one stream's, a merged view's (`*\/NAME`), or every stream's for '*' (or an unknown id). */
export function ring(view) {
  if (view === '*') return all;
  const st = byId.get(view);
  if (st) return st.ring;
  const name = shared.has(view) ? mergedName(view) : null;
  return name !== null && named.has(name) ? named.get(name) : all;
}

/** The merged views of the last hello (fleet.js groups): [{id, name, hosts, ids}]. */
export function mergedViews() { return [...shared.values()]; }

/** The merged view `id`, or undefined. */
export function merged(id) { return shared.get(id); }

/** True for a view the streams have: '*', a stream id, a merged view's id. */
export function hasView(id) { return id === '*' || byId.has(id) || shared.has(id); }

/** Adopts the stream list of a hello; streams that keep their id keep their entries. */
export function setStreams(hello) {
  const next = [];
  const ids = new Map();
  for (const s of Array.isArray(hello) ? hello : []) {
    if (!s || typeof s.id !== 'string') continue;
    const st = byId.get(s.id)
      || { id: s.id, path: '', format: 'plain', layout: null, color: 0, last: null, ring: new Ring(cap), secs: [], ...fleetPart(s.id) };
    st.path = String(s.path || '');
    st.format = typeof s.format === 'string' && s.format ? s.format : 'plain';
    st.layout = compileLayout(s.layout, st.format);
    // Lines up to the newest at hello are the backlog (or missed ones): not counted as received now.
    st.liveFrom = Number.isFinite(s.seq) ? s.seq : 0;
    adoptStatus(st, s);
    next.push(st);
    ids.set(st.id, st);
  }
  next.forEach((st, i) => { st.color = i % COLORS; });
  list = next;
  byId = ids;
  shared = new Map(groups(next.map((st) => st.id)).map((g) => [g.id, g]));
}

/** A fleet stream's host and name (null for a local stream) and the Ring its name's entries are merged in. */
function fleetPart(id) {
  const p = splitId(id);
  if (!p) return { host: null, name: null, group: null };
  let g = named.get(p.name);
  if (!g) named.set(p.name, g = new Ring(cap));
  return { host: p.host, name: p.name, group: g };
}

/**
 * What hello says of a stream's file and format (docs/protocol.md): as
 * strings, read as `following` and `config` when absent (an older daemon).
 */
function adoptStatus(st, s) {
  const text = (v, absent) => (typeof v === 'string' ? v : absent);
  st.state = text(s.state, 'following');
  st.stateDetail = text(s.state_detail, '');
  st.formatSource = text(s.format_source, 'config');
  st.formatReason = text(s.format_reason, '');
}

/** Forgets every stream and entry (a new run of the daemon). */
export function reset() {
  list = [];
  byId = new Map();
  shared = new Map();
  named.clear();
  all.clear();
}

/** The store cap: entries kept per view. */
export function capacity() { return cap; }

/** Sets the store cap for a row cap: enough to rebuild `rows` rows, at least STORE_PER_VIEW. */
export function fitRows(rows) {
  cap = Math.max(STORE_PER_VIEW, rows);
  all.setCap(cap);
  for (const g of named.values()) g.setCap(cap);
  for (const st of list) st.ring.setCap(cap);
}

function add(k, s, q, t, v) {
  const e = { k, s, q, t, v, n: nextN++, r: undefined };
  if (s) {
    s.ring.push(e);
    if (s.group) s.group.push(e);
  } else {
    for (const st of list) st.ring.push(e);
    for (const g of named.values()) g.push(e);
  }
  all.push(e);
  sink(e);
}

/** The record of a line entry (its fields, layout.js), or null when it has none; kept with the entry. */
export function recordOf(e) {
  if (e.r === undefined) e.r = e.k === LINE && e.s ? record(e.s.layout, e.t) : null;
  return e.r;
}

/**
 * Stores the lines of a `lines` message, skipping those already had. `m.sev`,
 * when the worker computed it, holds each line's severity. Returns the number
 * of lines stored, or -1 for a message about no known stream.
 */
export function addLines(m) {
  const st = byId.get(m.stream);
  if (!st || !Array.isArray(m.lines) || !Number.isFinite(m.seq)) return -1;
  const lines = m.lines;
  const lay = st.layout;
  const sev = m.sev && m.sev.length === lines.length ? m.sev : null;
  let stored = 0;
  let seq = m.seq;
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < lines.length; i++, seq++) {
    if (st.last !== null && seq <= st.last) continue; // already have it
    const t = typeof lines[i] === 'string' ? lines[i] : String(lines[i]);
    const v = lay.kind === 'plain' ? 0 : sev ? sev[i] : severity(lay, t);
    add(LINE, st, seq, t, v);
    if (seq > st.liveFrom) tally(st, v, now);
    received++;
    stored++;
    st.last = seq;
  }
  return stored;
}

/**
 * An entry for a line read from disk (history.js): like a live one, with `h`
 * set, its cursor `c` and its time `tm` (unix seconds or null); never stored
 * here, numbered `n` by its owner.
 */
export function historyEntry(st, line, n) {
  const v = st.layout.kind === 'plain' ? 0 : severity(st.layout, line.text);
  return { k: LINE, s: st, q: line.seq || 0, t: line.text, v, n, r: undefined, h: 1, c: line.cursor, tm: line.time };
}

// Seconds of lines received kept per stream, for recentLines().
const TALLY_SECS = 61;

/** Counts a line received at unix second `now` with severity `v` (a status for access lines). */
function tally(st, v, now) {
  const k = now % TALLY_SECS;
  let b = st.secs[k];
  if (!b || b.t !== now) b = st.secs[k] = { t: now, lines: 0, n: 0, c4: 0, c5: 0 };
  b.lines++;
  if (v >= 100 && v < 600) {
    b.n++;
    if (v >= 500) b.c5++; else if (v >= 400) b.c4++;
  }
}

/**
 * The lines of stream `id` received over the `secs` seconds before this one
 * (at most a minute): {n: requests (lines with a status), c4, c5, bad: lines
 * without one, secs}, as series.js recent() gives them from the server's
 * statistics, for when the page does not receive those.
 */
export function recentLines(id, secs) {
  const out = { n: 0, c4: 0, c5: 0, bad: 0, secs };
  const st = byId.get(id);
  if (!st) return out;
  const now = Math.floor(Date.now() / 1000);
  for (const b of st.secs) {
    if (!b || b.t >= now || b.t < now - Math.min(secs, TALLY_SECS - 1)) continue;
    out.n += b.n;
    out.c4 += b.c4;
    out.c5 += b.c5;
    out.bad += b.lines - b.n;
  }
  return out;
}

/** Stores a `gap` message as one entry, unless the lines it names were had. */
export function addGap(m) {
  const st = byId.get(m.stream);
  if (!st || !Number.isFinite(m.seq) || !Number.isFinite(m.count)) return;
  const end = m.seq + m.count - 1;
  if (st.last !== null && end <= st.last) return;
  gapLines += m.count;
  add(GAP, st, m.seq, gapText(m.seq, m.count), 0);
  st.last = end;
}

/** Stores an `event` message (a file rotated, truncated, ...). */
export function addEvent(m) {
  const st = byId.get(m.stream);
  if (!st) return;
  const what = typeof m.event === 'string' ? m.event : 'event';
  const detail = typeof m.detail === 'string' && m.detail ? ': ' + m.detail : '';
  add(EVENT, st, 0, what + detail, 0);
}

/** Stores a note of the page's own (connection lost, reconnected): in every view. */
export function addNote(text) {
  add(NOTE, null, 0, text, 0);
}

/** The arrival number of the newest entry stored (0: none yet). */
export function newestN() { return nextN - 1; }

/** The last sequence number had of each stream (null: none yet). */
export function positions() {
  return Object.fromEntries(list.map((st) => [st.id, st.last]));
}

/** Entries kept: merged, and per stream. */
export function sizes() {
  return { all: all.length, streams: Object.fromEntries(list.map((st) => [st.id, st.ring.length])) };
}

export function counters() {
  return { received, gapLines };
}
