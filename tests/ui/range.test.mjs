// Unit tests of static/range.js: the statistics panel's ranges, their spans
// and the requests they make (/report, and /search for an export of lines).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LIVE, customRange, isCustom, linesQuery, parseRange, rangeLabel, reportFilter, reportQuery, spanOf,
} from '../../static/range.js';

describe('ranges', () => {
  it('reads the spans before now and custom spans, live for anything else', () => {
    for (const r of ['15m', '1h', '6h', '24h', '7d', '100-200']) assert.equal(parseRange(r), r);
    for (const r of ['', null, 'live', '2h', '200-100', '5-5', '1-x', '-1-5', '1h ', 'toString', '__proto__']) assert.equal(parseRange(r), LIVE, String(r));
  });

  it('gives a range its span at a moment, both ends inclusive', () => {
    assert.equal(spanOf(LIVE, 1000), null);
    assert.deepEqual(spanOf('15m', 10000), { from: 9100, to: 10000 });
    assert.deepEqual(spanOf('7d', 1e6), { from: 1e6 - 604800, to: 1e6 });
    assert.deepEqual(spanOf('100-200', 1e6), { from: 100, to: 200 });
  });

  it('makes a custom range of a drag: ordered, whole seconds, never empty', () => {
    assert.equal(customRange(200.7, 100.2), '100-201');
    assert.equal(customRange(50, 50.4), '50-52');
    assert.ok(isCustom(customRange(1, 9)));
    assert.ok(!isCustom('1h'));
    assert.equal(parseRange(customRange(7, 3)), '3-7');
  });

  it('says what a range is', () => {
    assert.equal(rangeLabel('1h'), 'last 1 h');
    assert.equal(rangeLabel(LIVE), 'live');
    const t = new Date(2026, 11, 2, 14, 0, 0).getTime() / 1000;
    assert.equal(rangeLabel(`${t}-${t + 3600}`), '2026-12-02 14:00 – 15:00');
    assert.equal(rangeLabel(`${t}-${t + 86400 + 30}`), '2026-12-02 14:00 – 2026-12-03 14:00:30');
  });
});

describe('the requests of a range', () => {
  it('sends the filter box\'s terms as a report\'s filter, leaving out what a report cannot take', () => {
    assert.deepEqual(reportFilter('status:5xx  path:/api/* timeout'), { filter: 'status:5xx path:/api/* timeout', dropped: [] });
    assert.deepEqual(reportFilter('/tim(e|ed)out/i status:5xx !/bot/'), { filter: 'status:5xx', dropped: ['/tim(e|ed)out/i', '!/bot/'] });
    assert.deepEqual(reportFilter('ua:"a b" "GET /x"'), { filter: 'ua:"a b" "GET /x"', dropped: [] });
  });

  it('asks /report for a stream, a span and a filter', () => {
    assert.equal(reportQuery('access', { from: 100, to: 200 }, 'status:5xx'), 'report?stream=access&from=100&to=200&filter=status%3A5xx');
    assert.equal(reportQuery('a b', null, ''), 'report?stream=a+b');
  });

  it('asks /search for the lines to download, the filter\'s words as its query', () => {
    const q = new URLSearchParams(linesQuery('access', { from: 1, to: 2 }, 'Timeout status:5xx', 'csv').replace(/^search\?/, ''));
    assert.deepEqual(Object.fromEntries(q), { stream: 'access', q: 'Timeout', filter: 'status:5xx', from: '1', to: '2', limit: '100000', format: 'csv' });
    const r = new URLSearchParams(linesQuery('access', { from: 1, to: 2 }, '/x+/', 'ndjson').replace(/^search\?/, ''));
    assert.equal(r.get('regex'), '1');
    assert.equal(r.get('q'), 'x+');
    assert.equal(r.get('format'), 'ndjson');
  });
});
