/* labels.js: the words and numbers the page shows about lines, connections,
 * rates and streams (why a file is not read, why lines are plain). Owns no
 * state: pure functions, no DOM (unit tested in tests/ui/).
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

/** A byte count, short: 912 B, 3.4 KiB, 870.9 MiB, 1.2 GiB. */
export function fmtBytes(n) {
  if (n >= 2 ** 30) return (n / 2 ** 30).toFixed(1) + ' GiB';
  if (n >= 2 ** 20) return (n / 2 ** 20).toFixed(1) + ' MiB';
  if (n >= 1024) return (n / 1024).toFixed(1) + ' KiB';
  return n + ' B';
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

/** The last part of a path: `access.log` of `/var/log/nginx/access.log`. */
export function baseName(path) {
  const parts = String(path || '').split('/');
  return parts[parts.length - 1] || '';
}

/**
 * What the page says about a stream besides its lines (store.js keeps what
 * hello says): why its file is not read, why its lines are shown as plain
 * text. An empty list when all is well, or for a state this page does not know.
 */
export function streamNotes(st) {
  const notes = [];
  const name = baseName(st.path) || st.id;
  if (st.state === 'unreadable') notes.push(name + ' is unreadable' + (st.stateDetail ? ': ' + st.stateDetail : ''));
  else if (st.state === 'missing') notes.push(name + ' does not exist: waiting for it to appear');
  if (st.formatSource === 'fallback') notes.push('shown as plain' + (st.formatReason ? ': ' + st.formatReason : ''));
  return notes;
}

/** The notes of the streams in a view: one stream's, or each stream's after its id ('*'). */
export function viewNotes(streams, id) {
  if (id.startsWith('*/')) {
    const name = id.slice(2);
    return streams.filter((st) => st.name === name).flatMap((st) => streamNotes(st).map((n) => st.id + ': ' + n));
  }
  if (id !== '*') {
    const st = streams.find((s) => s.id === id);
    return st ? streamNotes(st) : [];
  }
  return streams.flatMap((st) => streamNotes(st).map((n) => st.id + ': ' + n));
}

/**
 * The mark a stream's tab shows, its word and its class: unreadable or
 * missing before a fallback to plain text; null when there is none.
 */
export function tabMark(st) {
  if (st.state === 'unreadable') return { text: 'unreadable', cls: 'tab-unreadable' };
  if (st.state === 'missing') return { text: 'missing', cls: 'tab-missing' };
  if (st.formatSource === 'fallback') return { text: 'plain', cls: 'tab-fallback' };
  return null;
}

/** A stream tab's tooltip: its path and format, then its notes, a line each. */
export function tabTitle(st) {
  return [st.path + ' (' + st.format + ')', ...streamNotes(st)].join('\n');
}
