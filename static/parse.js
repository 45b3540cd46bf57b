/* parse.js: what a line says beyond its fields. Owns no state: pure
 * functions and constants, no DOM, shared by the page, the ingest worker
 * (ingest.js) and the unit tests (tests/ui/): severities (the HTTP status of
 * access lines, the level of nginx error lines), the error log's columns,
 * the quick filters and the classes that colour rows. Splitting lines by a
 * stream's layout is layout.js's; the filter box's language is filter.js's.
 */
import { timeIndex } from './fields.js';
import { record, statusOf } from './layout.js';

// nginx error log: 2026/11/24 11:02:03 [error] 1234#1234: *5 message
const ERROR = /^(\d{4}\/\d{2}\/\d{2}) (\d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+#\d+): (.*)$/d;
const ERROR_LEVEL = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(\w+)\] /;

export const TRUNCATED = / … \[\d+ bytes truncated\]$/;

// Severity codes, shared by statistics and quick filters.
// Access lines: the HTTP status (100..599). Error lines: negative level code.
export const LEVELS = { debug: -1, info: -2, notice: -3, warn: -4, error: -5, crit: -6, alert: -7, emerg: -8 };

/**
 * Severity code of a line of a stream with layout `lay` (layout.js): the
 * HTTP status for access logs, -level for error logs, 0 if unknown.
 */
export function severity(lay, text) {
  if (lay.kind === 'error') {
    const m = ERROR_LEVEL.exec(text);
    return m ? (LEVELS[m[1]] || 0) : 0;
  }
  return statusOf(lay, text);
}

export function levelName(code) {
  for (const k in LEVELS) if (LEVELS[k] === code) return k;
  return '';
}

/**
 * Splits an nginx error log line into display fields. Every field is a
 * substring of the line: {c: column name, a: start offset, b: end offset}, so
 * filter matches found on the raw line can be highlighted inside the columns.
 * Returns null for lines that do not parse (shown raw).
 */
export function errorFields(text) {
  const m = ERROR.exec(text);
  if (!m) return null;
  const ix = m.indices;
  return [
    { c: 'time', a: ix[2][0], b: ix[2][1] },
    { c: 'level', a: ix[3][0], b: ix[3][1] },
    { c: 'pid', a: ix[4][0], b: ix[4][1] },
    { c: 'msg', a: ix[5][0], b: ix[5][1] },
  ];
}

/** Full timestamp of a line, for tooltips: its time field as written ('' if none). */
export function fullTime(lay, text) {
  if (lay.kind === 'error') return ERROR_LEVEL.test(text) ? text.slice(0, 19) : '';
  const rec = record(lay, text);
  const i = rec ? timeIndex(rec) : -1;
  return i >= 0 ? rec.vals[i] : '';
}

/** Quick filter predicate from a set of names (4xx, 5xx, warn, error). Null when none. */
export function compileQuick(names) {
  const set = new Set(names);
  if (set.size === 0) return null;
  const w4 = set.has('4xx'), w5 = set.has('5xx'), ww = set.has('warn'), we = set.has('error');
  return (sev) => {
    if (sev >= 400 && sev < 500) return w4;
    if (sev >= 500 && sev < 600) return w5;
    if (sev === -4) return ww;
    if (sev <= -5) return we;
    return false;
  };
}

/** CSS class describing a severity code. */
export function severityClass(sev) {
  if (sev >= 500) return 'st5';
  if (sev >= 400) return 'st4';
  if (sev >= 300) return 'st3';
  if (sev >= 200) return 'st2';
  if (sev >= 100) return 'st1';
  if (sev < 0) return 'lv-' + levelName(sev);
  return '';
}
