// Unit tests of static/fleet.js and what uses it: HOST/STREAM ids, streams
// grouped into merged views and tabs, a fleet search's progress per host,
// the `node:` filter term, the node column, and the store and view of a
// merged view.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failedHost, groups, HOST_TABS, hostProgress, isFleet, mergedId, mergedName, splitId, tabPlan } from '../../static/fleet.js';
import { compileFilter, nodeFilter, onlyNode, termWarnings } from '../../static/filter.js';
import { cellOf, choices, clickFilter, columnsOf, deriveColumns, setArrangement, setNodes } from '../../static/columns.js';
import { compileLayout, record } from '../../static/layout.js';
import * as store from '../../static/store.js';
import { LINE, NOTE } from '../../static/store.js';
import * as view from '../../static/view.js';

const hosts = (n, names = ['access', 'error']) => names.flatMap((s) => Array.from({ length: n }, (_, i) => `web-${i + 1}/${s}`));

describe('fleet ids', () => {
  it('splits HOST/STREAM, and knows a local id from a fleet one', () => {
    assert.deepEqual(splitId('web-1/access'), { host: 'web-1', name: 'access' });
    assert.deepEqual(splitId('db_2/app/slow'), { host: 'db_2', name: 'app/slow' }, 'the host ends at the first slash');
    for (const id of ['access', '/access', 'web-1/', '*/access', 'a.b/access', '', null, 7]) assert.equal(splitId(id), null, String(id));
    assert.equal(isFleet(['access', 'error']), false);
    assert.equal(isFleet(['access', 'web-1/access']), true);
  });

  it('names merged views as /search does', () => {
    assert.equal(mergedId('access'), '*/access');
    assert.equal(mergedName('*/access'), 'access');
    assert.equal(mergedName('*'), null);
    assert.equal(mergedName('*/'), null);
    assert.equal(mergedName('web-1/access'), null);
  });

  it('groups the streams two hosts or more share, in the order of their first stream', () => {
    const g = groups(['web-1/error', 'web-1/access', 'web-2/access', 'web-2/error', 'web-3/access', 'web-3/cron', 'local']);
    assert.deepEqual(g.map((x) => [x.id, x.name, x.hosts, x.ids]), [
      ['*/error', 'error', ['web-1', 'web-2'], ['web-1/error', 'web-2/error']],
      ['*/access', 'access', ['web-1', 'web-2', 'web-3'], ['web-1/access', 'web-2/access', 'web-3/access']],
    ]);
    assert.deepEqual(groups(['access', 'error', 'web-1/access']), []);
  });
});

describe('fleet tabs', () => {
  it('shows all streams, a merged tab per shared stream, then every stream, for a few hosts', () => {
    const plan = tabPlan(hosts(3, ['access']).concat('web-1/cron'), '*');
    assert.deepEqual(plan.map((t) => [t.kind, t.id, t.label]), [
      ['all', '*', 'all streams'],
      ['merged', '*/access', 'access · 3 hosts'],
      ['stream', 'web-1/access', 'web-1/access'],
      ['stream', 'web-2/access', 'web-2/access'],
      ['stream', 'web-3/access', 'web-3/access'],
      ['stream', 'web-1/cron', 'web-1/cron'],
    ]);
  });

  it('folds the hosts\' own tabs into the merged one past HOST_TABS hosts, but keeps the one shown', () => {
    const ids = hosts(50);
    let plan = tabPlan(ids, '*/access');
    assert.deepEqual(plan.map((t) => t.id), ['*', '*/access', '*/error']);
    plan = tabPlan(ids, 'web-17/error');
    assert.deepEqual(plan.map((t) => t.id), ['*', '*/access', '*/error', 'web-17/error']);
    assert.equal(tabPlan(hosts(HOST_TABS, ['access']), '*').length, 2 + HOST_TABS);
    assert.equal(tabPlan(hosts(HOST_TABS + 1, ['access']), '*').length, 2);
    assert.deepEqual(tabPlan(['access', 'error'], '*').map((t) => t.id), ['*', 'access', 'error'], 'no fleet: as before');
  });
});

