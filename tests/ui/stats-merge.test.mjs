// Unit tests of static/stats-merge.js: a merged tab's statistics from its
// hosts': sums, points aligned by `t`, top lists merged with honest error
// bounds, latency percentiles as labelled upper bounds, and a stale host
// that does not hold the rest back. Also series.js merged(), which feeds it
// the hosts' states.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as merge from '../../static/stats-merge.js';
import * as series from '../../static/series.js';

const NOW = 1764499200;
const pt = (t, n, extra = {}) => series.point({ t, n, bad: 0, bytes: n * 100, classes: [0, n, 0, 0, 0], rt: [0.01, 0.05, 0.1], ut: null, ...extra });

/** A host's state as series.js keeps it. */
function state(extra = {}) {
  return { seconds: [], minutes: [], now: NOW, window: 600, status: [], latency: {}, top: {}, topError: {}, messages: 1, ...extra };
}

describe('stats-merge', () => {
  it('sums points aligned by t, whatever each host has', () => {
    const a = [pt(NOW - 3, 2), pt(NOW - 2, 3, { bad: 1, late: 2 })];
    const b = [pt(NOW - 2, 5, { classes: [0, 1, 0, 0, 4], old: 1 }), pt(NOW - 1, 7)];
    const got = merge.sumPoints([a, b]);
    assert.deepEqual(got.map((p) => p.t), [NOW - 3, NOW - 2, NOW - 1]);
    assert.deepEqual(got.map((p) => p.n), [2, 8, 7]);
    const mid = got[1];
    assert.equal(mid.bad, 1);
    assert.equal(mid.bytes, 800);
    assert.deepEqual(mid.classes, [0, 4, 0, 0, 4]);
    assert.equal(mid.late, 2);
    assert.equal(mid.old, 1);
    assert.deepEqual(merge.sumPoints([a, b], NOW - 2, NOW - 1).map((p) => p.t), [NOW - 2], 'from included, to excluded');
  });

  it('takes the greatest of each percentile of a point, null where no host has one', () => {
    const a = [pt(NOW - 1, 1, { rt: [0.01, 0.2, 0.3], ut: null })];
    const b = [pt(NOW - 1, 1, { rt: [0.02, 0.1, null], ut: null })];
    const [p] = merge.sumPoints([a, b]);
    assert.deepEqual(p.rt, [0.02, 0.2, 0.3]);
    assert.equal(p.ut, null);
  });

  it('sums status counts by code', () => {
    assert.deepEqual(merge.sumStatus([[[200, 9], [503, 3]], [[200, 9], [404, 1]], []]), [[200, 18], [404, 1], [503, 3]]);
  });

  it('merges top lists by value, summing counts and errors, as long as the longest list', () => {
    const got = merge.mergeTop([
      [['/a', 5, 0], ['/b', 3, 1]],
      [['/b', 4, 2], ['/c', 1, 0]],
      [['/a', 1, 0]],
    ]);
    assert.deepEqual(got, [['/b', 7, 3], ['/a', 6, 0]], 'short lists list every value: a value missing there counts 0');
  });

  it('adds a full list\'s last count to a value it leaves out, as count and as error', () => {
    const full = Array.from({ length: merge.TOP_N }, (_, i) => ['/x' + i, 20 - i, 0]); // last count 11
    const got = merge.mergeTop([full, [['/y', 30, 0], ['/x0', 2, 0]]]);
    assert.equal(got.length, merge.TOP_N);
    assert.deepEqual(got[0], ['/y', 41, 11], '/y: 30 here, up to 11 where the full list leaves it out');
    assert.deepEqual(got[1], ['/x0', 22, 0], 'in both lists: exact');
    // The true count of /y is between 30 and 41: count - error and count.
    const y = got[0];
    assert.ok(y[1] - y[2] <= 30 && 30 + 11 <= y[1]);
  });

  it('gives each percentile the highest host\'s, with that host', () => {
    const got = merge.latencyBound([
      { host: 'web-1', latency: { rt: [0.01, 0.05, 0.212], ut: null } },
      { host: 'web-2', latency: { rt: [0.02, 0.04, 0.1], ut: [0.01, 0.02, 0.03] } },
      { host: 'web-3', latency: {} },
    ]);
    assert.equal(got.bound, true);
    assert.deepEqual(got.rt, [0.02, 0.05, 0.212]);
    assert.deepEqual(got.from.rt, ['web-2', 'web-1', 'web-1']);
    assert.deepEqual(got.ut, [0.01, 0.02, 0.03]);
    assert.deepEqual(got.from.ut, ['web-2', 'web-2', 'web-2']);
    assert.deepEqual(merge.latencyBound([{ host: 'a', latency: {} }]).rt, null);
  });

  it('labels a merged percentile as an upper bound, naming the highest host', () => {
    const l = merge.boundLabel(2, 0.212, 'web-2');
    assert.equal(l.text, '≤ 212 ms');
    assert.match(l.title, /^p99 ≤ 212 ms \(highest host: web-2\)/);
    assert.match(l.title, /at most/);
    assert.deepEqual(merge.boundLabel(0, 0.012, null, false), { text: '12 ms', title: '' }, 'one stream: the value as is');
    assert.equal(merge.boundLabel(1, null, 'web-1').text, '–');
  });

  it('merges hosts\' states: sums over the window, the oldest now of the hosts up to date', () => {
    const a = state({ now: NOW, seconds: [pt(NOW - 2, 1), pt(NOW - 1, 2)], minutes: [pt(NOW - 600, 60)], status: [[200, 3]],
      latency: { rt: [0.01, 0.02, 0.2], ut: null }, top: { path: [['/a', 3]] }, topError: { path: [0] }, messages: 3 });
    const b = state({ now: NOW - 1, seconds: [pt(NOW - 2, 4)], minutes: [pt(NOW - 600, 30)], status: [[200, 1], [503, 3]],
      latency: { rt: [0.02, 0.03, 0.1], ut: null }, top: { path: [['/a', 1], ['/b', 3]] }, topError: { path: [0, 0] }, messages: 2 });
    const m = merge.merge([{ host: 'web-1', s: a }, { host: 'web-2', s: b }, { host: 'web-3', s: null }]);
    assert.equal(m.merged, true);
    assert.equal(m.hosts, 2, 'web-3 has no statistics yet');
    assert.equal(m.now, NOW - 1, 'web-2 a second behind: its last second is not in yet');
    assert.deepEqual(m.seconds.map((p) => [p.t, p.n]), [[NOW - 2, 5]], 'web-1\'s second NOW-1 waits for web-2\'s');
    assert.deepEqual(m.minutes.map((p) => [p.t, p.n]), [[NOW - 600, 90]]);
    assert.deepEqual(m.status, [[200, 4], [503, 3]]);
    assert.deepEqual(series.topWithError(m, 'path'), [['/a', 4, 0], ['/b', 3, 0]]);
    assert.deepEqual(m.latency.rt, [0.02, 0.03, 0.2]);
    assert.equal(m.messages, 5);
    assert.deepEqual(m.stale, []);
    assert.deepEqual(series.recent(m, 60), { n: 5, c4: 0, c5: 0, bad: 0, late: 0, old: 0, secs: 60 });
    assert.equal(merge.merge([{ host: 'x', s: null }]), null);
  });

  it('does not freeze on a host whose statistics stopped: its points age out, its window counts while it overlaps', () => {
    const live = state({ now: NOW, seconds: [pt(NOW - 1, 2)], status: [[200, 2]] });
    const gone = state({ now: NOW - 100, seconds: [pt(NOW - 101, 50)], status: [[500, 50]] });
    const m = merge.merge([{ host: 'web-1', s: live }, { host: 'web-2', s: gone }]);
    assert.equal(m.now, NOW, 'the stale host does not hold the merged now back');
    assert.deepEqual(m.stale, [{ host: 'web-2', behind: 100, counted: true }]);
    assert.equal(series.recent(m, 60).n, 2, 'its last seconds are out of the last minute');
    assert.equal(series.recent(m, 600).n, 52, 'and still in the window');
    assert.deepEqual(m.status, [[200, 2], [500, 50]]);
    const long = merge.merge([{ host: 'web-1', s: live }, { host: 'web-2', s: { ...gone, now: NOW - 700 } }]);
    assert.deepEqual(long.stale, [{ host: 'web-2', behind: 700, counted: false }]);
    assert.deepEqual(long.status, [[200, 2]], 'a window that no longer overlaps is left out');
  });
});

describe('series.merged', () => {
  beforeEach(() => series.reset());
  const msg = (stream, n, status) => ({ type: 'stats', stream, now: NOW, window: 600, seconds: [{ t: NOW - 1, n, bad: 0, bytes: 0, classes: [0, n, 0, 0, 0], rt: null, ut: null }], minutes: [], status, latency: {}, top: {}, top_error: {} });
  const g = { ids: ['web-1/access', 'web-2/access'], hosts: ['web-1', 'web-2'] };

  it('merges the hosts\' streams, anew only when one of them got a message', () => {
    assert.equal(series.merged(g), null);
    series.add(msg('web-1/access', 3, [[200, 3]]));
    const one = series.merged(g);
    assert.equal(one.hosts, 1);
    assert.equal(series.merged(g), one, 'the same until a message');
    series.add(msg('web-2/access', 4, [[200, 1], [404, 3]]));
    const two = series.merged(g);
    assert.notEqual(two, one);
    assert.deepEqual(two.status, [[200, 4], [404, 3]]);
    assert.equal(series.recent(two, 60).n, 7);
  });
});
