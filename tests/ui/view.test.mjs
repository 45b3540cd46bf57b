// Unit tests of static/view.js: which entries a view shows.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as view from '../../static/view.js';
import { compileLayout } from '../../static/layout.js';
import { EVENT, GAP, LINE, NOTE } from '../../static/store.js';

const access = { id: 'access' };
const error = { id: 'error' };
const line = (s, t, v) => ({ k: LINE, s, t, v, r: undefined });

describe('view', () => {
  beforeEach(() => {
    view.setStream(view.ALL);
    view.setFilterText('');
    view.setQuick([]);
  });

  it('starts with everything shown, in columns, at the default row cap', () => {
    assert.equal(view.stream, '*');
    assert.equal(view.mode, 'columns');
    assert.equal(view.rowsCap, view.DEFAULT_ROWS);
    assert.equal(view.unfiltered(), true);
    assert.equal(view.highlighter(), null);
  });

  it('exports its state read-only', () => {
    assert.throws(() => { view.mode = 'raw'; }, TypeError);
    view.setMode('raw');
    assert.equal(view.mode, 'raw');
    view.setMode('columns');
  });

  it('shows the entries of the stream shown, and notes in every view', () => {
    const a = line(access, 'x', 200);
    const e = { k: EVENT, s: error, t: 'rotated', v: 0 };
    const note = { k: NOTE, s: null, t: 'reconnected', v: 0 };
    assert.deepEqual([a, e, note].map(view.inView), [true, true, true]);
    view.setStream('access');
    assert.deepEqual([a, e, note].map(view.inView), [true, false, true]);
    view.setStream('error');
    assert.deepEqual([a, e, note].map(view.inView), [false, true, true]);
  });

  it('filters lines by the filter box; gaps, events and notes show only unfiltered', () => {
    const lines = [line(access, 'GET /api/orders', 200), line(access, 'GET /healthz', 200), line(error, 'upstream timed out', -5)];
    const marks = [{ k: GAP, s: access, t: '3 lines skipped', v: 0 }, { k: NOTE, s: null, t: 'note', v: 0 }];
    view.setFilterText('/api|upstream/');
    assert.deepEqual(lines.map(view.matches), [true, false, true]);
    assert.deepEqual(marks.map(view.matches), [false, false], 'a filtered view is its matching lines');
    assert.equal(view.countMatches([...lines, ...marks]), 2, 'only lines are counted');
    assert.equal(view.highlighter(), view.filter);
    assert.equal(view.unfiltered(), false);
    view.setFilterText('!healthz');
    assert.deepEqual(lines.map(view.matches), [true, false, true]);
    assert.equal(view.highlighter(), null, 'an exclusion highlights nothing');
    view.setFilterText('/(bad/');
    assert.ok(view.filter.error);
    assert.deepEqual(lines.map(view.matches), [true, true, true]);
    assert.deepEqual(marks.map(view.matches), [true, true], 'a filter in error filters nothing');
    view.setFilterText('');
    assert.deepEqual(marks.map(view.matches), [true, true]);
  });

  it('filters lines by quick filters on their severity, with the filter box', () => {
    const lines = [line(access, 'a 200', 200), line(access, 'a 404', 404), line(access, 'b 502', 502), line(error, 'c warn', -4), line(error, 'c crit', -6)];
    view.setQuick(['5xx', 'error']);
    assert.deepEqual(lines.map(view.matches), [false, false, true, false, true]);
    assert.equal(view.unfiltered(), false);
    view.toggleQuick('4xx');
    assert.deepEqual(view.quickNames(), ['5xx', 'error', '4xx']);
    assert.equal(view.quickOn('4xx'), true);
    assert.deepEqual(lines.map(view.matches), [false, true, true, false, true]);
    view.setFilterText('b ');
    assert.deepEqual(lines.map(view.matches), [false, false, true, false, false]);
    view.setFilterText('');
    view.toggleQuick('5xx');
    view.toggleQuick('error');
    view.toggleQuick('4xx');
    assert.deepEqual(view.quickNames(), []);
    assert.equal(view.unfiltered(), true);
    assert.deepEqual(lines.map(view.matches), [true, true, true, true, true]);
  });

  it('filters by fields, splitting a line only when a field term asks for it', () => {
    const shop = { id: 'shop', layout: compileLayout(undefined, 'nginx-combined') };
    const errs = { id: 'error', layout: compileLayout({ kind: 'error' }) };
    const l = (path, status, ua) => line(shop, `10.0.0.1 - - [30/Nov/2026:14:02:03 +0000] "GET ${path} HTTP/1.1" ${status} 5 "-" "${ua}"`, status);
    const lines = [l('/api/a', 200, 'curl'), l('/api/b', 503, 'bot'), l('/x', 404, 'bot'), line(errs, 'api upstream timed out', -5)];
    view.setFilterText('api');
    assert.deepEqual(lines.map(view.matches), [true, true, false, true]);
    assert.ok(lines.every((e) => e.r === undefined), 'words need no split');
    view.setFilterText('path:/api/* !ua:bot');
    assert.deepEqual(lines.map(view.matches), [true, false, false, false]);
    assert.ok(lines[0].r && lines[0].r.vals[4] === '200', 'the record is kept with the entry');
    view.setFilterText('status:5xx');
    assert.deepEqual(lines.map(view.matches), [false, true, false, false]);
    assert.equal(view.highlighter(), null);
    view.setFilterText('!status:5xx');
    assert.deepEqual(lines.map(view.matches), [true, false, true, true], 'an error line has no status');
  });

  it('shows the statistics panel until told not to', () => {
    assert.equal(view.panel, true);
    view.setPanel(false);
    assert.equal(view.panel, false);
    view.setPanel(true);
  });

  it('clamps row caps', () => {
    assert.equal(view.clampRows(5), view.MIN_ROWS);
    assert.equal(view.clampRows(2000), 2000);
    assert.equal(view.clampRows(1e9), view.MAX_ROWS);
  });
});
