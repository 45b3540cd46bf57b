// Unit tests of static/pages.js: the history API's queries and pages, a fleet
// viewer's merged pages (GAPS, cuts per host, the line highlighted), and of
// url-state.js's line links and store.js's entries from disk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage, cutHides, findLine, formatGaps, gapsBefore, historyQuery, olderThan, pagesCut, parseGaps, refusedHosts, searchOf, searchQuery,
  trimmedGaps, trimWindow, withoutHeld,
} from '../../static/pages.js';
import { formatHash, lineUrl, parseHash, parseLine } from '../../static/url-state.js';
import { historyEntry, LINE } from '../../static/store.js';
import { compileLayout } from '../../static/layout.js';

const line = (cursor, seq = null, time = null, stream = null) => ({ text: 'line ' + cursor, cursor, seq, time, stream });

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
    assert.deepEqual(p, { lines: [line('c1', 5, 10), line('c2')], before: 'c0', after: null, index: 1, failed: [] });
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
    const w1 = (c) => line(c, null, null, 'web-1/access'), w2 = (c) => line(c, null, null, 'web-2/access');
    assert.deepEqual(withoutHeld([w1('a'), w2('a'), w2('b')], [w1('a'), w2('b')]), [w2('a')], 'by stream and cursor: hosts\' cursors may be alike');
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

