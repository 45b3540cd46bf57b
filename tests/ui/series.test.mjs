// Unit tests of static/series.js: merging the server's stats messages per
// stream, the figures of the last minute and the charts' hour.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as series from '../../static/series.js';

const NOW = 1764499200;
const pt = (t, n, classes = [0, n, 0, 0, 0], extra = {}) => ({ t, n, bad: 0, bytes: n * 100, classes, rt: [0.01, 0.05, 0.1], ut: null, ...extra });

/** A first message: `secs` seconds (one request each) and `mins` minutes before now. */
function first(secs, mins, now = NOW) {
  const seconds = [];
  for (let t = now - secs; t < now; t++) seconds.push(pt(t, 1));
  const minutes = [];
  for (let k = mins; k >= 1; k--) minutes.push(pt(now - now % 60 - k * 60, 60));
  return {
    type: 'stats', stream: 'access', now, window: 600, seconds, minutes,
    status: [[200, 500], [404, 3]], latency: { rt: [0.011, 0.048, 0.131], ut: null },
    top: { path: [['/api', 10], ['/', 5]], host: [], addr: [['203.0.113.7', 9]], ua: [], upstream: [] },
  };
}

describe('series', () => {
  beforeEach(() => series.reset());

  it('keeps the first message: seconds of the window, minutes of the hour, window figures', () => {
    const s = series.add(first(600, 60));
    assert.equal(s, series.of('access'));
    assert.equal(s.seconds.length, 600);
    assert.equal(s.minutes.length, 60);
    assert.deepEqual(s.status, [[200, 500], [404, 3]]);
    assert.deepEqual(series.top(s, 'path'), [['/api', 10], ['/', 5]]);
    assert.deepEqual(series.top(s, 'ua'), []);
    assert.deepEqual(series.top(s, 'nope'), []);
    assert.deepEqual(series.topWithError(s, 'path'), [['/api', 10, 0], ['/', 5, 0]]);
    assert.equal(series.of('other'), null);
  });

  it('appends later seconds and minutes, replaces a point it has, and drops what left the window', () => {
    series.add(first(600, 60));
    const s = series.add({ stream: 'access', now: NOW + 1, window: 600, seconds: [pt(NOW, 7)], minutes: [], status: [[200, 501]], latency: {}, top: {} });
    assert.equal(s.seconds.length, 600, 'the oldest second left');
    assert.equal(s.seconds[599].n, 7);
    assert.equal(s.seconds[0].t, NOW + 1 - 600);
    series.add({ stream: 'access', now: NOW + 1, seconds: [pt(NOW, 9)], minutes: [pt(NOW - 60, 100)] });
    assert.equal(s.seconds[599].n, 9, 'same t: replaced');
    assert.equal(s.seconds.length, 600);
    assert.equal(s.minutes[s.minutes.length - 1].n, 100);
    assert.deepEqual(s.status, [[200, 501]], 'status from the last message that had it');
    const t = s.seconds.map((p) => p.t);
    assert.deepEqual(t, [...t].sort((a, b) => a - b), 'in order');
  });

  it('puts points that come out of order in their place', () => {
    series.add({ stream: 'x', now: NOW, seconds: [pt(NOW - 1, 1), pt(NOW - 5, 5), pt(NOW - 3, 3)] });
    assert.deepEqual(series.of('x').seconds.map((p) => p.n), [5, 3, 1]);
  });

  it('ignores what is not a point, and fills what a point lacks', () => {
    const s = series.add({ stream: 'p', now: NOW, seconds: [null, { n: 3 }, { t: NOW - 1, n: 'x' }, { t: NOW - 2, n: 4, classes: [1], rt: [1, 2] }] });
    assert.equal(s.seconds.length, 2);
    assert.deepEqual(s.seconds[0], { t: NOW - 2, n: 4, bad: 0, bytes: 0, classes: [1, 0, 0, 0, 0], rt: null, ut: null, late: 0, old: 0 });
    assert.equal(series.add({ type: 'stats' }), null);
  });

  it('keeps each top count\'s error bound, and the late and old lines of the points', () => {
    const m = first(60, 0);
    m.top_error = { path: [3, 'x'], addr: [0] };
    m.top.path.push(['bad']);
    m.seconds[59].late = 4;
    m.seconds[58].old = 2;
    const s = series.add(m);
    assert.deepEqual(series.topWithError(s, 'path'), [['/api', 10, 3], ['/', 5, 0]]);
    assert.deepEqual(series.topWithError(s, 'addr'), [['203.0.113.7', 9, 0]]);
    assert.deepEqual(series.recent(s, 60), { n: 60, c4: 0, c5: 0, bad: 0, late: 4, old: 2, secs: 60 });
    series.add({ stream: 'access', now: NOW, top: { path: [['/api', 11]] } });
    assert.deepEqual(series.topWithError(s, 'path'), [['/api', 11, 0]], 'a message without top_error: exact counts');
  });

  it('gives the requests of the last minute', () => {
    const s = series.add(first(600, 0));
    s.seconds[599].bad = 2;
    s.seconds[598].classes = [0, 0, 0, 1, 0];
    s.seconds[597].classes = [0, 0, 0, 0, 1];
    s.seconds[500].classes = [0, 0, 0, 0, 1];
    assert.deepEqual(series.recent(s, 60), { n: 60, c4: 1, c5: 1, bad: 2, late: 0, old: 0, secs: 60 });
  });

  it('charts the hour: minutes before the seconds, seconds filled with none, rates per second', () => {
    const s = series.add(first(300, 60));
    const c = series.chart(s);
    assert.equal(c.to, NOW);
    assert.equal(c.from, NOW - 3600);
    const minutes = c.step.filter((x) => x === 60).length;
    assert.equal(c.step.length, minutes + 600, 'every second of the window');
    assert.ok(minutes >= 49 && minutes <= 50, `${minutes} minutes before the seconds`);
    assert.equal(c.t[minutes], NOW - 600);
    assert.ok(c.t.every((t, i) => i === 0 || t > c.t[i - 1]));
    assert.equal(c.classes[1][0], 1, '60 a minute is 1/s');
    assert.equal(c.classes[1][minutes], 0, 'a second the server did not send');
    assert.equal(c.classes[1][c.t.length - 1], 1);
    assert.deepEqual(c.rt.map((a) => a[a.length - 1]), [0.01, 0.05, 0.1]);
    assert.equal(c.rt[0][minutes], null);
    assert.equal(c.hasUt, false);
    assert.equal(c.hasRt, true);
  });

  it('charts a young daemon from its first point, at least MIN_SPAN seconds', () => {
    const c = series.chart(series.add(first(30, 0)));
    assert.equal(c.from, NOW - series.MIN_SPAN);
    assert.equal(c.t.length, series.MIN_SPAN);
    series.reset();
    const d = series.chart(series.add(first(600, 12)));
    assert.equal(d.from, d.t[0]);
    assert.ok(NOW - d.from > 600 && NOW - d.from <= 600 + 13 * 60);
    const e = series.chart(series.add({ stream: 'u', now: NOW, seconds: [pt(NOW - 1, 1, undefined, { ut: [0.1, null, null] })] }));
    assert.equal(e.hasUt, true);
    const f = series.chart(series.add({ stream: 'combined', now: NOW, seconds: [{ t: NOW - 1, n: 3, classes: [0, 3, 0, 0, 0] }] }));
    assert.equal(f.hasRt || f.hasUt, false, 'no latency to chart');
    assert.deepEqual(series.chart(null).t, []);
  });

  it('keeps the streams of a new hello and forgets everything on reset', () => {
    series.add(first(10, 0));
    series.add({ stream: 'gone', now: NOW, seconds: [] });
    series.keep(['access']);
    assert.ok(series.of('access'));
    assert.equal(series.of('gone'), null);
    series.reset();
    assert.equal(series.of('access'), null);
  });
});

