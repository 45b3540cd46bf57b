// Unit tests of static/store.js: bounded rings, streams, entries, caps.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as store from '../../static/store.js';
import { EVENT, GAP, LINE, NOTE, Ring, STORE_PER_VIEW, lowerBound } from '../../static/store.js';

const access = (status, path = '/') => `10.0.0.7 - - [24/Nov/2026:11:02:03 +0000] "GET ${path} HTTP/1.1" ${status} 612 "-" "curl/8.5.0"`;
const HELLO = [
  { id: 'access', path: '/var/log/nginx/access.log', format: 'nginx-combined', seq: 0 },
  { id: 'error', path: '/var/log/nginx/error.log', format: 'nginx-error', seq: 0 },
];

describe('Ring', () => {
  it('keeps the newest `cap` items, trimming in chunks', () => {
    const r = new Ring(8);
    for (let i = 1; i <= 10; i++) r.push(i);
    // 10 <= 8 + 8/4: not trimmed yet, but only the newest 8 count
    assert.equal(r.items.length, 10);
    assert.equal(r.length, 8);
    assert.equal(r.first(), 2);
    assert.deepEqual(r.items.slice(r.first()), [3, 4, 5, 6, 7, 8, 9, 10]);
    r.push(11);
    assert.deepEqual(r.items, [4, 5, 6, 7, 8, 9, 10, 11], 'trimmed to the cap past cap + cap/4');
    assert.equal(r.first(), 0);
  });

  it('stays bounded however many items are pushed', () => {
    const r = new Ring(100);
    for (let i = 0; i < 100000; i++) r.push(i);
    assert.ok(r.items.length <= 125, `${r.items.length} items kept`);
    assert.equal(r.length, 100);
    assert.equal(r.items[r.items.length - 1], 99999);
    assert.equal(r.items[r.first()], 99900);
  });

  it('shrinks at once to a smaller cap, and clears', () => {
    const r = new Ring(10);
    for (let i = 0; i < 10; i++) r.push(i);
    r.setCap(4);
    assert.deepEqual(r.items, [6, 7, 8, 9]);
    assert.equal(r.length, 4);
    r.setCap(20);
    r.push(10);
    assert.equal(r.length, 5);
    r.clear();
    assert.equal(r.length, 0);
    assert.equal(r.first(), 0);
  });
});

describe('lowerBound', () => {
  const items = [2, 4, 4, 7, 9].map((n) => ({ n }));
  it('finds the first item with n >= the number asked', () => {
    assert.deepEqual([0, 2, 3, 4, 5, 7, 8, 9, 10].map((n) => lowerBound(items, 0, n)), [0, 0, 1, 1, 3, 3, 4, 4, 5]);
    assert.equal(lowerBound(items, 3, 1), 3, 'never before `from`');
    assert.equal(lowerBound([], 0, 5), 0);
  });
});

