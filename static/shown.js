/* shown.js: which rows the log shows. The one owner of the stretch of
 * entries in the DOM: live lines from the store, lines held back, lines read
 * from disk above them ('back', with a boundary row "older lines from disk"),
 * or a window of the history ('jump'). Owns whether the DOM may hold fewer
 * rows than the row cap allows (`sparse`), the timer of the next top-up
 * slice, and up to which arrival number the store's entries are accounted
 * for by the rows or the unseen count (`settledUpTo`: render.js skips them).
 *
 * follow.js, controls.js and render.js call it; it calls history.js to read
 * pages from disk, topup.js to know which entries lie next to the rows, and
 * chunks.js to change them. Nothing it imports imports it back.
 *
 * The DOM holds a contiguous stretch of the view's sequence (topup.js), at
 * most the row cap of rows and the lines from disk above them: while
 * following, the newest ones; scrolled up,
 * older rows come above as the reader nears the top (from memory, then from
 * disk, never a silent stop) and the newest rows go below, the view then
 * held; nearing the bottom of a held view brings them back, down to the
 * newest line, where following resumes.
 *
 * A flood or a rebuild builds only the newest screenful at once (pacing.js);
 * the rest is topped up to the row cap one budgeted slice per task: while
 * the view follows a busy stream, that waits for a quiet moment.
 */
import * as chunks from './chunks.js';
import * as history from './history.js';
import * as logStatus from './log-status.js';
import * as pacing from './pacing.js';
import * as reading from './reading.js';
import { renderColhead } from './rows.js';
import * as store from './store.js';
import { BOUNDARY, LINE } from './store.js';
import { countNewer, newerSlice, olderSlice, part } from './topup.js';
import * as view from './view.js';

// Delay between two top-up slices.
const TOPUP_SLICE_MS = 25;
// Delay while waiting for a quiet moment.
const QUIET_MS = 300;
// Pages from disk read in a row when none of their lines match the view.
const MAX_CHAIN = 10;

const log = document.getElementById('log');
let lastTop = 0;          // the log's scrollTop after the last scroll seen or rows changed here
let sparse = false;
let timer = 0;
/** Entries up to this arrival number are accounted for (in the rows, or counted unseen). */
export let settledUpTo = 0;

/** The view's sequence: lines from disk and their boundary ('back'), then the store's ring. */
function parts() {
  const ring = store.ring(view.stream);
  const live = part(ring.items, ring.first());
  const b = history.boundaryEntry();
  return b ? [part(history.olderEntries()), part([b]), live] : [live];
}

function liveParts() {
  const ring = store.ring(view.stream);
  return [part(ring.items, ring.first())];
}

/** An entry of the sequence the view shows as a row. */
function keep(e) {
  return e.k === BOUNDARY || (view.matches(e) && !history.hidesLive(e));
}

/** The most rows the DOM holds: the row cap, and the lines from disk above the live ones. */
function rowLimit() {
  return view.rowsCap + history.extraRows();
}

function isUnseen(e) {
  return e.k === LINE && view.matches(e) && !history.hidesLive(e);
}

/** Every entry stored so far is accounted for: the rows, held back or not, were made from the store. */
function settle() {
  settledUpTo = store.newestN();
}

/** The view is held with its newest row at `last`: newer matching lines are counted unseen. */
function holdAt(last) {
  reading.hold();
  reading.shown(last ? last.n : 0);
  reading.setUnseen(countNewer(liveParts(), last ? last.n : 0, isUnseen));
  settle();
}

// ------------------------------------------------------------------ rebuild

