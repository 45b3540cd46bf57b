/* series.js: the server's statistics (`stats` messages, docs/protocol.md),
 * the one home of every number the page shows about traffic. Owns per stream
 * the merged time series (seconds of the last `window`, minutes of the last
 * hour) and the latest window figures (status counts, latency percentiles,
 * top values). No DOM (unit tested in tests/ui/).
 *
 * The first message of a connection holds 600 seconds and 60 minutes; later
 * ones the second (and minute) that just ended. Points are merged by their
 * start `t`, so a reconnect's full message simply refreshes what is had.
 */

import { merge } from './stats-merge.js';

export const HOUR = 3600;
const CLASSES = 5;

const byStream = new Map();   // stream id -> state (see fresh())
const mergedMemo = new Map(); // the ids merged, joined -> {sig, s}: merged() again only when a host's statistics changed

function fresh() {
  return { seconds: [], minutes: [], now: 0, window: 600, status: [], latency: {}, top: {}, topError: {}, messages: 0 };
}

/** Forgets every stream's statistics (a new run of the daemon). */
export function reset() {
  byStream.clear();
  mergedMemo.clear();
}

/** Keeps only the streams with these ids (a new hello). */
export function keep(ids) {
  const want = new Set(ids);
  for (const id of [...byStream.keys()]) if (!want.has(id)) byStream.delete(id);
  mergedMemo.clear();
}

/** The statistics of a stream, or null before its first message. */
export function of(id) {
  return byStream.get(id) || null;
}

/**
 * The statistics of a merged view's hosts' streams merged (stats-merge.js
 * merge): `g` is a fleet.js group ({ids, hosts}, one host per id); null
 * before any of them has statistics. Made anew only when one of them got a
 * message.
 */
export function merged(g) {
  const key = g.ids.join('\n');
  const sig = g.ids.map((id) => { const s = byStream.get(id); return s ? s.messages : 0; }).join(',');
  const had = mergedMemo.get(key);
  if (had && had.sig === sig) return had.s;
  const s = merge(g.ids.map((id, i) => ({ host: g.hosts[i], s: byStream.get(id) || null })));
  mergedMemo.set(key, { sig, s });
  return s;
}

const num = (x) => (Number.isFinite(x) ? x : 0);
const triple = (x) => (Array.isArray(x) && x.length === 3 && x.every((v) => v === null || Number.isFinite(v)) ? x : null);

/** A point as the page keeps it, or null when it has no time. */
export function point(p) {
  if (!p || !Number.isFinite(p.t)) return null;
  const c = Array.isArray(p.classes) ? p.classes : [];
  const classes = [];
  for (let i = 0; i < CLASSES; i++) classes.push(num(c[i]));
  return {
    t: p.t, n: num(p.n), bad: num(p.bad), bytes: num(p.bytes), classes, rt: triple(p.rt), ut: triple(p.ut), late: num(p.late), old: num(p.old),
  };
}

/** Puts a point into a list sorted by `t`, replacing the one with the same `t`. */
function upsert(list, p) {
  const n = list.length;
  if (!n || list[n - 1].t < p.t) { list.push(p); return; }
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].t < p.t) lo = mid + 1; else hi = mid;
  }
  if (lo < n && list[lo].t === p.t) list[lo] = p;
  else list.splice(lo, 0, p);
}

/** Drops the points that start before `t`. */
function trim(list, t) {
  let i = 0;
  while (i < list.length && list[i].t < t) i++;
  if (i) list.splice(0, i);
}

/** Merges a `stats` message; returns the stream's state, or null for a message without a stream. */
export function add(m) {
  if (!m || typeof m.stream !== 'string') return null;
  let s = byStream.get(m.stream);
  if (!s) { s = fresh(); byStream.set(m.stream, s); }
  if (Number.isFinite(m.now) && m.now >= s.now) s.now = m.now;
  if (Number.isFinite(m.window) && m.window > 0) s.window = m.window;
  for (const raw of Array.isArray(m.seconds) ? m.seconds : []) {
    const p = point(raw);
    if (p) upsert(s.seconds, p);
  }
  for (const raw of Array.isArray(m.minutes) ? m.minutes : []) {
    const p = point(raw);
    if (p) upsert(s.minutes, p);
  }
  trim(s.seconds, s.now - s.window);
  trim(s.minutes, s.now - HOUR);
  if (Array.isArray(m.status)) s.status = m.status.filter((x) => Array.isArray(x) && x.length === 2);
  if (m.latency && typeof m.latency === 'object') s.latency = m.latency;
  if (m.top && typeof m.top === 'object') {
    s.top = m.top;
    s.topError = m.top_error && typeof m.top_error === 'object' ? m.top_error : {};
  }
  s.messages++;
  return s;
}

/**
 * Requests over the last `secs` seconds: {n, c4, c5, bad, late, old, secs}
 * (`late`: lines counted in their own second after it ended; `old`: lines
 * older than the window, counted when read).
 */
export function recent(s, secs) {
  const out = { n: 0, c4: 0, c5: 0, bad: 0, late: 0, old: 0, secs };
  if (!s) return out;
  const from = s.now - secs;
  for (let i = s.seconds.length - 1; i >= 0 && s.seconds[i].t >= from; i--) {
    const p = s.seconds[i];
    out.n += p.n;
    out.bad += p.bad;
    out.late += p.late;
    out.old += p.old;
    out.c4 += p.classes[3];
    out.c5 += p.classes[4];
  }
  return out;
}

/** The shortest span a chart shows (seconds), while the server has less. */
export const MIN_SPAN = 120;

