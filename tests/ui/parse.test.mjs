// Unit tests of static/parse.js: nginx error lines, severities, quick filters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileLayout } from '../../static/layout.js';
import {
  compileQuick, errorFields, fullTime, LEVELS, levelName, severity, severityClass, TRUNCATED,
} from '../../static/parse.js';

const ACCESS = '127.0.0.1 - - [24/Nov/2026:11:02:03 +0000] "GET /index.html?q=1 HTTP/1.1" 200 612 "https://example.com/" "curl/8.5.0"';
const ERROR = '2026/11/24 11:02:03 [error] 1234#1234: *5 open() "/srv/www/missing.html" failed (2: No such file or directory)';

const COMBINED = compileLayout(undefined, 'nginx-combined');
const ERRORS = compileLayout({ kind: 'error' }, 'nginx-error');
const PLAIN = compileLayout({ kind: 'plain' }, 'plain');

/** The fields of an error line as {column: text}. */
function columns(text) {
  const f = errorFields(text);
  return f && Object.fromEntries(f.map((x) => [x.c, text.slice(x.a, x.b)]));
}

describe('fields: nginx error', () => {
  it('splits a line into time, level, pid#tid and message', () => {
    assert.deepEqual(columns(ERROR), {
      time: '11:02:03', level: 'error', pid: '1234#1234',
      msg: '*5 open() "/srv/www/missing.html" failed (2: No such file or directory)',
    });
  });

  it('does not parse other lines', () => {
    assert.equal(errorFields(ACCESS), null);
    assert.equal(errorFields('2026/11/24 11:02:03 error 1234#1234: x'), null);
  });
});

describe('fullTime', () => {
  it('is the whole timestamp of a line', () => {
    assert.equal(fullTime(COMBINED, ACCESS), '24/Nov/2026:11:02:03 +0000');
    assert.equal(fullTime(ERRORS, ERROR), '2026/11/24 11:02:03');
    assert.equal(fullTime(PLAIN, ACCESS), '');
    assert.equal(fullTime(COMBINED, 'no time here'), '');
    assert.equal(fullTime(compileLayout({ kind: 'json' }), '{"time_iso8601":"2026-11-30T14:02:11+00:00"}'), '2026-11-30T14:02:11+00:00');
  });
});

describe('severity', () => {
  it('is the HTTP status of an access line', () => {
    assert.equal(severity(COMBINED, ACCESS), 200);
    assert.equal(severity(COMBINED, ACCESS.replace('" 200 ', '" 503 ')), 503);
    assert.equal(severity(COMBINED, ACCESS.replace('" 200 ', '" 404 ')), 404);
    assert.equal(severity(compileLayout({ kind: 'json' }), '{"status":502}'), 502);
  });

  it('is minus the level of an error line', () => {
    for (const [level, code] of Object.entries(LEVELS)) {
      assert.equal(severity(ERRORS, ERROR.replace('[error]', `[${level}]`)), code, level);
    }
    assert.equal(LEVELS.warn, -4);
    assert.equal(LEVELS.emerg, -8);
  });

  it('is 0 for lines it cannot read and for plain streams', () => {
    assert.equal(severity(COMBINED, 'garbage'), 0);
    assert.equal(severity(COMBINED, ACCESS.replace(' 200 ', ' 20 ')), 0, 'status has three digits');
    assert.equal(severity(ERRORS, ERROR.replace('[error]', '[bogus]')), 0);
    assert.equal(severity(PLAIN, ACCESS), 0);
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
