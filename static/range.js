/* range.js: pure: the statistics panel's time range and the requests it
 * makes of the server. A range is kept as the URL writes it (url-state.js,
 * `#range=...`): 'live' (the server's per-second statistics), a span before
 * now ('15m', '1h', '6h', '24h', '7d') or a custom span of unix seconds
 * 'FROM-TO' (the range picker's custom boxes, a drag across a chart). No
 * DOM, no state (unit tested in tests/ui/range.test.mjs).
 */
import { searchOf, searchQuery } from './pages.js';
import { isNodeTerm, tokenize } from './filter.js';

export const LIVE = 'live';
/** The spans before now the picker offers, in seconds. */
export const SPANS = { '15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800 };
/** The picker's choices: [value, label]. */
export const CHOICES = [[LIVE, 'live'], ['15m', 'last 15 min'], ['1h', 'last 1 h'], ['6h', 'last 6 h'],
  ['24h', 'last 24 h'], ['7d', 'last 7 d'], ['custom', 'custom…']];
/** The span a filtered live panel reports on (seconds before now), and how often it asks again (ms). */
export const LIVE_SPAN = 3600;
export const LIVE_EVERY = 10000;
/** The shortest custom range (seconds): a drag narrower than this is a click. */
export const MIN_SPAN = 2;
const CUSTOM = /^(\d{1,11})-(\d{1,11})$/;

/** A range read from the URL: one of the above, 'live' for anything else. */
export function parseRange(text) {
  const s = String(text || '');
  if (Object.hasOwn(SPANS, s)) return s;
  const m = CUSTOM.exec(s);
  return m && +m[1] < +m[2] ? s : LIVE;
}

/** The custom range from `a` to `b` (unix seconds, either order), whole seconds, at least MIN_SPAN long. */
export function customRange(a, b) {
  let from = Math.floor(Math.min(a, b));
  let to = Math.ceil(Math.max(a, b));
  if (to - from < MIN_SPAN) to = from + MIN_SPAN;
  return from + '-' + to;
}

/** True for a custom range ('FROM-TO'). */
export function isCustom(range) {
  return CUSTOM.test(range);
}

/** The span of a range at unix time `now`: {from, to} (both inclusive), or null for 'live'. */
export function spanOf(range, now) {
  if (Object.hasOwn(SPANS, range)) return { from: now - SPANS[range], to: now };
  const m = CUSTOM.exec(range);
  return m ? { from: +m[1], to: +m[2] } : null;
}

/**
 * The filter box's text as `/report`'s `filter=`: {filter, dropped}; a /regex/ term cannot be sent (the server refuses it).
 * `node:` terms (the fleet host, filter.js) are the page's own: not sent, they choose the streams reported on instead.
 */
export function reportFilter(text) {
  const keep = [], dropped = [];
  for (const tok of tokenize(text || '')) {
    if (isNodeTerm(tok.text)) continue;
    if (/^!?\/[^]+\/[imsu]*$/.test(tok.text)) dropped.push(tok.text); else keep.push(tok.text);
  }
  return { filter: keep.join(' '), dropped };
}

/** The query string of a /report request for `stream`, a span (or null: all) and a filter text. */
export function reportQuery(stream, span, filter) {
  const h = new URLSearchParams();
  h.set('stream', stream);
  if (span) { h.set('from', String(span.from)); h.set('to', String(span.to)); }
  if (filter) h.set('filter', filter);
  return 'report?' + h.toString();
}

/** The most lines an export of lines holds (/search's largest limit). */
export const EXPORT_LIMIT = 100000;

/**
 * The address of a download of the lines of `stream` in a span that match
 * the filter box's text (pages.js searchOf, as a search), as `format` ('csv'
 * or 'ndjson'): /search with `format=` (docs/protocol.md, "Exports").
 */
export function linesQuery(stream, span, text, format) {
  const h = new URLSearchParams();
  if (span) { h.set('from', String(span.from)); h.set('to', String(span.to)); }
  h.set('limit', String(EXPORT_LIMIT));
  h.set('format', format);
  return searchQuery(stream, searchOf(text)) + '&' + h.toString();
}

const pad = (n) => String(n).padStart(2, '0');
/** "2026-12-02 14:00" (seconds when not whole minutes) of unix seconds, in the browser's zone. */
export function shortTime(t) {
  const d = new Date(t * 1000);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':'
    + pad(d.getMinutes()) + (d.getSeconds() ? ':' + pad(d.getSeconds()) : '');
}

/** What the panel says it shows for a range: "last 1 h", "2026-12-02 14:00 – 15:00". */
export function rangeLabel(range) {
  const choice = CHOICES.find(([v]) => v === range);
  if (choice) return choice[1];
  const span = spanOf(range, 0);
  if (!span) return range;
  const a = shortTime(span.from), b = shortTime(span.to);
  return a + ' – ' + (a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b);
}
