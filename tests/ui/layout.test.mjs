// Unit tests of static/layout.js: the line splitter against the cases the
// server's parser is tested with (tests/formats/cases.json), so the two agree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  COMBINED, compileLayout, hasFields, parseJson, record, splitText, statusOf, typeOf,
} from '../../static/layout.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CASES = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'formats', 'cases.json'), 'utf8'));

/** The values of a line split by a layout, or null. */
function values(layout, text) {
  const offs = splitText(layout, text);
  if (!offs) return null;
  const out = [];
  for (let i = 0; i < offs.length; i += 2) out.push(text.slice(offs[i], offs[i + 1]));
  return out;
}

describe('splitText: tests/formats/cases.json', () => {
  assert.ok(CASES.length > 0, 'cases');
  for (const c of CASES) {
    describe(`format ${c.name}`, () => {
      const lay = compileLayout(c.layout, 'custom');
      it('compiles its layout as sent', () => {
        assert.equal(lay.kind, c.layout.kind);
        if (c.layout.kind === 'text') {
          assert.deepEqual(lay.parts, c.layout.parts);
          assert.deepEqual(lay.fields, c.layout.fields);
          assert.equal(lay.escape, c.layout.escape);
        }
      });
      c.lines.forEach((l, i) => {
        it(`line ${i}: ${JSON.stringify(l.text).slice(0, 60)}`, () => {
          assert.deepEqual(values(lay, l.text), l.values);
          const rec = record(lay, l.text);
          if (l.values === null) assert.equal(rec, null);
          else {
            assert.deepEqual(rec.vals, l.values);
            assert.deepEqual(rec.names, c.layout.fields.map((x) => x.name));
          }
        });
      });
    });
  }
});

describe('splitText: edges', () => {
  const lay = (parts) => compileLayout({ kind: 'text', escape: 'default', parts, fields: parts.slice(1).map((_, i) => ({ name: 'f' + i, type: 'text' })) });

  it('needs the first part at the start and the last at the end', () => {
    assert.deepEqual(values(lay(['[', '] ', '']), '[a] b'), ['a', 'b']);
    assert.equal(values(lay(['[', '] ', '']), 'x[a] b'), null);
    assert.deepEqual(values(lay(['', ' ', ';']), 'a b c;'), ['a', 'b c']);
    assert.equal(values(lay(['', ' ', ';']), 'a b c'), null);
  });

  it('does not let the last field start after the final part begins', () => {
    // the closing quote was taken by the part before the last field
    assert.equal(values(lay(['', ' "', '"']), 'a "'), null);
    assert.deepEqual(values(lay(['', ' "', '"']), 'a ""'), ['a', '']);
  });

  it('takes the first occurrence of a part for fields before the last', () => {
    assert.deepEqual(values(lay(['', ' ', ' ', '']), 'a b c d'), ['a', 'b', 'c d']);
  });

  it('a layout without fields fits the lines that start with its one part (as the server splits)', () => {
    const l = compileLayout({ kind: 'text', parts: ['hello'], fields: [] });
    assert.deepEqual(values(l, 'hello'), []);
    assert.deepEqual(values(l, 'hello!'), []);
    assert.equal(values(l, 'hell'), null);
  });
});

describe('compileLayout', () => {
  it('falls back on the format when hello has no (or a bad) layout', () => {
    assert.deepEqual(compileLayout(undefined, 'nginx-combined').parts, COMBINED.parts);
    assert.equal(compileLayout(undefined, 'nginx-error').kind, 'error');
    assert.equal(compileLayout(undefined, 'json').kind, 'json');
    assert.equal(compileLayout(undefined, 'plain').kind, 'plain');
    assert.equal(compileLayout(undefined, 'nginx:main').kind, 'plain');
    assert.equal(compileLayout({ kind: 'text', parts: ['a'], fields: [{ name: 'x' }] }, 'plain').kind, 'plain', 'parts one more than fields');
    assert.equal(compileLayout({ kind: 'bogus' }, 'nginx-error').kind, 'error');
    assert.equal(hasFields(compileLayout(undefined, 'nginx-combined')), true);
    assert.equal(hasFields(compileLayout(undefined, 'nginx-error')), false);
  });

  it('types fields by name when the layout gives none', () => {
    const l = compileLayout({ kind: 'text', parts: ['', ' ', ''], fields: [{ name: 'status' }, { name: 'foo' }] });
    assert.deepEqual(l.types, ['status', 'text']);
    assert.equal(l.status, 0);
    assert.equal(typeOf('upstream_response_time'), 'duration');
    assert.equal(typeOf('constructor'), 'text');
  });
});

describe('json lines', () => {
  const lay = compileLayout({ kind: 'json', fields: [] }, 'json');
  it('makes each key a field, typed by its name', () => {
    const rec = record(lay, '{"time":"2026-11-30T14:02:11+00:00","status":502,"request_time":0.25,"request":"GET /x HTTP/1.1","tags":["a"],"n":null}');
    assert.deepEqual(rec.names, ['time', 'status', 'request_time', 'request', 'tags', 'n']);
    assert.deepEqual(rec.types, ['text', 'status', 'duration', 'request', 'text', 'text']);
    assert.deepEqual(rec.vals, ['2026-11-30T14:02:11+00:00', '502', '0.25', 'GET /x HTTP/1.1', '["a"]', '']);
    assert.equal(rec.offs, null);
  });
  it('a line that is not a JSON object does not fit', () => {
    for (const t of ['', '{', '[1,2]', 'null', '{"a":1', 'plain text']) assert.equal(record(lay, t), null, t);
    assert.equal(parseJson('{"a":1}').a, 1);
  });
});

describe('statusOf', () => {
  it('reads the status field of text and json lines', () => {
    const comb = compileLayout(undefined, 'nginx-combined');
    assert.equal(statusOf(comb, CASES[0].lines[1].text), 502);
    assert.equal(statusOf(comb, 'junk'), 0);
    assert.equal(statusOf(compileLayout({ kind: 'json' }), '{"status":404}'), 404);
    assert.equal(statusOf(compileLayout({ kind: 'json' }), '{"status":"200"}'), 200);
    assert.equal(statusOf(compileLayout({ kind: 'json' }), '{"status":42}'), 0);
    const noStatus = compileLayout({ kind: 'text', parts: ['', ''], fields: [{ name: 'x' }] });
    assert.equal(statusOf(noStatus, 'abc'), 0);
    assert.equal(statusOf(compileLayout(undefined, 'plain'), 'abc'), 0);
  });
});
