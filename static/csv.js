/* csv.js: pure: CSV text (RFC 4180, CRLF line ends) that a spreadsheet
 * opens safely: every field quoted, and a field that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return prefixed with `'`, so that it is not
 * read as a formula (src/http/export.rs writes the lines' CSV by the same
 * rule). And a report (report-model.js checkReport) as one CSV table with a
 * `panel` column (docs/protocol.md, "Exports"). No DOM (unit tested in
 * tests/ui/csv.test.mjs).
 */
import { PANELS } from './report-model.js';

/** One field, quoted and made safe. */
export function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return '"' + (/^[=+\-@\t\r]/.test(s) ? "'" : '') + s.replace(/"/g, '""') + '"';
}

/** One row of fields, with its line end. */
export function csvRow(fields) {
  return fields.map(csvField).join(',') + '\r\n';
}

/** Unix seconds as RFC 3339 in UTC (2026-12-02T14:00:00Z); '' for none. */
export function isoTime(t) {
  return Number.isFinite(t) ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : '';
}

export const REPORT_COLUMNS = ['panel', 'name', 'value', 'bytes', 'method', 'protocol'];

/**
 * A report as one CSV table, a row per number, REPORT_COLUMNS: `summary`
 * rows (stream, filter, from, to, first, last, requests, valid, bad,
 * visitors, visitors_exact, bytes, scanned, total, truncated, budget,
 * failed, and each panel's `.distinct` and `.untracked`), `status` (code,
 * count), `rt` and `ut` (p50, p95, p99 in seconds), `hours` (hour of the
 * day, hits, bytes), `series` (a point's start as RFC 3339, requests,
 * bytes), then each panel's items (value, hits, bytes; method and protocol
 * for the request panels).
 */
export function reportCsv(r) {
  const rows = [REPORT_COLUMNS];
  const sum = (name, value, bytes) => rows.push(['summary', name, value, bytes === undefined ? '' : bytes, '', '']);
  sum('stream', r.stream);
  sum('filter', r.filter);
  for (const k of ['from', 'to', 'first', 'last']) sum(k, isoTime(r[k]));
  for (const k of ['requests', 'valid', 'bad', 'visitors']) sum(k, r[k]);
  sum('visitors_exact', String(r.visitorsExact));
  sum('bytes', '', r.bytes);
  sum('scanned', '', r.scanned);
  sum('total', '', r.total);
  sum('truncated', String(r.truncated));
  if (r.budget) sum('budget', r.budget);
  if (r.failed.length) sum('failed', r.failed.join('; '));
  for (const [key] of PANELS) {
    sum(key + '.distinct', r.panels[key].distinct);
    sum(key + '.untracked', r.panels[key].untracked);
  }
  for (const [code, n] of r.status) rows.push(['status', String(code), n, '', '', '']);
  for (const k of ['rt', 'ut']) {
    if (r[k]) ['p50', 'p95', 'p99'].forEach((p, i) => rows.push([k, p, r[k][i] === null ? '' : r[k][i], '', '', '']));
  }
  r.hours.forEach((h, i) => rows.push(['hours', String(i).padStart(2, '0'), h.hits, h.bytes, '', '']));
  r.series.points.forEach((p, i) => rows.push(['series', isoTime(r.series.start + i * r.series.step), p.n, p.bytes, '', '']));
  for (const [key] of PANELS) {
    for (const x of r.panels[key].items) rows.push([key, x.value, x.hits, x.bytes, x.method, x.protocol]);
  }
  return rows.map(csvRow).join('');
}