/** Rebuilds the rows from the store, for a changed view: a screenful now, older rows in top-up slices. */
export function rebuild() {
  if (history.detached()) { rebuildWindow(); return; }
  const first = Math.min(view.rowsCap, pacing.floodRows());
  const cut = reading.holding ? reading.shownUpTo : Infinity;
  const out = olderSlice(parts(), cut + 1, first, keep);
  if (reading.holding) {
    reading.setUnseen(countNewer(liveParts(), cut, isUnseen));
  } else {
    reading.shown(store.newestN());
    reading.setUnseen(0);
  }
  settle();
  chunks.showViewClasses();
  chunks.replaceRows(out);
  lastTop = log.scrollTop;
  // Lines read from disk lie above the store's: top up into them too.
  if ((out.length >= first && first < rowLimit()) || history.extraRows()) scheduleTopUp(0); else markFull();
  renderColhead();
  if (reading.following) chunks.scrollToEnd();
  showAll();
}

/** Rebuilds the rows of a window of the history ('jump'): live lines stay held. */
function rebuildWindow() {
  chunks.showViewClasses();
  renderWindow(false);
  renderColhead();
  showAll();
}

function showAll() {
  reading.show();
  logStatus.showStreamNotes();
  logStatus.showEmpty();
  logStatus.showFooter();
}

// ------------------------------------------------------------------ top-up

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
 * Adds one slice of older rows above the first row, up to the row cap. Slices
 * close to what is on screen are one chunk (laid out and painted at once);
 * far above, chunks stay skipped by content-visibility and slices are larger.
 * True if more may follow.
 */
function topUp() {
  if (!sparse || history.detached()) return false;
  sparse = false;
  const near = chunks.nearTop(pacing.screenRows());
  const want = Math.min(rowLimit() - chunks.rowCount, near ? chunks.CHUNK : pacing.frameRows());
  if (want <= 0) return false;
  const first = chunks.firstEntry();
  const before = first ? first.n : (reading.holding ? reading.shownUpTo + 1 : Infinity);
  const out = olderSlice(parts(), before, want, keep);
  if (!out.length) return false;
  if (reading.following && !reading.holding) {
    chunks.prependRows(out);
    chunks.scrollToEnd();
  } else {
    prependKeeping(out);
  }
  logStatus.showEmpty();
  logStatus.showFooter();
  sparse = out.length === want && chunks.rowCount < rowLimit();
  return sparse;
}

// ------------------------------------------------------------ scrolling

/** Inserts rows above the first one, the rows on screen staying where they are. */
function prependKeeping(list) {
  if (!list.length) return;
  const h0 = log.scrollHeight, top0 = log.scrollTop;
  chunks.prependRows(list);
  if (log.scrollTop === top0) log.scrollTop = top0 + (log.scrollHeight - h0);
  lastTop = log.scrollTop;
}

/** Removes the `n` oldest rows, the rows on screen staying where they are. */
function trimTopKeeping(n) {
  if (n <= 0) return;
  const h0 = log.scrollHeight, top0 = log.scrollTop;
  chunks.trimTop(n);
  if (log.scrollTop === top0) log.scrollTop = Math.max(0, top0 - (h0 - log.scrollHeight));
  lastTop = log.scrollTop;
}

/**
 * How far the log scrolled since the last call, rows changed here left out
 * (rows added above or removed move it by themselves): 0 when the reader did
 * not move it.
 */
export function scrolled() {
  const dy = log.scrollTop - lastTop;
  lastTop = log.scrollTop;
  return dy;
}

/**
 * The reader scrolled by `dy` (follow.js; 0: a wheel at the top): going up
 * near the top, older rows come above (from memory, then from disk); going
 * down near the bottom of a held view, newer rows come back below. In a
 * window of the history, its pages.
 */
export function onScroll(dy) {
  const screen = Math.max(log.clientHeight, 100);
  const nearTop = log.scrollTop < screen;
  const nearBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - screen;
  if (history.detached()) {
    if (nearTop) windowOlder();
    else if (log.scrollTop + log.clientHeight >= log.scrollHeight - screen / 2) windowNewer();
    return;
  }
  if (reading.following) return;
  if (nearTop && dy <= 0) showOlder(0);
  else if (nearBottom && dy > 0 && reading.holding && !reading.paused) showNewer();
}

