/* report-fetch.js: one `/report` request (docs/protocol.md, "Reports"):
 * its NDJSON read as it streams (ndjson.js), its progress passed on, and
 * its end: the report as the server sent it, or an Error whose message says
 * in words what went wrong (report-model.js failureText). Owns nothing
 * beyond the request; the caller's AbortSignal cancels it.
 */
import { ndjsonDecoder } from './ndjson.js';
import { failureText } from './report-model.js';

/**
 * Asks for the report at `query` (range.js reportQuery); `progress(scanned,
 * total)` is called as the files are read. Resolves with the `report`
 * message; rejects with an Error in words, with the HTTP `status` when
 * the server refused (an AbortError when `signal` aborted it).
 */
export async function fetchReport(query, signal, progress) {
  try {
    return await ask(query, signal, progress);
  } catch (e) {
    if (signal.aborted || !(e instanceof TypeError)) throw e;
    // fetch's own failures (the network, the connection) say little: say what happened.
    throw new Error('The connection to the server failed before the report came (' + e.message + ').');
  }
}

async function ask(query, signal, progress) {
  const res = await fetch(query, { signal, cache: 'no-store' });
  if (!res.ok) {
    const reason = await res.text().catch(() => '');
    throw Object.assign(new Error(failureText(res.status, reason)), { status: res.status });
  }
  const reader = res.body.getReader();
  const dec = ndjsonDecoder();
  let report = null;
  const take = (msgs) => {
    for (const m of msgs) {
      if (m.type === 'progress' && Number.isFinite(m.scanned)) progress(m.scanned, Number.isFinite(m.total) ? m.total : 0);
      else if (m.type === 'report') report = m;
    }
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    take(dec.push(value));
  }
  take(dec.end());
  if (!report) throw new Error('The answer ended before its report: the server stopped or the connection broke.');
  return report;
}
