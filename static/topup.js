/* topup.js: adding older rows back above the first row. Owns whether the DOM
 * may hold fewer rows than the row cap allows (`sparse`) and the timer of the
 * next top-up slice.
 *
 * A flood or a rebuild builds only the newest screenful at once (pacing.js).
 * The DOM is then filled up to the row cap with older rows from the store, one
 * budgeted slice per task: while the view follows a busy stream, that waits
 * for a quiet moment; when paused or scrolled up it goes ahead. Slices close
 * to what is on screen are one chunk (they are laid out and painted at once);
 * far above, chunks stay skipped by content-visibility and slices are larger.
 */
import * as chunks from './chunks.js';
import * as history from './history.js';
import * as logStatus from './log-status.js';
import * as pacing from './pacing.js';
import * as reading from './reading.js';
import * as store from './store.js';
import * as view from './view.js';

// Delay between two top-up slices.
const TOPUP_SLICE_MS = 25;
// Delay while waiting for a quiet moment.
const QUIET_MS = 300;

let sparse = false;
let timer = 0;

/** The DOM may hold fewer rows than it could: top up after `delay` ms (default: a quiet moment). */
export function scheduleTopUp(delay) {
  sparse = true;
  clearTimeout(timer);
  timer = setTimeout(() => {
    timer = 0;
    if (!reading.holding && reading.following && pacing.busy()) { scheduleTopUp(QUIET_MS); return; }
    if (topUp()) scheduleTopUp(TOPUP_SLICE_MS);
  }, delay === undefined ? QUIET_MS : delay);
}

/** The DOM holds every row it should: nothing to top up. */
export function markFull() { sparse = false; }

export function isSparse() { return sparse; }

/**
 * The newest `want` matching entries of the view older than arrival number
 * `before`, oldest first: from the store, then from the lines read from disk
 * above them (history.js 'back'), whose arrival numbers are below every live one.
 */
function olderMatches(before, want) {
  const ring = store.ring(view.stream);
  const items = ring.items;
  const from = ring.first();
  const out = [];
  for (let i = store.lowerBound(items, from, before) - 1; i >= from && out.length < want; i--) {
    const e = items[i];
    if (view.matches(e) && !history.hidesLive(e)) out.push(e);
  }
  const disk = history.olderEntries();
  for (let i = store.lowerBound(disk, 0, before) - 1; i >= 0 && out.length < want; i--) {
    if (view.matches(disk[i])) out.push(disk[i]);
  }
  return out.reverse();
}

/** Adds one slice of older rows above the first row. True if more may follow. */
function topUp() {
  if (!sparse || history.detached()) return false;
  sparse = false;
  const near = chunks.nearTop(pacing.screenRows());
  const want = Math.min(view.rowsCap + history.extraRows() - chunks.rowCount, near ? chunks.CHUNK : pacing.frameRows());
  if (want <= 0) return false;
  const first = chunks.firstEntry();
  const before = first ? first.n : (reading.holding ? reading.shownUpTo + 1 : Infinity);
  const out = olderMatches(before, want);
  if (!out.length) return false;
  chunks.prependRows(out);
  if (reading.following && !reading.holding) chunks.scrollToEnd();
  logStatus.showEmpty();
  logStatus.showFooter();
  sparse = out.length === want && chunks.rowCount < view.rowsCap + history.extraRows();
  return sparse;
}
