/* ndjson.js: pure: reading a newline-delimited JSON stream as it arrives.
 * Owns nothing but the text of an unfinished line between two chunks. No DOM
 * (unit tested in tests/ui/ndjson.test.mjs).
 *
 * A chunk may end anywhere, inside a line or inside a multi-byte character:
 * the TextDecoder (in stream mode) takes care of the characters, the splitter
 * of the lines. Empty lines are skipped; a line that is not JSON is reported
 * as {type: 'bad', text} rather than thrown.
 */

/** A splitter: push(text) returns the complete lines it finished, end() the last one. */
export function lineSplitter() {
  let rest = '';
  return {
    push(text) {
      const parts = (rest + text).split('\n');
      rest = parts.pop();
      return parts.map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
    },
    end() {
      const last = rest.replace(/\r$/, '');
      rest = '';
      return last === '' ? [] : [last];
    },
  };
}

/** One NDJSON line as a value: an object, or {type: 'bad', text} when it is not a JSON object. */
export function parseLine(line) {
  try {
    const v = JSON.parse(line);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch (e) {
    // reported below
  }
  return { type: 'bad', text: line };
}

/**
 * A decoder of byte chunks into messages: push(Uint8Array) returns the
 * messages of the lines it finished, end() those of the last one.
 */
export function ndjsonDecoder() {
  const dec = new TextDecoder();
  const split = lineSplitter();
  return {
    push: (bytes) => split.push(dec.decode(bytes, { stream: true })).map(parseLine),
    end: () => split.push(dec.decode()).concat(split.end()).map(parseLine),
  };
}
