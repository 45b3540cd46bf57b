// Unit tests of static/parse.js: nginx line parsing, severities, filters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileFilter, compileQuick, fields, fullTime, LEVELS, levelName, severity, severityClass, TRUNCATED,
} from '../../static/parse.js';

const ACCESS = '127.0.0.1 - - [24/Nov/2026:11:02:03 +0000] "GET /index.html?q=1 HTTP/1.1" 200 612 "https://example.com/" "curl/8.5.0"';
const ERROR = '2026/11/24 11:02:03 [error] 1234#1234: *5 open() "/srv/www/missing.html" failed (2: No such file or directory)';

/** The fields of a line as {column: text}. */
function columns(format, text) {
  const f = fields(format, text);
  return f && Object.fromEntries(f.map((x) => [x.c, text.slice(x.a, x.b)]));
}

describe('fields: nginx combined', () => {
  it('splits a line into its columns, as offsets into the line', () => {
    assert.deepEqual(columns('nginx-combined', ACCESS), {
      time: '11:02:03', client: '127.0.0.1', method: 'GET', path: '/index.html?q=1', status: '200',
      bytes: '612', ref: 'https://example.com/', ua: 'curl/8.5.0',
    });
    assert.deepEqual(fields('nginx-combined', ACCESS).map((f) => f.c),
      ['time', 'client', 'method', 'path', 'status', 'bytes', 'ref', 'ua']);
  });

  it('keeps escaped quotes inside quoted fields', () => {
    const line = '10.0.0.1 - bob [01/Jan/2026:00:00:59 +0100] "POST /a HTTP/2.0" 502 - "-" "Agent \\"quoted\\" 1.0"';
    const c = columns('nginx-combined', line);
    assert.equal(c.ua, 'Agent \\"quoted\\" 1.0');
    assert.equal(c.bytes, '-');
    assert.equal(c.status, '502');
    assert.equal(c.method, 'POST');
    assert.equal(c.time, '00:00:59');
  });

  it('shows a request that is not "METHOD PATH PROTO" whole as the path, with an empty method', () => {
    const line = '10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "\\x16\\x03\\x01" 400 150 "-" "-"';
    const f = fields('nginx-combined', line);
    const method = f.find((x) => x.c === 'method');
    assert.equal(method.a, method.b, 'empty method');
    assert.equal(columns('nginx-combined', line).path, '\\x16\\x03\\x01');
  });

  it('keeps fields of custom formats after the user agent as "rest"', () => {
    const c = columns('nginx-combined', ACCESS + ' rt=0.123 "upstream"');
    assert.equal(c.ua, 'curl/8.5.0');
    assert.equal(c.rest, ' rt=0.123 "upstream"');
    assert.equal(columns('nginx-combined', ACCESS).rest, undefined);
  });

  it('does not parse other lines', () => {
    assert.equal(fields('nginx-combined', 'not an nginx line'), null);
    assert.equal(fields('nginx-combined', ERROR), null);
    assert.equal(fields('nginx-combined', ACCESS.replace(' 200 ', ' 20 ')), null, 'status has three digits');
    assert.equal(fields('plain', ACCESS), null);
  });
});

describe('fields: nginx error', () => {
  it('splits a line into time, level, pid#tid and message', () => {
    assert.deepEqual(columns('nginx-error', ERROR), {
      time: '11:02:03', level: 'error', pid: '1234#1234',
      msg: '*5 open() "/srv/www/missing.html" failed (2: No such file or directory)',
    });
  });

  it('does not parse other lines', () => {
    assert.equal(fields('nginx-error', ACCESS), null);
    assert.equal(fields('nginx-error', '2026/11/24 11:02:03 error 1234#1234: x'), null);
  });
});

describe('fullTime', () => {
  it('is the whole timestamp of a line', () => {
    assert.equal(fullTime('nginx-combined', ACCESS), '24/Nov/2026:11:02:03 +0000');
    assert.equal(fullTime('nginx-error', ERROR), '2026/11/24 11:02:03');
    assert.equal(fullTime('plain', ACCESS), '');
    assert.equal(fullTime('nginx-combined', 'no time here'), '');
  });
});

describe('severity', () => {
  it('is the HTTP status of an access line', () => {
    assert.equal(severity('nginx-combined', ACCESS), 200);
    assert.equal(severity('nginx-combined', ACCESS.replace('" 200 ', '" 503 ')), 503);
    assert.equal(severity('nginx-combined', ACCESS.replace('" 200 ', '" 404 ')), 404);
  });

  it('is minus the level of an error line', () => {
    for (const [level, code] of Object.entries(LEVELS)) {
      assert.equal(severity('nginx-error', ERROR.replace('[error]', `[${level}]`)), code, level);
    }
    assert.equal(LEVELS.warn, -4);
    assert.equal(LEVELS.emerg, -8);
  });

  it('is 0 for lines it cannot read and for plain streams', () => {
    assert.equal(severity('nginx-combined', 'garbage'), 0);
    assert.equal(severity('nginx-error', ERROR.replace('[error]', '[bogus]')), 0);
    assert.equal(severity('plain', ACCESS), 0);
  });

  it('names levels back from their codes', () => {
    assert.equal(levelName(-4), 'warn');
    assert.equal(levelName(-6), 'crit');
    assert.equal(levelName(0), '');
  });
});

