/* stats-merge.js: pure: the statistics of a merged tab (`*\/access`), from
 * its hosts' own (series.js states, each from its host's latest `stats`
 * message). Owns no state, no DOM (unit tested in tests/ui/).
 *
 * What adds up is added: the points of seconds and minutes aligned by their
 * `t` (n, bad, bytes, classes, late, old), the status counts. Top lists are
 * merged by value, counts and errors summed; a value missing from a host's
 * full list (TOP_N long) may have been seen there up to that list's last
 * count, which is added to its count and to its error, so that, as for one
 * host, the true count is at most the count and at least count - error.
 * Percentiles do not add up: each is the highest host's, an upper bound of
 * the fleet's (a mixture's percentile lies between its parts'), and said
 * to be so (boundLabel).
 *
 * A host whose statistics stopped coming does not hold the rest back: the
 * merged `now` is the oldest `now` of the hosts that are up to date (within
 * STALE seconds of the newest), the stale ones' points count where their
 * `t` falls, and their window figures (status, latency, top) count while
 * their window still overlaps the merged one.
 */
import { fmtMs } from './labels.js';

/** The length of a top list as the server sends it (docs/protocol.md). */
export const TOP_N = 10;
/** A host whose latest statistics are this many seconds older than the newest host's is stale. */
export const STALE = 5;
const HOUR = 3600;
const CLASSES = 5;
const FIELDS = ['path', 'host', 'addr', 'ua', 'upstream'];
const PCT = ['p50', 'p95', 'p99'];

/** The greatest of each of the triples' values (null where none has one); null when no triple. */
function maxTriple(list) {
  let out = null;
  for (const x of list) {
    if (!Array.isArray(x)) continue;
    if (!out) out = [null, null, null];
    for (let k = 0; k < 3; k++) if (x[k] !== null && x[k] !== undefined && (out[k] === null || x[k] > out[k])) out[k] = x[k];
  }
  return out;
}

/**
 * Points of several hosts (series.js points, each list sorted by `t`)
 * summed by `t`, kept from `from` (included) to `to` (excluded), sorted:
 * n, bad, bytes, classes, late and old summed, rt and ut the greatest of
 * each percentile.
 */
export function sumPoints(lists, from = -Infinity, to = Infinity) {
  const by = new Map();
  for (const list of lists) {
    for (const p of list || []) {
      if (p.t < from || p.t >= to) continue;
      let q = by.get(p.t);
      if (!q) by.set(p.t, q = { t: p.t, n: 0, bad: 0, bytes: 0, classes: new Array(CLASSES).fill(0), rts: [], uts: [], late: 0, old: 0 });
      q.n += p.n; q.bad += p.bad; q.bytes += p.bytes; q.late += p.late || 0; q.old += p.old || 0;
      for (let k = 0; k < CLASSES; k++) q.classes[k] += p.classes[k] || 0;
      q.rts.push(p.rt);
      q.uts.push(p.ut);
    }
  }
  return [...by.values()].sort((a, b) => a.t - b.t).map(({ rts, uts, ...q }) => ({ ...q, rt: maxTriple(rts), ut: maxTriple(uts) }));
}

