// Unit tests of static/when.js: the time picker's moments, in a fixed time zone.
process.env.TZ = 'Europe/Berlin';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localText, parseMoment, unixTime } from '../../static/when.js';

// 2026-11-30 15:30:00 in Berlin (UTC+1 in winter)
const NOW = new Date(Date.UTC(2026, 10, 30, 14, 30, 0));
const at = (s) => localText(parseMoment(s, NOW).t);

describe('time picker', () => {
  it('reads a clock time as today, or yesterday when it is still to come', () => {
    assert.equal(at('14:02'), '2026-11-30 14:02:00');
    assert.equal(at('14:02:30'), '2026-11-30 14:02:30');
    assert.equal(at(' 9:05 '), '2026-11-30 09:05:00');
    assert.equal(at('15:30'), '2026-11-30 15:30:00');
    assert.equal(at('23:55'), '2026-11-29 23:55:00');
    assert.equal(parseMoment('14:02', NOW).t, Date.UTC(2026, 10, 30, 13, 2) / 1000);
  });

  it('reads yesterday, today and dates, in the browser time zone', () => {
    assert.equal(at('yesterday 23:55'), '2026-11-29 23:55:00');
    assert.equal(at('Yesterday  08:00:01'), '2026-11-29 08:00:01');
    assert.equal(at('yesterday'), '2026-11-29 00:00:00');
    assert.equal(at('today 09:00'), '2026-11-30 09:00:00');
    assert.equal(at('2026-11-30 14:02'), '2026-11-30 14:02:00');
    assert.equal(at('2026-11-30T14:02:09'), '2026-11-30 14:02:09');
    assert.equal(at('2026-07-01 12:00'), '2026-07-01 12:00:00');
    assert.equal(parseMoment('2026-07-01 12:00', NOW).t, Date.UTC(2026, 6, 1, 10, 0) / 1000, 'summer time: UTC+2');
    assert.equal(at('2026-12-01'), '2026-12-01 00:00:00');
  });

  it('crosses month and year ends for yesterday', () => {
    const jan1 = new Date(Date.UTC(2027, 0, 1, 0, 30)); // 01:30 in Berlin
    assert.equal(localText(parseMoment('yesterday 23:55', jan1).t), '2026-12-31 23:55:00');
    assert.equal(localText(parseMoment('02:00', jan1).t), '2026-12-31 02:00:00');
  });

  it('reads durations before now and unix seconds', () => {
    const now = NOW.getTime() / 1000;
    assert.equal(parseMoment('-15m', NOW).t, now - 900);
    assert.equal(parseMoment('2h ago', NOW).t, now - 7200);
    assert.equal(parseMoment('-1d', NOW).t, now - 86400);
    assert.equal(parseMoment('1796025723', NOW).t, 1796025723);
  });

  it('refuses what is not a time', () => {
    for (const s of ['', 'noon', '25:00', '14:60', '2026-02-30 10:00', '2026-11-30 14', 'yesterday 24:00', '14:02 tomorrow']) {
      assert.ok(parseMoment(s, NOW).error, s);
    }
  });

  it('reads the times written in log lines', () => {
    assert.equal(unixTime('30/Nov/2026:14:02:03 +0000'), Date.UTC(2026, 10, 30, 14, 2, 3) / 1000);
    assert.equal(unixTime('30/Nov/2026:14:02:03 +0100'), Date.UTC(2026, 10, 30, 13, 2, 3) / 1000);
    assert.equal(unixTime('2026-11-30T14:02:03+00:00'), Date.UTC(2026, 10, 30, 14, 2, 3) / 1000);
    assert.equal(unixTime('1796025723.123'), 1796025723);
    assert.equal(unixTime('2026/11/30 15:02:03'), Date.UTC(2026, 10, 30, 14, 2, 3) / 1000);
    assert.equal(unixTime('-'), null);
    assert.equal(unixTime(''), null);
  });
});
