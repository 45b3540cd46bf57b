/* render.js: from stored entries to rows. Owns the entries of the current
 * view that no frame has handled yet (`pending`), and decides what each frame
 * does with them: count them as unseen while the view is held, append them
 * up to the row cap while scrolled up, or append them and trim the oldest
 * rows while following; and rebuilds the rows when the view changes.
 *
 * Entries are stored as they come (store.js) and applied to the DOM in
 * batches, one per frame (pacing.js), never one DOM write per line and never
 * reading layout per line. The DOM holds at most view.rowsCap rows; pending
 * entries are bounded by the store cap, since older ones have left the store.
 */
import * as chunks from './chunks.js';
import * as logStatus from './log-status.js';
import * as pacing from './pacing.js';
import * as reading from './reading.js';
import * as history from './history.js';
import { renderColhead } from './rows.js';
import * as store from './store.js';
import { LINE } from './store.js';
import { scheduleTopUp, markFull } from './topup.js';
import * as view from './view.js';

let pending = [];

pacing.drive(() => pending.length > 0, () => {
  const batch = pending;
  pending = [];
  applyBatch(batch);
});

/** Takes a newly stored entry (store.onEntry); it is rendered with the next frame if in view. */
export function enqueue(e) {
  if (!view.inView(e)) return;
  pending.push(e);
  const cap = store.capacity();
  if (pending.length > cap + (cap >> 2)) {
    // Entries this old are out of the store too: drop them, but keep counting them.
    const gone = pending.splice(0, pending.length - cap);
    if (reading.holding) reading.countUnseen(view.countMatches(gone));
  }
}

/** Asks for a frame to render what is pending. */
export function schedule() {
  pacing.schedule();
}

function applyBatch(batch) {
  if (reading.holding) {
    reading.countUnseen(view.countMatches(batch));
    if (batch.length > pacing.FRAME_ROWS) pacing.flooded();
    reading.show();
    return;
  }
  const matched = [];
  for (let i = 0; i < batch.length; i++) if (view.matches(batch[i])) matched.push(batch[i]);
  const lastN = batch[batch.length - 1].n;
  if (!matched.length) { reading.shown(lastN); return; }
  if (reading.following) applyFollowing(matched, lastN);
  else applyScrolledUp(batch, matched, lastN);
}

/**
 * Scrolled up: fill up to the cap, never trim what the reader looks at; no
 * more than a task's worth of rows a frame, the rest waits for the next one.
 * At the cap, the view is held and further lines are counted as unseen.
 */
function applyScrolledUp(batch, matched, lastN) {
  const limit = Math.min(view.rowsCap, pacing.frameRows());
  const room = view.rowsCap - chunks.rowCount;
  const n = Math.max(0, Math.min(room, limit, matched.length));
  if (n > 0) {
    chunks.appendRows(n === matched.length ? matched : matched.slice(0, n));
    reading.shown(matched[n - 1].n);
  }
  if (n === matched.length) {
    reading.shown(lastN);
  } else if (n < room) {
    pending = batch.slice(batch.indexOf(matched[n])).concat(pending);
    pacing.flooded();
  } else {
    reading.hold();
    reading.countUnseen(view.countMatches(matched.slice(n)));
    reading.show();
  }
  logStatus.showEmpty();
}

/**
 * Following: rows beyond a screenful scroll out of sight in the same frame.
 * When more than that arrive at once, only the newest are worth building now;
 * the others are added back above later (topup.js), if still wanted.
 */
function applyFollowing(matched, lastN) {
  const limit = Math.min(view.rowsCap, pacing.floodRows());
  if (matched.length > limit) {
    pacing.flooded();
    chunks.replaceRows(matched.slice(matched.length - limit));
    if (chunks.rowCount < view.rowsCap) scheduleTopUp();
  } else {
    chunks.appendRows(matched);
    chunks.trimTop(chunks.rowCount - view.rowsCap);
  }
  reading.shown(lastN);
  chunks.scrollToEnd();
  logStatus.showEmpty();
}

/**
 * The newest `first` matching entries of the view (oldest first) the DOM may
 * show, and how many matching lines are newer than what it accounts for
 * while held.
 */
function newestShown(first) {
  const ring = store.ring(view.stream);
  const items = ring.items;
  const cut = reading.holding ? reading.shownUpTo : Infinity;
  const out = [];
  let unseen = 0;
  for (let i = items.length - 1; i >= ring.first(); i--) {
    const e = items[i];
    if (e.n > cut) { if (e.k === LINE && view.matches(e)) unseen++; continue; }
    if (out.length >= first) break;
    if (view.matches(e) && !history.hidesLive(e)) out.push(e);
  }
  return { out: out.reverse(), unseen, newest: items.length ? items[items.length - 1].n : null };
}

/** Rebuilds the rows from the store, for a changed view: a screenful now, older rows in top-up slices. */
export function rebuild() {
  pending = [];
  if (history.detached()) { rebuildWindow(); return; }
  const first = Math.min(view.rowsCap, pacing.floodRows());
  const { out, unseen, newest } = newestShown(first);
  if (!reading.holding) {
    if (newest !== null) reading.shown(newest);
    reading.setUnseen(0);
  } else {
    reading.setUnseen(unseen);
  }
  chunks.showViewClasses();
  chunks.replaceRows(out);
  // Lines read from disk (history.js) lie above the store's: top up into them too.
  if ((out.length >= first && first < view.rowsCap) || history.extraRows()) scheduleTopUp(0); else markFull();
  renderColhead();
  if (reading.following) chunks.scrollToEnd();
  reading.show();
  logStatus.showStreamNotes();
  logStatus.showEmpty();
  logStatus.showFooter();
}

/** Rebuilds the rows of a window of the history (history.js 'jump'): live lines stay held. */
function rebuildWindow() {
  chunks.showViewClasses();
  history.renderWindow(false);
  renderColhead();
  reading.show();
  logStatus.showStreamNotes();
  logStatus.showEmpty();
  logStatus.showFooter();
}

/** Forgets every row and pending entry (a new run of the daemon). */
export function reset() {
  pending = [];
  reading.reset();
  chunks.replaceRows([]);
  reading.show();
}
