/* follow.js: pausing and following, as the reader asks for them. Owns the
 * time of the reader's last scrolling gesture on the log, which tells the
 * reader's scrolling (follow turns off when scrolled up, on again at the
 * bottom) from scrolling caused by rows changing size or being added above
 * (the view stays at the end). Which rows come and go as the reader scrolls
 * (older ones from memory and disk, a window of the history) is shown.js's;
 * following again (End) leaves the history.
 */
import * as chunks from './chunks.js';
import * as history from './history.js';
import * as reading from './reading.js';
import * as shown from './shown.js';

const log = document.getElementById('log');
const colhead = document.getElementById('colhead');
let userScrollAt = -Infinity; // time of the last wheel, touch, pointer or key on the log

/** Pauses (new lines are counted, not shown) or resumes (shows them, following). */
export function setPaused(p) {
  if (p === reading.paused) return;
  if (p) {
    reading.pause();
    if (shown.isSparse()) shown.scheduleTopUp(0);
  } else {
    history.leave();
    reading.resume();
    shown.rebuild();
  }
  reading.show();
}

/** Follows the newest line (also ending a pause), or stops following. */
export function setFollowing(f) {
  if (f === reading.following && !(f && reading.holding && !reading.paused)) return;
  reading.setFollowing(f);
  if (!f && shown.isSparse()) shown.scheduleTopUp(0);
  if (f) {
    userScrollAt = -Infinity;
    shown.toLive();
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
  const byReader = performance.now() - userScrollAt <= 1000;
  const dy = shown.scrolled();
  if (history.detached()) {
    // Only the reader's own scrolling pages a window (not showing the linked line).
    if (byReader && dy !== 0) shown.onScroll(dy);
    return;
  }
  const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  if (!byReader) {
    // Not the reader: rows changed size or were added above. Stay at the end.
    if (reading.following && !reading.holding && !atEnd) chunks.scrollToEnd();
    return;
  }
  if (dy === 0) return; // rows changed (shown.js), not the reader's doing
  if (reading.following && !atEnd) setFollowing(false);
  else if (!reading.following && atEnd && !reading.paused && !shown.showNewer()) setFollowing(true);
  shown.onScroll(dy);
}

/** Wheel up at the top (also when the rows do not fill the log, so nothing scrolls): older lines. */
function onWheel(ev) {
  markUserScroll();
  if (ev.deltaY >= 0 || log.scrollTop > 0) return;
  if (reading.following && !history.detached()) setFollowing(false);
  shown.onScroll(0);
}

export function install() {
  log.addEventListener('wheel', onWheel, { passive: true });
  log.addEventListener('touchmove', markUserScroll, { passive: true });
  log.addEventListener('pointerdown', markUserScroll, { passive: true });
  log.addEventListener('keydown', markUserScroll);
  log.addEventListener('scroll', onScroll, { passive: true });
}