describe('points aggregated to the chart\'s width', () => {
  it('picks the smallest point width that gives at most a point a pixel', () => {
    assert.equal(series.pointWidth(120, 360), 1);
    assert.equal(series.pointWidth(3600, 360), 10);
    assert.equal(series.pointWidth(3600, 100), 60);
    assert.equal(series.pointWidth(3600, 0), 300);
  });

  it('averages the rates, keeps the least and greatest total and the greatest latency, minutes and seconds alike', () => {
    const c = {
      from: 0, to: 80, hasRt: true, hasUt: false,
      // a minute at 2/s, then 20 seconds: 1/s, 5/s, then nothing
      t: [0, 60, 61, 62], step: [60, 1, 1, 1],
      classes: [[0, 0, 0, 0], [2, 1, 4, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
      rt: [[0.1, 0.2, 0.3, null], [0.2, 0.3, 0.4, null], [0.5, 0.6, 2.5, null]],
      ut: [[null, null, null, null], [null, null, null, null], [null, null, null, null]],
    };
    const a = series.aggregate(c, 30);
    assert.deepEqual(a.t, [0, 30, 60]);
    assert.deepEqual(a.step, [30, 30, 30]);
    assert.deepEqual(a.classes[1], [2, 2, 5 / 3]);
    assert.deepEqual(a.classes[2], [0, 0, 1 / 3]);
    assert.deepEqual(a.lo, [2, 2, 0]);
    assert.deepEqual(a.hi, [2, 2, 5]);
    assert.deepEqual(a.rt[2], [0.5, 0.5, 2.5], 'p99: the greatest');
    assert.deepEqual(a.ut[0], [null, null, null]);
    const one = series.aggregate(c, 1);
    assert.equal(one.t.length, 63, 'a minute is sixty points of its rate at one second');
    assert.equal(one.classes[1][10], 2);
  });
});
