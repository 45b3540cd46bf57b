// The filter box's field terms (static/filter.js) against the cases the
// server's `filter=` (src/terms/) is tested with: tests/formats/terms.json,
// so that a search on the server keeps the lines the UI would keep.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFilter } from '../../static/filter.js';
import { compileLayout, record } from '../../static/layout.js';
import { searchOf } from '../../static/pages.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const read = (name) => JSON.parse(fs.readFileSync(path.join(HERE, '..', 'formats', name), 'utf8'));
const TERMS = read('terms.json');
const FORMATS = read('cases.json');
const REGEX = /^!?\/([^]+)\/([a-z]*)$/;

/**
 * The parts and fields of an nginx log_format, as the server compiles it
 * (src/layout/mod.rs): `$name` or `${name}`, a name of letters, digits and `_`.
 */
function compileFormat(format) {
  const parts = [''];
  const fields = [];
  const re = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/y;
  for (let i = 0; i < format.length;) {
    re.lastIndex = i;
    const m = format[i] === '$' ? re.exec(format) : null;
    if (m) {
      fields.push({ name: m[1] || m[2] });
      parts.push('');
      i = re.lastIndex;
    } else {
      parts[parts.length - 1] += format[i];
      i++;
    }
  }
  return { kind: 'text', escape: 'default', parts, fields };
}

/** The layout a case names: "json", "plain", or an nginx log_format. */
function layoutOf(format) {
  if (format === 'json' || format === 'plain') return compileLayout({ kind: format }, format);
  return compileLayout(compileFormat(format), 'custom');
}

describe('the test compiles formats as the server does (tests/formats/cases.json)', () => {
  for (const c of FORMATS) {
    it(c.name, () => {
      const got = compileFormat(c.format);
      assert.deepEqual(got.parts, c.layout.parts);
      assert.deepEqual(got.fields.map((f) => f.name), c.layout.fields.map((f) => f.name));
    });
  }
});

describe('field terms: tests/formats/terms.json', () => {
  assert.ok(TERMS.reduce((n, c) => n + c.filters.length, 0) >= 60, 'cases');
  for (const c of TERMS) {
    describe(c.name, () => {
      const lay = layoutOf(c.format);
      for (const [filter, want] of c.filters) {
        it(JSON.stringify(filter), () => {
          const f = compileFilter(filter);
          if (typeof want === 'boolean') {
            assert.equal(f.error, null);
            assert.equal(f.test(c.line, record(lay, c.line)), want);
          } else if (REGEX.test(filter)) {
            // The server refuses regexes in filter=; the UI sends them in q= (or not at all).
            assert.equal(searchOf(filter).filter, '');
          } else {
            assert.notEqual(f.error, null, want.error);
          }
        });
      }
    });
  }
});