describe('store', () => {
  let seen;
  beforeEach(() => {
    store.reset();
    store.fitRows(0);
    seen = [];
    store.onEntry((e) => seen.push(e));
    store.setStreams(HELLO);
  });

  it('adopts the streams of a hello: order, colours, formats and layouts', () => {
    const vhost = { kind: 'text', escape: 'default', parts: ['', ' ', ''], fields: [{ name: 'host', type: 'text' }, { name: 'status', type: 'status' }] };
    store.setStreams([...HELLO, { id: 'app', path: '/x', format: 'json-lines', seq: 3 }, { path: 'no id' }, null,
      { id: 'shop', path: '/y', format: 'custom', layout: vhost }, { id: 'j', path: '/z', format: 'json', layout: { kind: 'json' } }]);
    assert.deepEqual(store.streams().map((s) => [s.id, s.color, s.format, s.layout.kind]),
      [['access', 0, 'nginx-combined', 'text'], ['error', 1, 'nginx-error', 'error'], ['app', 2, 'json-lines', 'plain'],
        ['shop', 3, 'custom', 'text'], ['j', 4, 'json', 'json']]);
    assert.deepEqual(store.stream('shop').layout.names, ['host', 'status']);
    assert.equal(store.stream('app').path, '/x');
    assert.equal(store.stream('nope'), undefined);
  });

  it('adopts what hello says of each file and format, as following and config when absent', () => {
    store.setStreams([
      { ...HELLO[0], state: 'unreadable', state_detail: 'not a regular file (a FIFO)', format_source: 'guess' },
      { ...HELLO[1], format: 'plain', state: 'missing', format_source: 'fallback', format_reason: 'nginx\'s configuration has no log_format "main"' },
      { id: 'old', path: '/var/log/old.log', format: 'plain' },
      { id: 'odd', path: '/o', format: 'plain', state: 7, state_detail: null, format_source: ['x'] },
    ]);
    const status = (id) => {
      const st = store.stream(id);
      return [st.state, st.stateDetail, st.formatSource, st.formatReason];
    };
    assert.deepEqual(status('access'), ['unreadable', 'not a regular file (a FIFO)', 'guess', '']);
    assert.deepEqual(status('error'), ['missing', '', 'fallback', 'nginx\'s configuration has no log_format "main"']);
    assert.deepEqual(status('old'), ['following', '', 'config', '']);
    assert.deepEqual(status('odd'), ['following', '', 'config', '']);
    store.setStreams([{ ...HELLO[0], state: 'following' }]);
    assert.deepEqual(status('access'), ['following', '', 'config', ''], 'a later hello replaces the state');
  });

  it('stores lines once each, in order, with their severity', () => {
    const received = store.counters().received;
    assert.equal(store.addLines({ stream: 'access', seq: 1, lines: [access(200), access(404), access(503)] }), 3);
    // a repeated frame (a resumed connection) adds only what is new
    assert.equal(store.addLines({ stream: 'access', seq: 2, lines: [access(404), access(503), access(200, '/new')] }), 1);
    assert.deepEqual(seen.map((e) => [e.k, e.q, e.v]), [[LINE, 1, 200], [LINE, 2, 404], [LINE, 3, 503], [LINE, 4, 200]]);
    assert.match(seen[3].t, /\/new/);
    assert.deepEqual(seen.map((e) => e.n), [1, 2, 3, 4].map((k) => seen[0].n + k - 1), 'arrival numbers grow by one');
    assert.deepEqual(store.positions(), { access: 4, error: null });
    assert.equal(store.counters().received - received, 4);
  });

  it('uses the severities the worker computed', () => {
    store.setStreams([{ ...HELLO[0], seq: 10 }, HELLO[1]]);
    assert.equal(store.addLines({ stream: 'access', seq: 9, lines: [access(500), access(500), access(404)], sev: Int16Array.from([500, 501, 404]) }), 3);
    assert.deepEqual(seen.map((e) => e.v), [500, 501, 404]);
    assert.equal(store.addLines({ stream: 'nope', seq: 1, lines: ['x'] }), -1);
    assert.equal(store.addLines({ stream: 'access', lines: ['x'] }), -1);
  });

  it('splits a line into its record once, when first asked', () => {
    store.addLines({ stream: 'access', seq: 1, lines: [access(404, '/a?b=1'), 'junk'] });
    store.addLines({ stream: 'error', seq: 1, lines: ['2026/11/24 11:02:03 [error] 1#1: x'] });
    const [a, junk, err] = seen;
    assert.equal(a.r, undefined, 'not split while stored');
    const rec = store.recordOf(a);
    assert.equal(rec.vals[3], 'GET /a?b=1 HTTP/1.1');
    assert.equal(store.recordOf(a), rec, 'kept with the entry');
    assert.equal(store.recordOf(junk), null);
    assert.equal(store.recordOf(err), null, 'error lines have no record');
    store.addNote('n');
    assert.equal(store.recordOf(seen[3]), null);
  });

  it('stores a gap once, and none for lines already had', () => {
    const before = store.counters().gapLines;
    store.addLines({ stream: 'error', seq: 1, lines: ['a', 'b'] });
    store.addGap({ stream: 'error', seq: 1, count: 2 });
    store.addGap({ stream: 'error', seq: 3, count: 120 });
    store.addLines({ stream: 'error', seq: 100, lines: ['old'] });
    assert.deepEqual(seen.filter((e) => e.k === GAP).map((e) => e.t), ['120 lines skipped (seq 3–122)']);
    assert.equal(store.counters().gapLines - before, 120);
    assert.deepEqual(store.positions(), { access: null, error: 122 });
    assert.equal(seen.filter((e) => e.k === LINE).length, 2, 'lines the gap covered are not taken');
  });

  it('stores events for their stream, notes for every view', () => {
    store.addEvent({ stream: 'access', event: 'rotated', detail: '/var/log/nginx/access.log replaced by a new file' });
    store.addEvent({ stream: 'access', event: 'missing' });
    store.addEvent({ stream: 'nope', event: 'created' });
    store.addNote('connection lost (network), reconnecting');
    assert.deepEqual(seen.map((e) => [e.k, e.s && e.s.id, e.t]), [
      [EVENT, 'access', 'rotated: /var/log/nginx/access.log replaced by a new file'],
      [EVENT, 'access', 'missing'],
      [NOTE, null, 'connection lost (network), reconnecting'],
    ]);
    assert.deepEqual(store.sizes(), { all: 3, streams: { access: 3, error: 1 } });
    assert.equal(store.ring('error').items[0].k, NOTE);
    assert.equal(store.ring('*').length, 3);
    assert.equal(store.ring('unknown'), store.ring('*'));
  });

  it('caps every view at the store cap, never below the rows shown', () => {
    assert.equal(store.capacity(), STORE_PER_VIEW);
    store.fitRows(30000);
    assert.equal(store.capacity(), 30000);
    store.fitRows(1000);
    assert.equal(store.capacity(), STORE_PER_VIEW);
    const lines = Array.from({ length: STORE_PER_VIEW + 500 }, (_, i) => 'line ' + i);
    store.addLines({ stream: 'error', seq: 1, lines });
    const ring = store.ring('error');
    assert.equal(ring.length, STORE_PER_VIEW);
    assert.equal(ring.items[ring.first()].t, 'line 500');
    assert.equal(store.sizes().all, STORE_PER_VIEW);
    assert.equal(store.ring('access').length, 0);
  });

  it('keeps the entries of a stream across hellos, and forgets everything on reset', () => {
    store.addLines({ stream: 'access', seq: 1, lines: [access(200)] });
    store.setStreams([HELLO[0]]);
    assert.equal(store.ring('access').length, 1);
    assert.deepEqual(store.positions(), { access: 1 });
    store.reset();
    assert.deepEqual(store.streams(), []);
    assert.equal(store.ring('*').length, 0);
    store.setStreams(HELLO);
    assert.equal(store.stream('access').last, null, 'a new run starts afresh');
  });
});

