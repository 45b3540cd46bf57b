/* render.js: from newly stored entries to rows. Owns the entries of the
 * current view that no frame has handled yet (`pending`), and decides what
 * each frame does with them: count them as unseen while the view is held,
 * append them up to the row cap while scrolled up, or append them and trim
 * the oldest rows while following. Which rows are shown otherwise (a rebuild,
 * scrolling, lines from disk) is shown.js's; entries it already accounted
 * for (shown.settledUpTo) are skipped here.
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
import * as shown from './shown.js';
import * as store from './store.js';
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

function applyBatch(all) {
  const batch = all[0].n > shown.settledUpTo ? all : all.filter((e) => e.n > shown.settledUpTo);
  if (!batch.length) return;
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
 * Following: rows beyond a screenful scroll out of sight in the same frame,
 * as many as a task may build (pacing.frameRows: a frame that came late with
 * a few screenfuls adds them all, replacing every row would cost more). In a
 * flood (more than that), only the newest screenful is worth building now;
 * the rows above are added back later (shown.js top-up), if still wanted.
 */
function applyFollowing(matched, lastN) {
  if (matched.length > Math.min(view.rowsCap, pacing.frameRows())) {
    pacing.flooded();
    chunks.replaceRows(matched.slice(matched.length - pacing.floodRows()));
    if (chunks.rowCount < view.rowsCap) shown.scheduleTopUp();
  } else {
    chunks.appendRows(matched);
    chunks.trimTop(chunks.rowCount - view.rowsCap);
  }
  reading.shown(lastN);
  chunks.scrollToEnd();
  logStatus.showEmpty();
}

/** Forgets every row and pending entry (a new run of the daemon). */
export function reset() {
  pending = [];
  reading.reset();
  chunks.replaceRows([]);
  reading.show();
}
