/* labels.js: the words and numbers the page shows about lines, connections
 * and rates. Owns no state: pure functions, no DOM (unit tested in tests/ui/).
 */

/** A count with thousands separators: 12,345. */
export function fmtCount(n) {
  return n.toLocaleString('en-US');
}

/** A rate per second, short: 0, 3.5, 42, 1.2k, 15k. */
export function fmtRate(n) {
  if (n >= 10000) return Math.round(n / 1000) + 'k';
  if (n >= 1000) return (n / 1000).toFixed(1) + 'k';
  if (n >= 10 || n === 0) return String(Math.round(n));
  return n.toFixed(1);
}

/** A duration given in ms, short: 0.4 ms, 4.2 ms, 42 ms, 1.25 s, 12.5 s. */
export function fmtMs(ms) {
  if (ms >= 10000) return (ms / 1000).toFixed(1) + ' s';
  if (ms >= 1000) return (ms / 1000).toFixed(2) + ' s';
  if (ms >= 10 || ms === 0) return Math.round(ms) + ' ms';
  return ms.toFixed(1) + ' ms';
}

/** `part` as a share of `total`: 0%, 2.5%, 12%. */
export function fmtPct(part, total) {
  if (!total) return '0%';
  const p = (100 * part) / total;
  return (p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)) + '%';
}

/** The text of a gap row: `count` lines from `seq` on were skipped. */
export function gapText(seq, count) {
  const end = seq + count - 1;
  return fmtCount(count) + (count === 1 ? ' line' : ' lines') + ' skipped'
    + (count > 1 ? ' (seq ' + seq + '–' + end + ')' : ' (seq ' + seq + ')');
}

/** Why a WebSocket closed, from its close code. */
export function closeReason(code) {
  if (code === 1001) return 'server going away';
  if (code === 1006) return 'network';
  return 'code ' + code;
}

/** The label of the "new lines" button while the view is held. */
export function newLinesLabel(unseen, paused) {
  return fmtCount(unseen) + (unseen === 1 ? ' new line' : ' new lines') + (paused ? ' · resume' : ' · follow');
}