describe('merged history pages', () => {
  const w = (h, cursor, seq = null, time = null) => line(cursor, seq, time, `web-${h}/access`);

  it('checks a merged page: each line\'s stream, GAPS as its places, the hosts that failed', () => {
    const body = {
      stream: '*/access', lines: [{ ...w(1, 'a', 3, 10) }, { ...w(2, 'b', 9, 11) }, { text: 'x', cursor: 'c', stream: 7 }],
      before: 'web-1:-a,web-2:-b', after: null, index: 1, failed: ['web-3: host web-3 did not answer: timeout', 5],
    };
    const p = checkPage(body);
    assert.deepEqual(p.lines, [w(1, 'a', 3, 10), w(2, 'b', 9, 11), { text: 'x', cursor: 'c', time: null, seq: null, stream: null }]);
    assert.equal(p.before, 'web-1:-a,web-2:-b');
    assert.deepEqual(p.failed, ['web-3: host web-3 did not answer: timeout']);
  });

  it('reads and writes GAPS', () => {
    const g = parseGaps('web-1:-seq:12,web-2:+0a1b:2,db_3:-Zz');
    assert.deepEqual([...g], [['web-1', '-seq:12'], ['web-2', '+0a1b:2'], ['db_3', '-Zz']], 'a place may hold a colon');
    assert.equal(formatGaps(g), 'web-1:-seq:12,web-2:+0a1b:2,db_3:-Zz');
    assert.deepEqual([...parseGaps(null)], []);
    assert.deepEqual([...parseGaps('junk,web-1:seq:3,web-2:-x')], [['web-2', '-x']], 'entries without a side are dropped');
    assert.equal(formatGaps(new Map()), null);
  });

  it('goes back from the oldest live line of each host in view, and hides per host the live lines read back', () => {
    // A merged view's live lines, in arrival order: each host's in its own order, hosts interleaved.
    const live = [['web-2/access', 40], ['web-1/access', 7], ['web-2/access', 41], ['web-1/access', 8], ['web-3/access', 0], ['local', 3]];
    const cuts = pagesCut(live);
    assert.deepEqual([...cuts], [['web-2/access', 40], ['web-1/access', 7]], 'lines without a number and local streams left out');
    assert.equal(gapsBefore(cuts), 'web-2:-seq:40,web-1:-seq:7');
    assert.equal(gapsBefore(pagesCut([])), null, 'no live line: no place to go back from');
    assert.equal(cutHides(cuts, 'web-1/access', 6), true, 'below web-1\'s cut: shown from disk');
    assert.equal(cutHides(cuts, 'web-1/access', 7), false, 'the oldest live line stays');
    assert.equal(cutHides(cuts, 'web-2/access', 8), true, 'each host its own cut');
    assert.equal(cutHides(cuts, 'web-3/access', 1), false, 'a host with no cut hides nothing');
    assert.equal(cutHides(cuts, 'web-1/access', 0), false, 'a line without a number is never hidden');
  });

  it('knows the hosts whose line number the server no longer knows', () => {
    const cuts = new Map([['web-1/access', 10], ['web-2/access', 5], ['web-3/access', 7], ['web-4/access', 2]]);
    const page = {
      before: 'web-1:-c1,web-3:-seq:7',
      failed: ['web-2: line seq:5 is no longer in a file on disk', 'host web-3 did not answer: timed out', 'web-1: access.log.2.gz: cut short'],
    };
    assert.deepEqual(refusedHosts(page, cuts), ['web-2'], 'web-3 keeps its gap, web-1 went on, web-4 reached its oldest line');
    assert.deepEqual(refusedHosts({ before: null, failed: [] }, cuts), []);
  });

  it('keeps each host\'s lines older than its cut from an at= page', () => {
    const cuts = new Map([['web-1/access', 10], ['web-2/access', 5]]);
    const page = { lines: [w(1, 'a', 8), w(2, 'b', 4), w(3, 'c'), w(1, 'd', 9), w(2, 'e', 5), w(3, 'f'), w(1, 'g', 10)], index: 3 };
    assert.deepEqual(olderThan(page, cuts, page.index).map((l) => l.cursor), ['a', 'b', 'c', 'd'],
      'by number below each host\'s cut (d is after the index, still older), a host with no cut by the index');
  });

  it('finds the line to highlight by its stream and cursor', () => {
    const lines = [w(1, 'x'), w(2, 'x'), w(2, 'y')];
    assert.equal(findLine(lines, 'web-2/access', 'x'), 1, 'the same cursor on another host is another line');
    assert.equal(findLine(lines, 'web-3/access', 'x'), -1);
  });

  it('moves a window\'s GAPS when it drops lines at one end', () => {
    // Oldest first: web-1's a b c, web-2's p q, web-3's z (dropped only).
    const dropped = [w(1, 'a'), w(3, 'z'), w(2, 'p'), w(1, 'b')];
    const kept = [w(2, 'q'), w(1, 'c')];
    assert.equal(trimmedGaps('web-1:-o,web-2:-o2,web-4:-k', kept, dropped, 'before'), 'web-1:-c,web-2:-q,web-4:-k,web-3:+z',
      'the oldest dropped: before each host\'s oldest kept, after the newest dropped of a host with none kept, others as they were');
    const gone = [w(2, 'q'), w(3, 'y'), w(1, 'c'), w(3, 'z')];
    const left = [w(1, 'a'), w(2, 'p'), w(1, 'b')];
    assert.equal(trimmedGaps(null, left, gone, 'after'), 'web-2:+p,web-3:-y,web-1:+b',
      'the newest dropped: after each host\'s newest kept, before the oldest dropped of a host with none kept');
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

  it('reads and writes a merged tab\'s line: its host and the time its lines were read at', () => {
    const v = { ...view, stream: '*/access', line: 'AbC', host: 'web-2', at: 1796047323.5 };
    const hash = formatHash(v);
    assert.equal(hash, 'line=AbC&host=web-2&at=1796047323.5&stream=*%2Faccess');
    assert.deepEqual(parseLine('#' + hash), { cursor: 'AbC', stream: '*/access', host: 'web-2', at: 1796047323.5 });
    assert.equal(parseHash('#' + hash).stream, '*/access', 'it opens on the merged tab');
    assert.equal(parseLine('#line=AbC&stream=*%2Faccess'), null, 'a merged tab\'s line needs its host and time');
    assert.equal(parseLine('#line=AbC&stream=*%2Faccess&host=web-2&at=soon'), null);
    assert.equal(parseLine('#line=AbC&stream=*%2Faccess&host=a%2Fb&at=5'), null);
    assert.equal(formatHash({ ...v, line: null }), 'stream=*%2Faccess', 'no line: no host or time');
    assert.equal(lineUrl('http://h/#x', 'c9', 'web-1/access', v), 'http://h/#line=c9&stream=web-1%2Faccess',
      'a link to one host\'s line names that host\'s stream alone');
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
