// Unit tests of static/links.js: finding a live line on disk for a link, and
// saying in plain words why there is none (fetch is replaced by a stub that
// answers as the server's /history does).
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cursorOf } from '../../static/links.js';
import { compileLayout } from '../../static/layout.js';
import { LINE } from '../../static/store.js';

const COMBINED = compileLayout(null, 'nginx-combined');
const TEXT = '10.0.0.7 - - [30/Nov/2026:14:02:03 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"';
const entry = (q = 41, layout = COMBINED, t = TEXT) => ({ k: LINE, s: { id: 'access', layout }, q, t });
const real = globalThis.fetch;

/** A fetch answering `fn(params)`: a body object (200) or [status, text]. */
function serve(fn) {
  globalThis.fetch = async (url) => {
    const params = Object.fromEntries(new URL(url, 'http://x/').searchParams);
    const out = fn(params);
    if (out instanceof Error) throw out;
    if (Array.isArray(out)) return new Response(out[1], { status: out[0] });
    return new Response(JSON.stringify(out), { status: 200 });
  };
}

const NOT_FOUND = [400, 'line 41 is not in a file logmon can find now; page by time (at=)'];

describe('links to live lines', () => {
  afterEach(() => { globalThis.fetch = real; });

  it('finds the line by its number', async () => {
    serve((p) => (p.before ? { lines: [{ text: 'above', cursor: 'c40', seq: 40 }] } : { lines: [{ text: TEXT, cursor: 'c41', seq: 41 }] }));
    assert.equal(await cursorOf(entry()), 'c41');
  });

  it('finds it by its time when the server no longer knows the number', async () => {
    serve((p) => (p.before ? NOT_FOUND : p.at ? { lines: [{ text: 'other', cursor: 'c1', seq: null }, { text: TEXT, cursor: 'c9', seq: null }] } : [500, 'no']));
    assert.equal(await cursorOf(entry()), 'c9');
  });

  it('says why in plain words, never in the server\'s terms', async () => {
    serve((p) => (p.before ? NOT_FOUND : { lines: [] }));
    await assert.rejects(cursorOf(entry()), { message: 'the line is no longer in a file on disk' });
    serve(() => NOT_FOUND);
    await assert.rejects(cursorOf(entry()), { message: 'the line could not be found on disk' });
    serve(() => new TypeError('Failed to fetch'));
    await assert.rejects(cursorOf(entry()), { message: 'logmon could not be reached' });
    await assert.rejects(cursorOf(entry(0)), { message: 'the line has no place on disk yet' });
    serve(() => NOT_FOUND);
    await assert.rejects(cursorOf(entry(41, compileLayout({ kind: 'plain' }, 'plain'), 'a line without a time')), { message: 'the line is no longer in a file on disk' });
  });
});