/** Status counts ([[code, count]] each) summed by code, sorted by code. */
export function sumStatus(lists) {
  const by = new Map();
  for (const list of lists) for (const [code, n] of list || []) by.set(code, (by.get(code) || 0) + n);
  return [...by.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * Top lists of one field merged: `lists` holds each host's rows
 * [[value, count, error]] (series.js topWithError). Returns rows of the
 * same shape, most counted first, as long as the longest list: a value's
 * count and error are the sums of its hosts', plus, for each host whose
 * list is full (`n` long) and leaves it out, that list's last count (the
 * most it can have been seen there).
 */
export function mergeTop(lists, n = TOP_N) {
  const by = new Map();
  let len = 0;
  const floors = [];
  lists.forEach((rows, h) => {
    len = Math.max(len, rows.length);
    floors.push(rows.length >= n ? rows[rows.length - 1][1] : 0);
    for (const [value, count, error] of rows) {
      let e = by.get(value);
      if (!e) by.set(value, e = { value, count: 0, error: 0, on: new Set() });
      e.count += count;
      e.error += error || 0;
      e.on.add(h);
    }
  });
  const out = [];
  for (const e of by.values()) {
    for (let h = 0; h < lists.length; h++) {
      if (!e.on.has(h) && floors[h] > 0) { e.count += floors[h]; e.error += floors[h]; }
    }
    out.push([e.value, e.count, e.error]);
  }
  out.sort((a, b) => b[1] - a[1] || a[2] - b[2] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out.slice(0, len);
}

/**
 * Latency percentiles of several hosts ([{host, latency: {rt, ut}}]): each
 * the highest host's, with that host: {rt, ut, bound: true, from: {rt:
 * [host|null ×3], ut: [...]}}; rt or ut null when no host has it.
 */
export function latencyBound(list) {
  const out = { rt: null, ut: null, bound: true, from: { rt: null, ut: null } };
  for (const k of ['rt', 'ut']) {
    for (const { host, latency } of list) {
      const p = latency && Array.isArray(latency[k]) ? latency[k] : null;
      if (!p) continue;
      if (!out[k]) { out[k] = [null, null, null]; out.from[k] = [null, null, null]; }
      for (let i = 0; i < 3; i++) {
        const v = p[i];
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        if (out[k][i] === null || v > out[k][i]) { out[k][i] = v; out.from[k][i] = host; }
      }
    }
  }
  return out;
}

/**
 * The words for percentile `i` (0: p50, 1: p95, 2: p99) of `seconds`, as a
 * merged view shows it: {text: '≤ 212 ms', title: 'p99 ≤ 212 ms (highest
 * host: web-2): …'}; a value that is no bound (one host) is shown as is.
 */
export function boundLabel(i, seconds, host, bound = true) {
  if (seconds === null || seconds === undefined) return { text: '–', title: '' };
  const v = fmtMs(seconds * 1000);
  if (!bound) return { text: v, title: '' };
  return {
    text: '≤ ' + v,
    title: PCT[i] + ' ≤ ' + v + ' (highest host' + (host ? ': ' + host : '') + '): percentiles do not add up across hosts; the fleet\'s is at most its highest host\'s',
  };
}

/**
 * Merges hosts' statistics: `parts` is [{host, s}], `s` a series.js state
 * (null for a host that has sent none). Returns a state of the same shape
 * (seconds, minutes, now, window, status, latency, top, topError,
 * messages) with `hosts` (how many hosts have statistics), `stale`
 * ([{host, behind: seconds, counted: bool}], `counted` while its window
 * figures still count) and `merged: true`; null when no host has any.
 */
export function merge(parts) {
  const have = parts.filter((p) => p && p.s && p.s.messages > 0);
  if (!have.length) return null;
  const newest = Math.max(...have.map((p) => p.s.now));
  const fresh = have.filter((p) => p.s.now >= newest - STALE);
  const now = Math.min(...fresh.map((p) => p.s.now));
  const window = Math.max(...have.map((p) => p.s.window));
  const stale = [];
  for (const p of have) {
    if (p.s.now < newest - STALE) stale.push({ host: p.host, behind: now - p.s.now, counted: p.s.now > now - window });
  }
  const inWindow = have.filter((p) => p.s.now > now - window);
  const top = {}, topError = {};
  for (const f of FIELDS) {
    const rows = mergeTop(inWindow.map((p) => topRows(p.s, f)));
    top[f] = rows.map(([v, c]) => [v, c]);
    topError[f] = rows.map((r) => r[2]);
  }
  return {
    seconds: sumPoints(have.map((p) => p.s.seconds), now - window, now),
    minutes: sumPoints(have.map((p) => p.s.minutes), now - HOUR),
    now,
    window,
    status: sumStatus(inWindow.map((p) => p.s.status)),
    latency: latencyBound(inWindow.map((p) => ({ host: p.host, latency: p.s.latency }))),
    top,
    topError,
    messages: have.reduce((n, p) => n + p.s.messages, 0),
    hosts: have.length,
    stale,
    merged: true,
  };
}

/** A host's top rows of field `f` with their errors (as series.js topWithError). */
function topRows(s, f) {
  const list = s.top && Array.isArray(s.top[f]) ? s.top[f] : [];
  const errors = s.topError && Array.isArray(s.topError[f]) ? s.topError[f] : [];
  const out = [];
  list.forEach((x, i) => {
    if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && Number.isFinite(x[1])) {
      out.push([x[0], x[1], Number.isFinite(errors[i]) && errors[i] > 0 ? errors[i] : 0]);
    }
  });
  return out;
}
