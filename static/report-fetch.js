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
 * message; rejects with an Error in words (an AbortError when `signal` aborted it).
 */
export async function fetchReport(query, signal, progress) {
  const res = await fetch(query, { signal, cache: 'no-store' });
  if (!res.ok) {
    const reason = await res.text().catch(() => '');
    throw new Error(failureText(res.status, reason));
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
