/* reading.js: where the reader is, and how that is shown. Owns whether the
 * view is paused, whether it follows the newest line, whether new rows are
 * held back (paused, or scrolled up with the DOM at its row cap), how many
 * matching lines are held back unseen, and up to which entry (arrival number)
 * the DOM accounts for. show() puts this on the pause, follow and "N new
 * lines" buttons and on <html data-paused data-following>.
 *
 * Read-only live bindings; the functions below are the only transitions.
 */
import { newLinesLabel } from './labels.js';

export let paused = false;
export let following = true;
/** New matching entries are counted in `unseen` instead of being added to the DOM. */
export let holding = false;
/** Matching entries newer than the DOM (paused or scrolled up). */
export let unseen = 0;
/** Arrival number of the newest entry the DOM accounts for. */
export let shownUpTo = 0;

export function pause() { paused = true; holding = true; }

export function resume() { paused = false; following = true; holding = false; }

/** Follows the newest line again (which also ends a pause), or stops following. */
export function setFollowing(f) {
  following = f;
  if (f) paused = false;
}

export function hold() { holding = true; }
export function release() { holding = false; }

export function countUnseen(n) { unseen += n; }
export function setUnseen(n) { unseen = n; }

/** The DOM now accounts for every entry up to arrival number `n`. */
export function shown(n) { shownUpTo = n; }

/** Nothing shown (a new run of the daemon): a pause goes on holding. */
export function reset() {
  holding = paused;
  unseen = 0;
  shownUpTo = 0;
}

const newlines = document.getElementById('newlines');
const pauseButton = document.getElementById('pause');
const followButton = document.getElementById('follow');

export function show() {
  if (holding && unseen > 0) {
    newlines.hidden = false;
    newlines.textContent = newLinesLabel(unseen, paused);
  } else {
    newlines.hidden = true;
  }
  pauseButton.textContent = paused ? 'Resume' : 'Pause';
  pauseButton.setAttribute('aria-pressed', paused ? 'true' : 'false');
  pauseButton.classList.toggle('on', paused);
  followButton.setAttribute('aria-pressed', following ? 'true' : 'false');
  followButton.classList.toggle('on', following && !paused);
  document.documentElement.dataset.paused = paused ? '1' : '0';
  document.documentElement.dataset.following = following ? '1' : '0';
}
