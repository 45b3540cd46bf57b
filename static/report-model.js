/* report-model.js: pure: a `/report` answer (docs/protocol.md, "Reports")
 * checked, and turned into what the statistics panel shows of it: its
 * totals, status codes, percentiles, the chart's data (the shape of
 * series.js aggregate(), so charts.js draws it as it draws the live
 * series), hits by hour, and GoAccess's panels with their `untracked`
 * counts; what went wrong with a request, in words. No DOM, no state (unit
 * tested in tests/ui/report-model.test.mjs).
 */
import { fmtBytes, fmtCount } from './labels.js';

/** The report's panels, in the order shown: [key, title, the field a row's click filters by (null: none)]. */
export const PANELS = [
  ['requests', 'requests', 'path'], ['static', 'static files', 'path'], ['not_found', '404s', 'path'],
  ['hosts', 'hosts', 'addr'], ['referring_sites', 'referring sites', null], ['os', 'operating systems', null],
  ['browsers', 'browsers', null], ['vhosts', 'virtual hosts', 'host'], ['bandwidth', 'bandwidth by path', 'path'],
];

const num = (x) => (Number.isFinite(x) ? x : 0);
const triple = (x) => (Array.isArray(x) && x.length === 3 && x.every((v) => v === null || Number.isFinite(v)) ? x : null);

function items(p) {
  const list = p && Array.isArray(p.items) ? p.items : [];
  return list.filter((x) => x && typeof x.value === 'string').map((x) => ({
    value: x.value, method: typeof x.method === 'string' ? x.method : '', protocol: typeof x.protocol === 'string' ? x.protocol : '',
    hits: num(x.hits), bytes: num(x.bytes),
  }));
}

/** A `report` message checked and given defaults, or null when it is not one. */
export function checkReport(m) {
  if (!m || m.type !== 'report' || typeof m.stream !== 'string') return null;
  const panels = {};
  for (const [key] of PANELS) {
    const p = m.panels && m.panels[key];
    panels[key] = { items: items(p), distinct: num(p && p.distinct), untracked: num(p && p.untracked) };
  }
  const s = m.series && typeof m.series === 'object' ? m.series : {};
  return {
    stream: m.stream, from: Number.isFinite(m.from) ? m.from : null, to: Number.isFinite(m.to) ? m.to : null,
    filter: typeof m.filter === 'string' ? m.filter : '',
    first: Number.isFinite(m.first) ? m.first : null, last: Number.isFinite(m.last) ? m.last : null,
    requests: num(m.requests), valid: num(m.valid), bad: num(m.bad), visitors: num(m.visitors),
    visitorsExact: m.visitors_exact !== false, bytes: num(m.bytes),
    status: Array.isArray(m.status) ? m.status.filter((x) => Array.isArray(x) && x.length === 2 && Number.isFinite(x[1])) : [],
    rt: triple(m.rt), ut: triple(m.ut),
    hours: Array.isArray(m.hours) && m.hours.length === 24 ? m.hours.map((h) => ({ hits: num(h && h.hits), bytes: num(h && h.bytes) })) : [],
    series: {
      start: num(s.start), step: Math.max(1, num(s.step)),
      points: Array.isArray(s.points) ? s.points.map((p) => ({
        n: num(p && p.n), bad: num(p && p.bad), bytes: num(p && p.bytes),
        classes: [0, 1, 2, 3, 4].map((k) => num(p && Array.isArray(p.classes) ? p.classes[k] : 0)),
      })) : [],
    },
    panels,
    scanned: num(m.scanned), total: num(m.total), truncated: m.truncated === true,
    budget: typeof m.budget === 'string' ? m.budget : null,
    failed: Array.isArray(m.failed) ? m.failed.filter((x) => typeof x === 'string') : [],
  };
}