describe('severityClass', () => {
  it('classes statuses by hundreds and levels by name', () => {
    assert.deepEqual([101, 200, 304, 404, 503].map(severityClass), ['st1', 'st2', 'st3', 'st4', 'st5']);
    assert.equal(severityClass(-4), 'lv-warn');
    assert.equal(severityClass(-5), 'lv-error');
    assert.equal(severityClass(-8), 'lv-emerg');
    assert.equal(severityClass(0), '');
  });
});

describe('TRUNCATED', () => {
  it('finds the marker the daemon appends to a cut line', () => {
    const m = TRUNCATED.exec('GET /very/long … [1234 bytes truncated]');
    assert.ok(m);
    assert.equal(m.index, 'GET /very/long'.length);
    assert.equal(TRUNCATED.exec('… [12 bytes truncated] and more'), null);
  });
});

describe('compileFilter: text', () => {
  it('matches a substring, ignoring case when the text is lower case', () => {
    const f = compileFilter('get');
    assert.equal(f.empty, false);
    assert.equal(f.regex, false);
    assert.equal(f.test('GET /a'), true);
    assert.equal(f.test('POST /a'), false);
    assert.deepEqual(f.ranges('GET /get/Get'), [[0, 3], [5, 8], [9, 12]]);
  });

  it('minds case when the text has an upper-case letter', () => {
    const f = compileFilter('GET');
    assert.equal(f.test('GET /a'), true);
    assert.equal(f.test('get /a'), false);
    assert.deepEqual(f.ranges('GET /get'), [[0, 3]]);
  });

  it('is no filter when empty, blank or a lone "!"', () => {
    for (const s of ['', '   ', '!', ' ! ', undefined, null]) {
      const f = compileFilter(s);
      assert.equal(f.empty, true, JSON.stringify(s));
      assert.equal(f.error, null);
      assert.equal(f.test('anything'), true);
      assert.deepEqual(f.ranges('anything'), []);
    }
  });

  it('excludes with a leading "!", and highlights nothing then', () => {
    const f = compileFilter('!healthz');
    assert.equal(f.exclude, true);
    assert.equal(f.test('GET /healthz'), false);
    assert.equal(f.test('GET /HEALTHZ'), false);
    assert.equal(f.test('GET /'), true);
    assert.deepEqual(f.ranges('GET /healthz'), []);
  });

  it('treats regex-looking text without the closing slash as text', () => {
    const f = compileFilter('/api/v1');
    assert.equal(f.regex, false);
    assert.equal(f.test('GET /api/v1/orders'), true);
    assert.equal(f.test('GET /api/v2'), false);
  });
});

describe('compileFilter: /regex/', () => {
  it('matches a regular expression and highlights every match', () => {
    const f = compileFilter('/\\b[45]\\d\\d\\b/');
    assert.equal(f.regex, true);
    assert.equal(f.test('" 404 153'), true);
    assert.equal(f.test('" 200 153'), false);
    assert.deepEqual(f.ranges('404 and 502 and 200'), [[0, 3], [8, 11]]);
  });

  it('takes flags, and drops g and y so that testing has no memory', () => {
    const i = compileFilter('/orders/i');
    assert.equal(i.test('GET /ORDERS'), true);
    const g = compileFilter('/a/gy');
    // a global regex would alternate true/false on the same line
    assert.deepEqual([g.test('xa'), g.test('xa'), g.test('xa')], [true, true, true]);
    assert.deepEqual(g.ranges('xaa'), [[1, 2], [2, 3]]);
    assert.deepEqual(g.ranges('xaa'), [[1, 2], [2, 3]], 'ranges start over on every line');
  });

  it('skips empty matches when highlighting', () => {
    const f = compileFilter('/x*/');
    assert.equal(f.test('abc'), true);
    assert.deepEqual(f.ranges('axxbx'), [[1, 3], [4, 5]]);
  });

  it('excludes with "!/re/"', () => {
    const f = compileFilter('!/^10\\./');
    assert.equal(f.exclude, true);
    assert.equal(f.regex, true);
    assert.equal(f.test('10.0.0.1 - -'), false);
    assert.equal(f.test('192.0.2.1 - -'), true);
    assert.deepEqual(f.ranges('192.0.2.1'), []);
  });

  it('reports an invalid expression and filters nothing', () => {
    const f = compileFilter('/(unclosed/');
    assert.equal(typeof f.error, 'string');
    assert.match(f.error, /unclosed|Unterminated|Invalid/i);
    assert.equal(f.empty, true);
    assert.equal(f.test('anything'), true);
    assert.notEqual(compileFilter('/a/q').error, null, 'unknown flag');
  });
});

describe('compileQuick', () => {
  it('is null when no quick filter is on', () => {
    assert.equal(compileQuick([]), null);
    assert.equal(compileQuick(new Set()), null);
  });

  it('passes the statuses and levels of the names turned on', () => {
    const q4 = compileQuick(['4xx']);
    assert.deepEqual([400, 404, 499, 500, 200, 304, -4, -5, 0].map(q4), [true, true, true, false, false, false, false, false, false]);
    const q5 = compileQuick(new Set(['5xx']));
    assert.deepEqual([500, 599, 600, 404].map(q5), [true, true, false, false]);
    const warn = compileQuick(['warn']);
    assert.deepEqual([-4, -3, -5, 404].map(warn), [true, false, false, false]);
    const error = compileQuick(['error']);
    assert.deepEqual([-5, -6, -7, -8, -4, -2, 500].map(error), [true, true, true, true, false, false, false]);
    const both = compileQuick(['4xx', 'error']);
    assert.deepEqual([404, -6, 503, -4].map(both), [true, true, false, false]);
  });
});
