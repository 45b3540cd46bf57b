// Unit tests of static/pages.js: the history API's queries and pages, and of
// url-state.js's line links and store.js's entries from disk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, historyQuery, olderThan, searchOf, searchQuery, trimWindow, withoutHeld } from '../../static/pages.js';
import { formatHash, lineUrl, parseHash, parseLine } from '../../static/url-state.js';
import { historyEntry, LINE } from '../../static/store.js';
import { compileLayout } from '../../static/layout.js';

const line = (cursor, seq = null, time = null) => ({ text: 'line ' + cursor, cursor, seq, time });

describe('history pages', () => {
  it('builds /history queries', () => {
    assert.equal(historyQuery({ stream: 'access', before: 'seq:1041' }), 'history?stream=access&before=seq%3A1041&limit=200');
    assert.equal(historyQuery({ stream: 'a b', at: 1796025723, limit: 50 }), 'history?stream=a+b&at=1796025723&limit=50');
    assert.equal(historyQuery({ stream: 'access', around: 'AbC-_9', after: null }), 'history?stream=access&around=AbC-_9&limit=200');
  });

  it('splits the filter text into a search', () => {
    assert.deepEqual(searchOf('timeout upstream status:5xx !ua:bot'),
      { q: '(?i)upstream', regex: true, filter: 'timeout status:5xx !ua:bot', dropped: [], nodes: [] }, 'the longest word, ignoring case');
    assert.deepEqual(searchOf('Timeout up'), { q: 'Timeout', regex: false, filter: 'up', dropped: [], nodes: [] },
      'a word with an upper-case letter keeps its case, and a literal search is faster');
    assert.deepEqual(searchOf('/GET \\/api\\/(a|b)/ rt>0.5'), { q: 'GET \\/api\\/(a|b)', regex: true, filter: 'rt>0.5', dropped: [], nodes: [] });
    assert.deepEqual(searchOf('/get/i word'), { q: '(?i)get', regex: true, filter: 'word', dropped: [], nodes: [] });
    assert.deepEqual(searchOf('"two words" http://x.example/a !noise'),
      { q: '(?i)http://x\\.example/a', regex: true, filter: '"two words" !noise', dropped: [], nodes: [] });
    assert.deepEqual(searchOf('path:/api/* method:GET'), { q: '', regex: false, filter: 'path:/api/* method:GET', dropped: [], nodes: [] });
    assert.deepEqual(searchOf('/api/orders'), { q: '(?i)/api/orders', regex: true, filter: '', dropped: [], nodes: [] }, 'a path, not a regex');
    assert.deepEqual(searchOf('word /re/ /two/ !/neg/').dropped, ['/two/', '!/neg/']);
    assert.equal(searchQuery('access', searchOf('/a b/ status:404')), 'search?stream=access&q=a+b&regex=1&filter=status%3A404');
    assert.equal(searchQuery('access', searchOf('X')), 'search?stream=access&q=X');
    assert.equal(searchQuery('access', searchOf('x.y')), 'search?stream=access&q=%28%3Fi%29x%5C.y&regex=1');
  });

  it('keeps the fleet host terms (node:) out of the search it sends', () => {
    assert.deepEqual(searchOf('timeout node:web-1 status:5xx !node:web-2*'),
      { q: '(?i)timeout', regex: true, filter: 'status:5xx', dropped: [], nodes: ['node:web-1', '!node:web-2*'] });
    assert.equal(searchQuery('*/access', searchOf('node:web-* /x/')), 'search?stream=*%2Faccess&q=x&regex=1');
  });

  it('checks a page and its cursors', () => {
    const p = checkPage({ stream: 'access', lines: [line('c1', 5, 10), { text: 1 }, line('c2')], before: 'c0', after: null, index: 1 });
    assert.deepEqual(p, { lines: [line('c1', 5, 10), line('c2')], before: 'c0', after: null, index: 1 });
    assert.equal(checkPage({ lines: [], before: '', after: 'x', index: 3 }).index, -1);
    assert.equal(checkPage({ lines: [] }).before, null);
    assert.equal(checkPage(null), null);
    assert.equal(checkPage({ lines: 'x' }), null);
  });

  it('keeps the lines older than the oldest held, by number or else by the index of the time', () => {
    const page = { lines: [line('a', 8), line('b', 9), line('c', 10), line('d', 11)], index: 2 };
    assert.deepEqual(olderThan(page, 10, 2).map((l) => l.cursor), ['a', 'b']);
    const plain = { lines: [line('a'), line('b'), line('c')], index: 1 };
    assert.deepEqual(olderThan(plain, 10, 1).map((l) => l.cursor), ['a']);
  });

  it('joins overlapping pages without repeats and bounds a window', () => {
    assert.deepEqual(withoutHeld([line('a'), line('b'), line('c')], [line('b'), line('c'), line('d')]).map((l) => l.cursor), ['a']);
    assert.deepEqual(trimWindow(120, 100, 'older'), { head: 0, tail: 20 });
    assert.deepEqual(trimWindow(120, 100, 'newer'), { head: 20, tail: 0 });
    assert.deepEqual(trimWindow(80, 100, 'newer'), { head: 0, tail: 0 });
  });

  it('makes entries of lines from disk like live ones', () => {
    const st = { id: 'access', layout: compileLayout(null, 'nginx-error') };
    const e = historyEntry(st, { text: '2026/11/30 14:02:03 [error] 12#0: boom', cursor: 'c7', seq: null, time: 5 }, -3);
    assert.equal(e.k, LINE);
    assert.equal(e.s, st);
    assert.equal(e.n, -3);
    assert.equal(e.c, 'c7');
    assert.equal(e.h, 1);
    assert.equal(e.tm, 5);
    assert.ok(e.v < 0, 'severity of the error line');
  });
});