/**
 * The last hour of a stream, for the charts: minutes for the part older than
 * the seconds, the seconds of the window after that (missing seconds count
 * as none). Rates are per second. {from, to, t, classes: [5 arrays],
 * rt: [3 arrays], ut: [3 arrays], hasRt, hasUt, step: [seconds per point]};
 * latencies in seconds, null where no line had one. The span starts with the
 * oldest point the server has (a daemon started 2 minutes ago has 2 minutes
 * to show), at least MIN_SPAN and at most an hour before `now`.
 */
export function chart(s) {
  const out = {
    from: 0, to: 0, t: [], classes: [[], [], [], [], []], rt: [[], [], []], ut: [[], [], []], hasRt: false, hasUt: false, step: [],
  };
  if (!s) return out;
  const oldest = Math.min(s.minutes.length ? s.minutes[0].t : Infinity, s.seconds.length ? s.seconds[0].t : Infinity);
  out.to = s.now;
  out.from = Math.max(s.now - HOUR, Math.min(Number.isFinite(oldest) ? oldest : s.now, s.now - MIN_SPAN));
  const secStart = s.now - s.window;
  for (const p of s.minutes) if (p.t + 60 <= secStart) push(out, p, 60);
  let i = 0;
  const sec = s.seconds;
  for (let t = Math.max(secStart, out.from); t < s.now; t++) {
    while (i < sec.length && sec[i].t < t) i++;
    push(out, i < sec.length && sec[i].t === t ? sec[i] : point({ t }), 1);
  }
  return out;
}

function push(out, p, step) {
  out.t.push(p.t);
  out.step.push(step);
  for (let k = 0; k < CLASSES; k++) out.classes[k].push(p.classes[k] / step);
  for (let k = 0; k < 3; k++) {
    out.rt[k].push(p.rt ? p.rt[k] : null);
    out.ut[k].push(p.ut ? p.ut[k] : null);
  }
  if (p.rt && p.rt.some((x) => x !== null)) out.hasRt = true;
  if (p.ut && p.ut.some((x) => x !== null)) out.hasUt = true;
}

/** The top values of a field ('path', 'host', 'addr', 'ua', 'upstream'): [[value, count], ...]. */
export function top(s, field) {
  return topWithError(s, field).map(([v, n]) => [v, n]);
}

/**
 * The top values of a field with each count's error (`top_error`: the true
 * count is at least count - error; 0 while the counts are exact):
 * [[value, count, error], ...].
 */
export function topWithError(s, field) {
  const list = s && s.top && Array.isArray(s.top[field]) ? s.top[field] : [];
  const errors = s && s.topError && Array.isArray(s.topError[field]) ? s.topError[field] : [];
  const out = [];
  list.forEach((x, i) => {
    if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && Number.isFinite(x[1])) {
      out.push([x[0], x[1], Number.isFinite(errors[i]) && errors[i] > 0 ? errors[i] : 0]);
    }
  });
  return out;
}

/** Point widths (seconds) the charts use: the smallest that gives at most one point a pixel. */
export const WIDTHS = [1, 2, 5, 10, 15, 30, 60, 120, 300];

/** The point width for `span` seconds drawn `pixels` wide. */
export function pointWidth(span, pixels) {
  const need = span / Math.max(1, pixels);
  return WIDTHS.find((w) => w >= need) || WIDTHS[WIDTHS.length - 1];
}

/**
 * A chart's data (chart()) aggregated to points `w` seconds wide, aligned on
 * multiples of `w`, so that a chart shows at most a point a pixel at any span
 * and the same time axis for minutes and seconds: each class's rate is the
 * point's average, `lo` and `hi` the least and greatest total rate among
 * what it gathers (a minute's rate is all a minute tells), latencies the
 * greatest. Points with nothing in them are left out. Same shape as chart(),
 * with `lo`, `hi` and `width` (w).
 */
export function aggregate(c, w) {
  const out = {
    from: c.from, to: c.to, t: [], classes: [[], [], [], [], []], rt: [[], [], []], ut: [[], [], []],
    hasRt: c.hasRt, hasUt: c.hasUt, step: [], lo: [], hi: [], width: w,
  };
  let cur = null;
  const flush = () => {
    if (!cur) return;
    out.t.push(cur.t);
    out.step.push(w);
    for (let k = 0; k < CLASSES; k++) out.classes[k].push(cur.sum[k] / cur.cover);
    for (let k = 0; k < 3; k++) { out.rt[k].push(cur.rt[k]); out.ut[k].push(cur.ut[k]); }
    out.lo.push(cur.lo);
    out.hi.push(cur.hi);
  };
  for (let i = 0; i < c.t.length; i++) {
    const step = c.step[i];
    let total = 0;
    for (let k = 0; k < CLASSES; k++) total += c.classes[k][i];
    for (let s = c.t[i]; s < c.t[i] + step; s += Math.min(w, step)) {
      const b = Math.floor(s / w) * w;
      if (!cur || cur.t !== b) {
        flush();
        cur = { t: b, sum: [0, 0, 0, 0, 0], cover: 0, lo: Infinity, hi: -Infinity, rt: [null, null, null], ut: [null, null, null] };
      }
      const part = Math.min(w, step);
      for (let k = 0; k < CLASSES; k++) cur.sum[k] += c.classes[k][i] * part;
      cur.cover += part;
      cur.lo = Math.min(cur.lo, total);
      cur.hi = Math.max(cur.hi, total);
      for (let k = 0; k < 3; k++) {
        cur.rt[k] = most(cur.rt[k], c.rt[k][i]);
        cur.ut[k] = most(cur.ut[k], c.ut[k][i]);
      }
    }
  }
  flush();
  return out;
}

function most(a, b) {
  return b === null ? a : a === null ? b : Math.max(a, b);
}
