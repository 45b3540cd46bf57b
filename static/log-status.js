/* log-status.js: what the page says about the log rather than shows of it:
 * the placeholder while no row is shown (waiting, or nothing matches), and the
 * footer's counts of rows shown and lines in memory. Owns no state.
 */
import * as chunks from './chunks.js';
import * as connection from './connection.js';
import { fmtCount } from './labels.js';
import * as store from './store.js';
import * as view from './view.js';

const empty = document.getElementById('empty');
const footRows = document.getElementById('foot-rows');
const footStore = document.getElementById('foot-store');

export function showEmpty() {
  const none = chunks.rowCount === 0;
  empty.hidden = !none;
  if (none) {
    empty.textContent = view.unfiltered()
      ? (connection.state === 'live' ? 'No lines yet. Waiting for new lines…' : 'Waiting for lines…')
      : 'No lines match the filter.';
  }
}

export function showFooter() {
  footRows.textContent = fmtCount(chunks.rowCount) + ' rows shown (max ' + fmtCount(view.rowsCap) + ')';
  footStore.textContent = fmtCount(store.ring(view.stream).length) + ' lines in memory';
}
