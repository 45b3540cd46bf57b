// Unit tests of static/report-model.js: a /report answer checked and made
// into what the panel shows, and its failures in words.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PANELS, chartData, checkReport, endNote, failureText, panelRows, statusRows, totals,
} from '../../static/report-model.js';
import { sample } from './report-sample.mjs';

describe('a report checked', () => {
  it('keeps what the server sent and gives every panel defaults', () => {
    const r = checkReport(sample());
    assert.equal(r.requests, 12);
    assert.equal(r.visitorsExact, true);
    assert.deepEqual(Object.keys(r.panels), PANELS.map((p) => p[0]));
    assert.deepEqual(r.panels.static, { items: [], distinct: 0, untracked: 0 });
    assert.equal(r.hours.length, 24);
    assert.equal(r.series.points[1].classes[4], 1);
  });

  it('refuses what is no report', () => {
    for (const m of [null, {}, { type: 'progress' }, { type: 'report' }]) assert.equal(checkReport(m), null);
  });

  it('drops malformed parts rather than showing them', () => {
    const r = checkReport(sample({ status: [[200, 1], 'x', [404]], hours: [1, 2], rt: [1, 'a', 2], panels: { hosts: { items: [{ hits: 3 }, { value: 'a', hits: 'x' }] } } }));
    assert.deepEqual(r.status, [[200, 1]]);
    assert.deepEqual(r.hours, []);
    assert.equal(r.rt, null);
    assert.deepEqual(r.panels.hosts.items, [{ value: 'a', method: '', protocol: '', hits: 0, bytes: 0 }]);
  });
});

describe('what the panel shows of a report', () => {
  it('totals, a visitors count that is a lower bound said so', () => {
    assert.deepEqual(totals(checkReport(sample())).map(([l, t]) => [l, t]), [['requests', '12'], ['valid', '11'], ['bad', '1'], ['visitors', '3'], ['bytes', '4.9 KiB']]);
    assert.equal(totals(checkReport(sample({ visitors_exact: false, visitors: 500000 })))[3][1], '≥ 500,000');
  });

  it('statuses most first', () => {
    assert.deepEqual(statusRows(checkReport(sample({ status: [[200, 3], [404, 9], [500, 3]] }))), [['404', 9], ['200', 3], ['500', 3]]);
  });

  it('the series as the live chart draws it: rates per second, a point every step', () => {
    const d = chartData(checkReport(sample()));
    assert.deepEqual(d.t, [1000, 1004]);
    assert.deepEqual(d.classes[1], [1.5, 0.5]);
    assert.deepEqual(d.classes[4], [0, 0.25]);
    assert.deepEqual(d.lo, [2, 0.75]);
    assert.deepEqual(d.hi, d.lo);
    assert.deepEqual(d.step, [4, 4]);
    assert.equal(d.width, 4);
    assert.deepEqual([d.from, d.to], [1000, 1100]);
    assert.equal(d.hasRt, false);
  });

  it('a panel\'s rows: request lines whole, a click filtering by the path without its query, untracked hits said', () => {
    const r = checkReport(sample());
    const req = panelRows(r, 'requests');
    assert.deepEqual(req.rows[0], { label: 'GET /api?x=1 HTTP/1.1', value: '/api?x=1', hits: 6, bytes: 3000, filter: ['path', '/api'] });
    assert.equal(req.note, '4 distinct values, 1 listed');
    assert.deepEqual(panelRows(r, 'hosts').rows[0].filter, ['addr', '10.0.0.1']);
    assert.equal(panelRows(r, 'os').rows[0].filter, null);
    assert.match(panelRows(r, 'bandwidth').note, /^60,000 distinct values, 1 listed; 17 hits untracked/);
  });

  it('what a report leaves out', () => {
    assert.equal(endNote(checkReport(sample())), '');
    const cut = checkReport(sample({ truncated: true, budget: 'time', failed: ['access.log.3.gz: corrupt deflate data'] }));
    assert.equal(endNote(cut), 'stopped early by the time budget: the numbers cover the newest lines read (80% of the files)'
      + ' · not read to their end: access.log.3.gz: corrupt deflate data');
  });

  it('failures in words', () => {
    assert.match(failureText(429, '4 searches run already; try again shortly\n'), /^The server is busy \(4 searches run already; try again shortly\)\. Try again in a moment\.$/);
    assert.equal(failureText(400, 'filter=: rt>soon: not a number\n'), 'The server refused the query: filter=: rt>soon: not a number');
    assert.match(failureText(403, ''), /turned off/);
    assert.equal(failureText(500, ''), 'The report failed: HTTP 500');
  });

});
