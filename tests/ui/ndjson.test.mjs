// Unit tests of static/ndjson.js: NDJSON read as it arrives, in chunks cut anywhere.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lineSplitter, ndjsonDecoder, parseLine } from '../../static/ndjson.js';

describe('ndjson', () => {
  it('splits lines across chunks, keeping the unfinished one', () => {
    const s = lineSplitter();
    assert.deepEqual(s.push('{"a":1}\n{"b"'), ['{"a":1}']);
    assert.deepEqual(s.push(':2}\n'), ['{"b":2}']);
    assert.deepEqual(s.push('\n\r\n{"c":3}\r\n{"d"'), ['{"c":3}']);
    assert.deepEqual(s.end(), ['{"d"']);
    assert.deepEqual(s.end(), []);
  });

  it('gives the same messages whatever the chunk boundaries, inside UTF-8 characters too', () => {
    const text = '{"type":"match","text":"caf\u00e9 \u2603 \ud83d\ude00","cursor":"c1"}\n{"type":"progress","scanned":10,"total":20}\n{"type":"done","matches":1}\n';
    const bytes = new TextEncoder().encode(text);
    const whole = ndjsonDecoder();
    const expected = whole.push(bytes).concat(whole.end());
    assert.equal(expected.length, 3);
    assert.equal(expected[0].text, 'caf\u00e9 \u2603 \ud83d\ude00');
    for (let size = 1; size <= 7; size++) {
      const d = ndjsonDecoder();
      const got = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...d.push(bytes.subarray(i, i + size)));
      got.push(...d.end());
      assert.deepEqual(got, expected, `chunks of ${size} bytes`);
    }
  });

  it('reports a line that is not a JSON object instead of throwing', () => {
    assert.deepEqual(parseLine('{"x":1'), { type: 'bad', text: '{"x":1' });
    assert.deepEqual(parseLine('[1]'), { type: 'bad', text: '[1]' });
    assert.deepEqual(parseLine('{"type":"done"}'), { type: 'done' });
    const d = ndjsonDecoder();
    assert.deepEqual(d.push(new TextEncoder().encode('{"a":1}')), []);
    assert.deepEqual(d.end(), [{ a: 1 }]);
  });
});
