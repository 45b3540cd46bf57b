/* view.js: what the reader asked to see. Owns the stream shown ('*' = all,
 * merged; `*\/NAME` = every fleet host's stream NAME merged, fleet.js), the display mode (parsed columns or raw lines), the row cap, the
 * filter box text with its compiled filter (filter.js), the quick filters
 * (4xx, 5xx, warn, error+), whether the statistics panel is shown and its range;
 * answers whether an entry is in the view and matches.
 *
 * The state is exported as read-only live bindings (`view.mode`, ...); only
 * the setters below change it. No DOM (unit tested in tests/ui/).
 *
 * rowsCap bounds the rows in the DOM (the store keeps more: see store.js).
 */
import { compileFilter } from './filter.js';
import { compileQuick } from './parse.js';
import { LINE, NOTE, recordOf } from './store.js';
import { mergedName } from './fleet.js';

export const ALL = '*';
export const DEFAULT_ROWS = 5000;
export const MIN_ROWS = 100;
export const MAX_ROWS = 50000;
export const QUICK = ['4xx', '5xx', 'warn', 'error'];

/** The stream shown: ALL, a stream id or a merged view's id (`*\/NAME`). */
export let stream = ALL;
/** The stream name of the merged view shown (`access` for `*\/access`), or null. */
export let merged = null;
/** 'columns' or 'raw'. */
export let mode = 'columns';
/** The most rows the DOM holds. */
export let rowsCap = DEFAULT_ROWS;
/** The statistics panel is shown. */
export let panel = true;
/** The statistics panel's time range, as range.js keeps it ('live', '1h', 'FROM-TO'). */
export let range = 'live';
/** The filter box text, and what it compiles to (filter.js compileFilter). */
export let filterText = '';
export let filter = compileFilter('');
let quick = new Set();   // quick filter names, in the order they were turned on
let quickFn = null;      // severity code -> bool, null when no quick filter is on

export function setStream(id) {
  stream = id;
  merged = mergedName(id);
}
export function setMode(m) { mode = m; }
export function setRowsCap(n) { rowsCap = n; }
export function setPanel(on) { panel = on; }
export function setRange(r) { range = r; }

export function setFilterText(text) {
  filterText = text;
  filter = compileFilter(text);
}

/** Turns on exactly these quick filters. */
export function setQuick(names) {
  quick = new Set(names);
  quickFn = compileQuick(quick);
}

export function toggleQuick(name) {
  if (quick.has(name)) quick.delete(name); else quick.add(name);
  quickFn = compileQuick(quick);
}

export function quickNames() { return [...quick]; }
export function quickOn(name) { return quick.has(name); }

/** True when no filter and no quick filter narrows the lines. */
export function unfiltered() { return filter.empty && !quickFn; }

/** A row cap within bounds. */
export function clampRows(n) {
  return Math.max(MIN_ROWS, Math.min(MAX_ROWS, n));
}

/** The entry belongs to the stream shown (notes belong to every view). */
export function inView(e) {
  return stream === ALL || (e.s !== null && (merged !== null ? e.s.name === merged : e.s.id === stream)) || e.k === NOTE;
}

/** Stream `st` (store.js) is in the view: every one on ALL, its hosts' on a merged view, else the one shown. */
export function showsStream(st) {
  return stream === ALL || (merged !== null ? st.name === merged : st.id === stream);
}

/** More than one stream is in the view: ALL, or a merged view. */
export function several() { return stream === ALL || merged !== null; }

/**
 * The entry passes the filters: lines are filtered; gaps, events and notes
 * show in the unfiltered view only (a filtered view is its matching lines).
 */
export function matches(e) {
  if (e.k !== LINE) return filter.empty && !quickFn;
  if (quickFn && !quickFn(e.v)) return false;
  return filter.empty || filter.test(e.t, filter.fields ? recordOf(e) : null, e.s ? e.s.host : null);
}

/** How many lines of `list` match. */
export function countMatches(list) {
  let n = 0;
  for (let i = 0; i < list.length; i++) if (list[i].k === LINE && matches(list[i])) n++;
  return n;
}

/** The filters on, as typed: the filter text and the quick filters (`5xx`). */
export function filterSummary() {
  return [filterText.trim(), ...[...quick].map((q) => (q === 'error' ? 'error+' : q))].filter(Boolean).join(' ');
}

/** The filter whose matches are highlighted in rows, or null. */
export function highlighter() {
  return filter.highlights ? filter : null;
}