/** The totals line: [[label, text, title], ...]. */
export function totals(r) {
  return [
    ['requests', fmtCount(r.requests), 'lines read in the range that pass the filter'],
    ['valid', fmtCount(r.valid), 'lines that fit the stream\'s format'],
    ['bad', fmtCount(r.bad), 'lines that do not fit the format'],
    ['visitors', (r.visitorsExact ? '' : '≥ ') + fmtCount(r.visitors), 'distinct address, date and user agent, of the requests not answered 4xx'
      + (r.visitorsExact ? '' : ' (too many to count exactly: a lower bound)')],
    ['bytes', fmtBytes(r.bytes), fmtCount(r.bytes) + ' bytes sent'],
  ];
}

/** Status codes, most first: [[code as text, count], ...]. */
export function statusRows(r) {
  return r.status.slice().sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([c, n]) => [String(c), n]);
}

/**
 * The report's series as the charts draw it (series.js aggregate()'s shape):
 * a point every `step` seconds from `start`, each class's rate per second,
 * `lo` and `hi` the point's total rate (a report's point is all it tells).
 * No latency series: a report gives its percentiles as numbers.
 */
export function chartData(r) {
  const { start, step, points } = r.series;
  const out = {
    from: r.from !== null ? r.from : start, to: r.to !== null ? r.to : start + points.length * step,
    t: [], classes: [[], [], [], [], []], rt: [[], [], []], ut: [[], [], []], hasRt: false, hasUt: false,
    step: [], lo: [], hi: [], width: step,
  };
  if (points.length) {
    out.from = Math.min(out.from, start);
    out.to = Math.max(out.to, start + points.length * step);
  }
  points.forEach((p, i) => {
    out.t.push(start + i * step);
    out.step.push(step);
    let total = 0;
    for (let k = 0; k < 5; k++) { out.classes[k].push(p.classes[k] / step); total += p.classes[k]; }
    for (let k = 0; k < 3; k++) { out.rt[k].push(null); out.ut[k].push(null); }
    out.lo.push(total / step);
    out.hi.push(total / step);
  });
  return out;
}

/**
 * A panel's rows: {rows: [{label, hits, bytes, filter}], untracked, distinct,
 * note}. `label` shows the method and protocol of a request; `filter` is
 * the term a click adds (null: the panel's values are no field a filter
 * tests); `note` says what the list leaves out, when it does.
 */
export function panelRows(r, key) {
  const def = PANELS.find((p) => p[0] === key);
  const p = r.panels[key];
  const rows = p.items.map((x) => ({
    label: [x.method, x.value, x.protocol].filter(Boolean).join(' '),
    value: x.value, hits: x.hits, bytes: x.bytes,
    filter: def && def[2] ? [def[2], def[2] === 'path' ? x.value.replace(/[?#].*$/, '') : x.value] : null,
  }));
  const notes = [];
  if (p.distinct > rows.length) notes.push(fmtCount(p.distinct) + ' distinct values, ' + fmtCount(rows.length) + ' listed');
  if (p.untracked > 0) notes.push(fmtCount(p.untracked) + ' hits untracked: values first seen after the panel was full; none unlisted has more');
  return { rows, distinct: p.distinct, untracked: p.untracked, note: notes.join('; ') };
}

/** What the report leaves out or could not read, in words ('' when it is whole). */
export function endNote(r) {
  const notes = [];
  if (r.truncated) {
    notes.push('stopped early by the ' + (r.budget || 'search') + ' budget: the numbers cover the newest lines read ('
      + (r.total ? Math.floor((100 * r.scanned) / r.total) + '% of the files' : 'part of the files') + ')');
  }
  if (r.failed.length) notes.push('not read to their end: ' + r.failed.join('; '));
  return notes.join(' · ');
}

/** Why a request for a report failed, in words, from its HTTP status and the server's one-line reason. */
export function failureText(status, reason) {
  const why = String(reason || '').split('\n')[0].slice(0, 300);
  if (status === 429) return 'The server is busy (' + (why || 'too many searches and reports run') + '). Try again in a moment.';
  if (status === 400) return 'The server refused the query: ' + (why || 'bad request');
  if (status === 403) return 'Reports are turned off on this server' + (why ? ': ' + why : '');
  if (status === 503) return 'The server cannot do this now: ' + (why || 'unavailable');
  return 'The report failed: ' + (why || 'HTTP ' + status);
}