describe('fleet search progress', () => {
  const h = (host, scanned, total, done) => ({ host, scanned, total, done });

  it('names each of a few hosts with its share scanned', () => {
    assert.equal(hostProgress([h('web-1', 100, 100, true), h('web-2', 40, 100, false), h('web-3', 0, 0, false)], []),
      'web-1 done · web-2 40% · web-3 0%');
    assert.equal(hostProgress([], []), '');
    assert.equal(hostProgress(null, undefined), '');
  });

  it('counts many hosts and names the slowest few', () => {
    const list = Array.from({ length: 12 }, (_, i) => h(`web-${i + 1}`, i < 9 ? 10 : (i - 8) * 10, 100, i < 9));
    assert.equal(hostProgress(list, []), '12 hosts: 9 done, 3 searching (web-10 10%, web-11 20%, web-12 30%)');
    list.push(h('web-13', 50, 100, false));
    assert.equal(hostProgress(list, []), '13 hosts: 9 done, 4 searching (web-10 10%, web-11 20%, web-12 30%, …)');
  });

  it('says which hosts did not answer', () => {
    const why = ['host web-2 did not answer: timed out', 'access.log.3.gz: corrupt deflate data'];
    assert.equal(failedHost(why[0]), 'web-2');
    assert.equal(failedHost(why[1]), null);
    assert.equal(hostProgress([h('web-1', 5, 5, true), h('web-2', 1, 9, false)], why), 'web-1 done · web-2 failed');
    assert.equal(hostProgress([h('web-1', 5, 5, true)], why), 'web-1 done · web-2 failed', 'a host the progress did not name');
    const many = Array.from({ length: 6 }, (_, i) => h(`web-${i + 1}`, 1, 1, true));
    assert.equal(hostProgress(many, ['host web-7 did not answer: no responders']), '7 hosts: 6 done, 1 failed (web-7)');
  });
});

describe('the node: term', () => {
  it('keeps the lines of a host, exact or glob, in any case; local lines have none', () => {
    const f = compileFilter('node:web-1');
    assert.equal(f.test('x', null, 'web-1'), true);
    assert.equal(f.test('x', null, 'WEB-1'), true);
    assert.equal(f.test('x', null, 'web-10'), false);
    assert.equal(f.test('x', null, null), false);
    assert.equal(f.test('node:web-1', null, undefined), false, 'not a word');
    const g = compileFilter('node:web-* !node:web-2 timeout');
    assert.equal(g.test('read timeout', null, 'web-1'), true);
    assert.equal(g.test('read timeout', null, 'web-2'), false);
    assert.equal(g.test('read timeout', null, 'db-1'), false);
    assert.equal(g.test('fine', null, 'web-1'), false);
    assert.equal(g.fields, false, 'needs no record');
    assert.deepEqual(g.ranges('read timeout web-1'), [[5, 12]], 'highlights its words only');
  });

  it('leaves host: as it was, the Host header', () => {
    const lay = compileLayout(null, 'nginx-combined');
    const line = '10.0.0.7 - - [24/Nov/2026:11:02:03 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"';
    const f = compileFilter('host:web-1');
    assert.equal(f.test(line, record(lay, line), 'web-1'), false);
  });

  it('gives the host test and the one host of a text', () => {
    assert.equal(nodeFilter('timeout status:5xx'), null);
    const t = nodeFilter('node:web-* !node:web-3');
    assert.deepEqual(['web-1', 'web-3', 'db-1', null].map(t), [true, false, false, false]);
    assert.equal(onlyNode('x node:web-2'), 'web-2');
    assert.equal(onlyNode('node:"web-2"'), 'web-2');
    assert.equal(onlyNode('node:web-*'), null);
    assert.equal(onlyNode('node:web-1 node:web-2'), null);
    assert.equal(onlyNode('!node:web-1'), null);
  });

  it('is warned about only where no stream is a fleet host\'s', () => {
    assert.deepEqual(termWarnings('node:web-1', ['status']), []);
    assert.deepEqual(termWarnings('!node:web-1', ['status'], false), ['node:web-1 matches no line: no stream here is a fleet host\'s']);
  });
});