describe('lines received per second', () => {
  const line = (status) => `10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" ${status} 5 "-" "curl"`;
  it('counts the lines after hello\'s newest, by status class, over the seconds before this one', () => {
    const real = Date.now;
    let now = 1_800_000_000_000;
    Date.now = () => now;
    try {
      store.reset();
      store.setStreams([{ id: 'w', path: '/w', format: 'nginx-combined', seq: 2 }]);
      store.addLines({ stream: 'w', seq: 1, lines: [line(200), line(200), line(200), line(404), line(502), 'not a line'] });
      assert.deepEqual(store.recentLines('w', 60), { n: 0, c4: 0, c5: 0, bad: 0, secs: 60 }, 'this second is not over');
      now += 1000;
      assert.deepEqual(store.recentLines('w', 60), { n: 3, c4: 1, c5: 1, bad: 1, secs: 60 }, 'the backlog (up to seq 2) left out');
      now += 61_000;
      assert.deepEqual(store.recentLines('w', 60), { n: 0, c4: 0, c5: 0, bad: 0, secs: 60 }, 'a minute later');
      assert.deepEqual(store.recentLines('nope', 60), { n: 0, c4: 0, c5: 0, bad: 0, secs: 60 });
    } finally {
      Date.now = real;
      store.reset();
    }
  });
});