describe('line links', () => {
  const view = { filter: '', quick: [], rows: 5000, mode: 'columns', stream: '*', panel: true };

  it('reads and writes #line=CURSOR&stream=ID', () => {
    assert.equal(formatHash({ ...view, line: 'AbC_9-x', stream: 'access' }), 'line=AbC_9-x&stream=access');
    assert.deepEqual(parseLine('#line=AbC_9-x&stream=access'), { cursor: 'AbC_9-x', stream: 'access' });
    assert.equal(parseHash('#line=AbC_9-x&stream=access').stream, 'access');
    assert.equal(parseLine('#line=AbC&stream=*'), null);
    assert.equal(parseLine('#line=AbC'), null);
    assert.equal(parseLine('#line=%3Cscript%3E&stream=access'), null);
    assert.equal(parseLine('#filter=x'), null);
  });

  it('links keep the view and replace the fragment', () => {
    assert.equal(lineUrl('http://h/logmon/?x=1#filter=old', 'c9', 'error', { ...view, filter: 'a b', mode: 'raw' }),
      'http://h/logmon/?x=1#line=c9&filter=a%20b&stream=error&mode=raw');
  });
});

describe('where a jump landed', () => {
  const page = (lines, index, before = 'c0') => ({ lines, index, before, after: null });
  it('before the oldest line on disk, after the newest, or at the time', async () => {
    const { landing } = await import('../../static/pages.js');
    const lines = [line('a', null, 1000), line('b', null, 1010), line('c', null, 1020)];
    assert.equal(landing(page(lines, 0, null), 500), 'before', 'earlier than the oldest line');
    assert.equal(landing(page(lines, 0, null), 1000), 'at', 'exactly the oldest line');
    assert.equal(landing(page(lines, 0, 'c0'), 500), 'at', 'older lines remain: the server found the place');
    assert.equal(landing(page(lines, 1, null), 1005), 'at');
    assert.equal(landing(page(lines, -1), 9999), 'after', 'later than every line: no index');
    assert.equal(landing(page([], -1), 9999), 'at', 'an empty page says nothing of where');
    assert.equal(landing(page([line('a')], 0, null), 500), 'at', 'a line without a time');
  });
});