describe('the node column', () => {
  const lay = compileLayout(null, 'nginx-combined');
  const line = '10.0.0.7 - - [24/Nov/2026:11:02:03 +0000] "GET /a?b HTTP/1.1" 404 612 "-" "curl/8.5.0"';
  beforeEach(() => { setArrangement(null); setNodes(false); });

  it('comes after the time on a fleet viewer only, and can be moved and hidden', () => {
    const rec = record(lay, line);
    assert.ok(!columnsOf(rec).some((c) => c.label === 'node'));
    setNodes(true);
    assert.deepEqual(columnsOf(rec).slice(0, 3).map((c) => c.label), ['time', 'node', 'client']);
    assert.deepEqual(cellOf(columnsOf(rec)[1], rec, line, 'web-2'), { s: 'web-2' });
    assert.deepEqual(clickFilter(columnsOf(rec)[1], rec, 'web-2'), { key: 'node', value: 'web-2' });
    assert.equal(clickFilter(columnsOf(rec)[1], rec, null), null);
    setArrangement({ hidden: ['node'], order: ['client', 'node'] });
    assert.ok(!columnsOf(rec).some((c) => c.label === 'node'));
    assert.deepEqual(choices(rec).slice(0, 2), [{ label: 'client', shown: true }, { label: 'node', shown: false }]);
    assert.ok(deriveColumns(rec.names, rec.types, 0).some((c) => c.part === 'node'));
  });
});

describe('a merged view', () => {
  const HELLO = ['web-1/access', 'web-2/access', 'web-1/error', 'web-2/error', 'web-3/cron']
    .map((id) => ({ id, format: id.endsWith('access') ? 'nginx-combined' : 'plain', seq: 0 }));
  beforeEach(() => { store.reset(); store.setStreams(HELLO); view.setStream(view.ALL); view.setFilterText(''); });

  it('is every host\'s stream of that name, in arrival order, with notes', () => {
    assert.deepEqual(store.mergedViews().map((g) => g.id), ['*/access', '*/error']);
    assert.equal(store.hasView('*/access'), true);
    assert.equal(store.hasView('*/cron'), false, 'one host: no merged view');
    store.addLines({ stream: 'web-1/access', seq: 1, lines: ['a1'] });
    store.addLines({ stream: 'web-1/error', seq: 1, lines: ['e1'] });
    store.addLines({ stream: 'web-2/access', seq: 1, lines: ['a2'] });
    store.addNote('reconnected');
    const r = store.ring('*/access');
    assert.deepEqual(r.items.map((e) => e.t), ['a1', 'a2', 'reconnected']);
    assert.deepEqual(store.ring('*/error').items.map((e) => e.t), ['e1', 'reconnected']);
    view.setStream('*/access');
    assert.equal(view.merged, 'access');
    assert.equal(view.several(), true);
    assert.deepEqual(store.ring('*').items.map(view.inView), [true, false, true, true]);
    assert.deepEqual(store.streams().map(view.showsStream), [true, true, false, false, false]);
    assert.equal(store.stream('web-2/access').host, 'web-2');
    assert.equal(store.stream('web-2/access').name, 'access');
  });

  it('filters by node: with the stream\'s host', () => {
    store.addLines({ stream: 'web-1/access', seq: 1, lines: ['a1'] });
    store.addLines({ stream: 'web-2/access', seq: 1, lines: ['a2'] });
    view.setStream('*/access');
    view.setFilterText('node:web-2');
    assert.deepEqual(store.ring('*/access').items.filter((e) => e.k === LINE && view.matches(e)).map((e) => e.t), ['a2']);
    assert.equal(view.matches({ k: NOTE, s: null, t: 'x', v: 0 }), false);
  });
});
