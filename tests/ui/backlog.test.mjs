// Unit tests of static/backlog.js merge(): a fleet viewer's backlog, held at
// hello, is stored merged by time, the rest as it came.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lineTime, merge } from '../../static/backlog.js';
import { compileLayout } from '../../static/layout.js';

const time = (_, text) => { const m = /^t=(\d+)/.exec(text); return m ? +m[1] : null; };
const lines = (stream, seq, texts, sev) => ({ kind: 'lines', m: { type: 'lines', stream, seq, lines: texts, ...(sev ? { sev } : {}) } });
const flat = (out) => out.map(({ kind, m }) => (kind === 'lines' ? m.lines.map((t, i) => `${m.stream}#${m.seq + i} ${t}`).join(' | ') : `${kind} ${m.stream}`));

describe('backlog merge', () => {
  it('orders the hosts\' backlog by time, each stream\'s lines in theirs', () => {
    const until = new Map([['web-1/access', 3], ['web-2/access', 2]]);
    const out = merge([
      lines('web-1/access', 1, ['t=10 a', 't=12 b', 't=14 c'], [200, 404, 500]),
      lines('web-2/access', 1, ['t=11 x', 't=12 y']),
    ], until, time);
    assert.deepEqual(flat(out), [
      'web-1/access#1 t=10 a', 'web-2/access#1 t=11 x', 'web-1/access#2 t=12 b', 'web-2/access#2 t=12 y', 'web-1/access#3 t=14 c',
    ], 'a tie keeps the order they came in');
    assert.deepEqual(out[2].m.sev, [404], 'each line keeps its severity');
    assert.equal(out[1].m.sev, undefined);
  });

  it('gives a line without a time its stream\'s time before, and keeps the rest after, as they came', () => {
    const until = new Map([['web-1/error', 2], ['web-2/error', 1]]);
    const out = merge([
      lines('web-1/error', 1, ['t=20 first', 'continued']),
      { kind: 'gap', m: { type: 'gap', stream: 'web-1/error', seq: 3, count: 5 } },
      lines('web-2/error', 1, ['t=21 other', 't=5 live, after the backlog']),
      lines('web-1/error', 8, ['t=1 live too']),
      { kind: 'event', m: { type: 'event', stream: 'web-2/error', event: 'rotated' } },
    ], until, time);
    assert.deepEqual(flat(out), [
      'web-1/error#1 t=20 first | web-1/error#2 continued', 'web-2/error#1 t=21 other',
      'gap web-1/error', 'web-2/error#2 t=5 live, after the backlog', 'web-1/error#8 t=1 live too', 'event web-2/error',
    ], 'a run of one stream\'s lines is one message');
  });

  it('puts lines without any time first, in their order', () => {
    const out = merge([lines('a/x', 1, ['no time']), lines('b/x', 1, ['t=3 y'])], new Map([['a/x', 1], ['b/x', 1]]), time);
    assert.deepEqual(flat(out), ['a/x#1 no time', 'b/x#1 t=3 y']);
  });

  it('reads a line\'s time, at once for $time_local', () => {
    const cache = new Map();
    const combined = compileLayout(null, 'nginx-combined');
    const line = '10.0.0.7 - - [07/Dec/2026:16:01:02 +0000] "GET /[01/Jan/2000:00:00:00 +0000] HTTP/1.1" 200 612 "-" "curl/8.5.0"';
    assert.equal(lineTime(combined, line, cache), Date.UTC(2026, 11, 7, 16, 1, 2) / 1000);
    assert.equal(cache.size, 1);
    assert.equal(lineTime(combined, 'not a line', cache), null);
    const error = compileLayout(null, 'nginx-error');
    assert.equal(lineTime(error, '2026/12/07 16:01:02 [error] 1#0: x', cache), new Date(2026, 11, 7, 16, 1, 2).getTime() / 1000);
    assert.equal(lineTime(compileLayout(null, 'plain'), 'x', cache), null);
  });
});
