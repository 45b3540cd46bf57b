// Unit tests of static/csv.js: CSV fields quoted and safe from formula
// injection, and a report as one table with a panel column.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REPORT_COLUMNS, csvField, csvRow, isoTime, reportCsv } from '../../static/csv.js';
import { checkReport } from '../../static/report-model.js';
import { sample } from './report-sample.mjs';

/** Reads CSV text back (RFC 4180: quoted fields, "" for a quote, CRLF rows). */
function parse(text) {
  const rows = [];
  let row = [], f = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(f); rows.push(row); row = []; f = ''; i++; } else f += c;
  }
  return rows;
}

describe('csv', () => {
  it('quotes every field, doubling quotes; commas, quotes and line ends stay inside', () => {
    assert.equal(csvRow(['a', 'b,c', 'say "hi"', 'x\ny', 3, null]), '"a","b,c","say ""hi""","x\ny","3",""\r\n');
    assert.deepEqual(parse(csvRow(['a', 'b,c', 'say "hi"', 'x\r\ny'])), [['a', 'b,c', 'say "hi"', 'x\r\ny']]);
  });

  it('neutralises what a spreadsheet reads as a formula', () => {
    for (const v of ['=1+2', '+1', '-1', '@SUM(A1:A2)', '\tx', '\rx', '=HYPERLINK("http://x","y")']) {
      assert.equal(csvField(v), '"\'' + v.replace(/"/g, '""') + '"', v);
    }
    for (const v of ['a=1', '1-2', 'x@y', ' =1']) assert.equal(csvField(v), '"' + v + '"', v);
  });

  it('writes times in RFC 3339, UTC', () => {
    assert.equal(isoTime(1796220000), '2026-12-02T14:00:00Z');
    assert.equal(isoTime(null), '');
  });

  it('writes a report as one table: a row per number, a panel column', () => {
    const rows = parse(reportCsv(checkReport(sample({ budget: 'bytes', truncated: true }))));
    assert.deepEqual(rows[0], REPORT_COLUMNS);
    const get = (panel, name) => rows.find((r) => r[0] === panel && r[1] === name);
    assert.deepEqual(get('summary', 'requests'), ['summary', 'requests', '12', '', '', '']);
    assert.deepEqual(get('summary', 'bytes'), ['summary', 'bytes', '', '5000', '', '']);
    assert.deepEqual(get('summary', 'from'), ['summary', 'from', '1970-01-01T00:16:40Z', '', '', '']);
    assert.deepEqual(get('summary', 'truncated'), ['summary', 'truncated', 'true', '', '', '']);
    assert.deepEqual(get('summary', 'budget'), ['summary', 'budget', 'bytes', '', '', '']);
    assert.deepEqual(get('summary', 'bandwidth.untracked'), ['summary', 'bandwidth.untracked', '17', '', '', '']);
    assert.deepEqual(get('status', '404'), ['status', '404', '2', '', '', '']);
    assert.deepEqual(get('rt', 'p99'), ['rt', 'p99', '0.9', '', '', '']);
    assert.equal(get('ut', 'p50'), undefined, 'no upstream times, no rows');
    assert.deepEqual(get('hours', '14'), ['hours', '14', '11', '5000', '', '']);
    assert.equal(rows.filter((r) => r[0] === 'hours').length, 24);
    assert.deepEqual(rows.filter((r) => r[0] === 'series'), [['series', '1970-01-01T00:16:40Z', '8', '4000', '', ''], ['series', '1970-01-01T00:16:44Z', '3', '1000', '', '']]);
    assert.deepEqual(get('requests', '/api?x=1'), ['requests', '/api?x=1', '6', '3000', 'GET', 'HTTP/1.1']);
    assert.deepEqual(get('not_found', '/gone'), ['not_found', '/gone', '2', '10', 'GET', 'HTTP/2']);
    assert.ok(rows.every((r) => r.length === REPORT_COLUMNS.length));
  });

  it('neutralises a report\'s values too', () => {
    const r = checkReport(sample({ panels: { vhosts: { items: [{ value: '=cmd|"/c calc"!A1', hits: 1, bytes: 2 }], distinct: 1, untracked: 0 } } }));
    const rows = parse(reportCsv(r));
    assert.deepEqual(rows.find((x) => x[0] === 'vhosts'), ['vhosts', '\'=cmd|"/c calc"!A1', '1', '2', '', '']);
  });
});
