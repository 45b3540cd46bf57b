/* log-status.js: what the page says about the log rather than shows of it:
 * the notes above the log on the streams in view (a file unreadable or
 * missing, lines shown as plain: labels.js viewNotes), the placeholder while
 * no row is shown (waiting, or nothing matches), and the footer's counts of
 * rows shown and lines in memory. Owns nothing but the notes last shown.
 */
import * as chunks from './chunks.js';
import * as connection from './connection.js';
import { fmtCount, viewNotes } from './labels.js';
import * as store from './store.js';
import * as view from './view.js';

const empty = document.getElementById('empty');
const noteBox = document.getElementById('stream-note');
const footRows = document.getElementById('foot-rows');
const footStore = document.getElementById('foot-store');
let shownNotes = '';     // the notes shown, joined, so that an unchanged list touches no DOM

/** Says above the log why a stream in view is not read, or is shown as plain (text only). */
export function showStreamNotes() {
  const notes = viewNotes(store.streams(), view.stream);
  const key = notes.join('\n');
  if (key === shownNotes) return;
  shownNotes = key;
  noteBox.replaceChildren(...notes.map((text) => {
    const line = document.createElement('div');
    line.textContent = text;
    return line;
  }));
  noteBox.hidden = notes.length === 0;
}

export function showEmpty() {
  const none = chunks.rowCount === 0;
  empty.hidden = !none;
  if (none) {
    empty.textContent = view.unfiltered()
      ? (connection.state === 'live' ? 'No lines yet. Waiting for new lines…' : 'Waiting for lines…')
      : 'No matching lines for ' + view.filterSummary();
  }
}

export function showFooter() {
  footRows.textContent = fmtCount(chunks.rowCount) + ' rows shown (max ' + fmtCount(view.rowsCap) + ')';
  footStore.textContent = fmtCount(store.ring(view.stream).length) + ' lines in memory';
}
