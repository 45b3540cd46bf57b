// Unit tests of static/report-fetch.js: one /report read as it streams,
// against a stand-in for fetch (the answers as the server writes them).
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fetchReport } from '../../static/report-fetch.js';

const realFetch = globalThis.fetch;
/** fetch answers `status` with `chunks` (strings, split anywhere), and records what was asked. */
function serve(status, chunks) {
  const asked = [];
  globalThis.fetch = async (url, opts) => {
    asked.push(url);
    if (opts.signal.aborted) throw new DOMException('aborted', 'AbortError');
    const enc = new TextEncoder();
    const body = new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(enc.encode(x)); c.close(); } });
    return new Response(body, { status });
  };
  return asked;
}

describe('a report asked', () => {
  afterEach(() => { globalThis.fetch = realFetch; });

  it('passes the progress on and resolves with the report, lines split anywhere', async () => {
    const asked = serve(200, ['{"type":"progress","scanned":1,"tot', 'al":4}\n{"type":"progress","scanned":4,"total":4}\n{"type":"rep', 'ort","stream":"a","requests":3}\n']);
    const seen = [];
    const r = await fetchReport('report?stream=a', new AbortController().signal, (s, t) => seen.push([s, t]));
    assert.deepEqual(asked, ['report?stream=a']);
    assert.deepEqual(seen, [[1, 4], [4, 4]]);
    assert.deepEqual(r, { type: 'report', stream: 'a', requests: 3 });
  });

  it('says a refusal in words, with its status', async () => {
    serve(429, ['4 searches run already; try again shortly\n']);
    await assert.rejects(fetchReport('report?stream=a', new AbortController().signal, () => {}),
      (e) => e.status === 429 && /^The server is busy \(4 searches run already/.test(e.message));
  });

  it('an answer without its report is a failure, said so', async () => {
    serve(200, ['{"type":"progress","scanned":1,"total":4}\n']);
    await assert.rejects(fetchReport('report?stream=a', new AbortController().signal, () => {}), /ended before its report/);
  });

  it('a broken connection is said in words; an abort stays an abort', async () => {
    globalThis.fetch = async () => { throw new TypeError('Failed to fetch'); };
    await assert.rejects(fetchReport('report?stream=a', new AbortController().signal, () => {}), /^Error: The connection to the server failed before the report came \(Failed to fetch\)\.$/);
    serve(200, []);
    const c = new AbortController();
    c.abort();
    await assert.rejects(fetchReport('report?stream=a', c.signal, () => {}), { name: 'AbortError' });
  });
});