/**
 * How many rows to add at one end: a task's worth, but no more than room
 * left under the row limit and the rows out of sight at the other end (which
 * go), so that the rows on screen stay.
 */
function sliceRows(outOfSight) {
  return Math.max(1, Math.min(pacing.frameRows(), rowLimit() - chunks.rowCount + outOfSight));
}

/**
 * A slice of older rows above the first one: from memory and the lines read
 * from disk, else the next page from disk (history.js) first. Beyond the row
 * cap, the newest rows go and the view is held.
 */
async function showOlder(chain) {
  const first = chunks.firstEntry();
  const out = olderSlice(parts(), first ? first.n : Infinity, sliceRows(chunks.rowsOutside().below), keep);
  if (out.length) {
    prependKeeping(out);
    const over = chunks.rowCount - rowLimit();
    if (over > 0) { chunks.trimBottom(over); holdAt(chunks.lastEntry()); reading.show(); }
    logStatus.showEmpty();
    logStatus.showFooter();
    return;
  }
  const fresh = await history.readOlder(first);
  if (!fresh || reading.following || history.detached()) return;
  if (chain < MAX_CHAIN) { showOlder(chain + 1); return; }
  history.note('No matching line in the last ' + MAX_CHAIN + ' pages read from disk: scroll up for more');
}

/**
 * A slice of newer rows below the last one, in a held view (not paused); the
 * oldest rows go beyond the row cap. At the newest line, the view is held no
 * more. True when rows were added.
 */
export function showNewer() {
  if (!reading.holding || reading.paused || history.detached()) return false;
  const last = chunks.lastEntry();
  const out = last ? newerSlice(parts(), last.n, sliceRows(chunks.rowsOutside().above), keep) : [];
  if (!out.length) {
    reading.release();
    reading.shown(store.newestN());
    reading.setUnseen(0);
    settle();
    reading.show();
    return false;
  }
  chunks.appendRows(out);
  trimTopKeeping(chunks.rowCount - rowLimit());
  holdAt(out[out.length - 1]);
  reading.show();
  logStatus.showFooter();
  return true;
}

// ------------------------------------------------------- history windows

/** The window's rows ('jump'), the highlighted line scrolled to the middle when `scroll`. */
function renderWindow(scroll) {
  chunks.replaceRows(history.windowEntries().filter(view.matches));
  if (scroll) {
    const row = log.querySelector('.row.hl');
    if (row) row.scrollIntoView({ block: 'center' });
    else log.scrollTop = 0;
  }
  lastTop = log.scrollTop;
}

async function windowOlder() {
  const r = await history.readOlderInWindow();
  if (!r) return;
  prependKeeping(r.fresh.filter(view.matches));
  chunks.trimBottom(r.dropped.filter(view.matches).length);
}

async function windowNewer() {
  const r = await history.readNewer();
  if (!r) return;
  if (r.live) { backToLive(); return; }
  chunks.appendRows(r.fresh.filter(view.matches));
  trimTopKeeping(r.dropped.filter(view.matches).length);
}

/**
 * Opens a window of stream `id`'s history, or every host's on a merged tab
 * ({at} or {around}, and the {line} to highlight: history.js open), its
 * line highlighted in the middle; live lines are held meanwhile.
 */
export async function open(id, params) {
  if (!(await history.open(id, params))) return false;
  reading.setFollowing(false);
  reading.hold();
  renderWindow(true);
  showAll();
  return true;
}

/** Opens a link's line once the streams of the first hello are known. */
export function streamsKnown() {
  const p = history.takePending();
  if (p) open(p.id, p.params);
}

/** Following again: the lines from disk and held rows give way to the newest rows. */
export function toLive() {
  const left = history.leave();
  if (reading.holding || left) { reading.release(); rebuild(); }
}

/** The window reached the live end: the live view resumes, following. */
function backToLive() {
  reading.setFollowing(true);
  toLive();
  chunks.scrollToEnd();
  reading.show();
}
