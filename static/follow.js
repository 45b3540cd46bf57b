/* follow.js: pausing and following, as the reader asks for them. Owns the
 * time of the reader's last scrolling gesture on the log, which tells the
 * reader's scrolling (follow turns off when scrolled up, on again at the
 * bottom) from scrolling caused by rows changing size or being added above
 * (the view stays at the end). Scrolling above the oldest row, or within a
 * window of the history, is history.js's to handle; following again (End)
 * leaves the history.
 */
import * as chunks from './chunks.js';
import * as history from './history.js';
import * as reading from './reading.js';
import { rebuild } from './render.js';
import { isSparse, scheduleTopUp } from './topup.js';

const log = document.getElementById('log');
const colhead = document.getElementById('colhead');
let userScrollAt = -Infinity; // time of the last wheel, touch, pointer or key on the log

/** Pauses (new lines are counted, not shown) or resumes (shows them, following). */
export function setPaused(p) {
  if (p === reading.paused) return;
  if (p) {
    reading.pause();
    if (isSparse()) scheduleTopUp(0);
  } else {
    history.leave();
    reading.resume();
    rebuild();
  }
  reading.show();
}

/** Follows the newest line (also ending a pause), or stops following. */
export function setFollowing(f) {
  if (f === reading.following && !(f && reading.holding && !reading.paused)) return;
  reading.setFollowing(f);
  if (!f && isSparse()) scheduleTopUp(0);
  if (f) {
    userScrollAt = -Infinity;
    const left = history.leave();
    if (reading.holding || left) { reading.release(); rebuild(); }
    chunks.scrollToEnd();
  }
  reading.show();
}

/** The reader is scrolling the log (wheel, touch, pointer, keys). */
export function markUserScroll() {
  userScrollAt = performance.now();
}

function onScroll() {
  colhead.scrollLeft = log.scrollLeft;
  if (history.detached()) {
    // Only the reader's own scrolling pages a window (not showing the linked line).
    if (performance.now() - userScrollAt <= 1000) history.onScroll();
    return;
  }
  const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  if (performance.now() - userScrollAt > 1000) {
    // Not the reader: rows changed size or were added above. Stay at the end.
    if (reading.following && !reading.holding && !atEnd) chunks.scrollToEnd();
    return;
  }
  if (reading.following && !atEnd) setFollowing(false);
  else if (!reading.following && atEnd && !reading.paused) setFollowing(true);
  history.onScroll();
}

/** Wheel up at the top (also when the rows do not fill the log, so nothing scrolls): older lines from disk. */
function onWheel(ev) {
  markUserScroll();
  if (ev.deltaY >= 0 || log.scrollTop > 0) return;
  if (history.detached()) { history.onScroll(); return; }
  if (reading.following) setFollowing(false);
  history.onScroll();
}

export function install() {
  log.addEventListener('wheel', onWheel, { passive: true });
  log.addEventListener('touchmove', markUserScroll, { passive: true });
  log.addEventListener('pointerdown', markUserScroll, { passive: true });
  log.addEventListener('keydown', markUserScroll);
  log.addEventListener('scroll', onScroll, { passive: true });
}
