/* cells.js: click-to-filter on the log's cells. A click on a cell of a line
 * with fields adds a filter for that field's value (a status 404 cell adds
 * `status:404`, a path cell `path:/the/path`, without its query), through
 * the function given to install(). Only a click on the cell's text counts,
 * so that a click beside it (to focus the log) filters nothing; selecting
 * text (a drag) and the copy button are left alone. Owns nothing.
 */
import { clickFilter } from './columns.js';
import { termText } from './filter.js';
import { cellAt } from './rows.js';

const log = document.getElementById('log');

/** The filter term for a click on `target`, or null. */
export function termFor(target) {
  const cell = target && target.closest ? target.closest('#log .row > span') : null;
  const at = cellAt(cell);
  if (!at) return null;
  const f = clickFilter(at.col, at.rec, at.e.s.host);
  return f ? termText(f.key, f.value) : null;
}

/** True when the point (x, y) is on the text of `cell` (not on the space beside it). */
function onText(cell, x, y) {
  const box = cell.getBoundingClientRect();
  const r = document.createRange();
  r.selectNodeContents(cell);
  for (const t of r.getClientRects()) {
    const left = Math.max(t.left, box.left), right = Math.min(t.right, box.right);
    if (x >= left && x <= right && y >= t.top && y <= t.bottom) return true;
  }
  return false;
}

/** Wires the log: `addFilter(term)` is called for a click on the text of a cell. */
export function install(addFilter) {
  log.addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    const sel = document.getSelection();
    if (sel && !sel.isCollapsed && log.contains(sel.anchorNode)) return;
    const cell = ev.target.closest ? ev.target.closest('#log .row > span') : null;
    if (!cell || !onText(cell, ev.clientX, ev.clientY)) return;
    const term = termFor(cell);
    if (term) addFilter(term);
  });
}
