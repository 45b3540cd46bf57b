/* chunks.js: the rows in the #log element. Owns the row count, the row
 * chunks and the scroll position at the end (while following).
 *
 * Rows are grouped in chunks of CHUNK rows. Chunks off screen skip style,
 * layout and paint (content-visibility: auto in app.css, with an intrinsic
 * size estimated from the row height per row), which keeps a full DOM of rows cheap.
 * The DOM is written once per chunk (fragments), never once per row, and
 * never holds more than the row cap (view.rowsCap): rows are trimmed at
 * one end as others come at the other (shown.js says which).
 */
import { hideCopy, releaseCopy } from './copy.js';
import { measureRows, setViewRows } from './pacing.js';
import * as reading from './reading.js';
import { buildRow } from './rows.js';
import * as view from './view.js';

export const CHUNK = 64;
/** --row-h in app.css: the height of a row in columns mode, in px (it follows the browser's font size). */
let rowPx = 18;

const log = document.getElementById('log');
const colhead = document.getElementById('colhead');
/** Rows in the DOM. */
export let rowCount = 0;
let settleRaf = 0;

function newChunk() {
  const c = document.createElement('div');
  c.className = 'chunk';
  return c;
}

/** Size estimate of a chunk while it is off screen (content-visibility). */
function sizeChunk(c) {
  c.style.containIntrinsicSize = 'auto ' + (c.childElementCount * rowPx) + 'px';
}

/** Builds rows for list[from, to) into `parent`, in the current view's way. */
function build(parent, list, from, to) {
  const all = view.stream === view.ALL;
  const raw = view.mode === 'raw';
  const f = view.highlighter();
  for (let i = from; i < to; i++) parent.appendChild(buildRow(list[i], all, raw, f));
}

/** Appends rows for `list` after the last row, filling the last chunk first. */
export function appendRows(list) {
  if (!list.length) return;
  const t0 = performance.now();
  const last = log.lastElementChild;
  let i = 0;
  if (last && last.childElementCount < CHUNK) {
    i = Math.min(list.length, CHUNK - last.childElementCount);
    const part = document.createDocumentFragment();
    build(part, list, 0, i);
    last.appendChild(part);
    // Its size estimate is not touched: a change of style lays out every row of
    // the chunk again, and the last chunk is the one on screen while following.
    // Off screen, `auto` keeps the size it last had on screen.
  }
  if (i < list.length) {
    const frag = document.createDocumentFragment();
    for (; i < list.length; i += CHUNK) {
      const c = newChunk();
      build(c, list, i, Math.min(list.length, i + CHUNK));
      sizeChunk(c);
      frag.appendChild(c);
    }
    log.appendChild(frag);
  }
  rowCount += list.length;
  measureRows(list.length, performance.now() - t0);
}

/** Inserts rows for `list` (oldest first) above the first row, topping up the first chunk first. */
export function prependRows(list) {
  const t0 = performance.now();
  const firstChunk = log.firstElementChild;
  let i = list.length;
  if (firstChunk && firstChunk.childElementCount < CHUNK) {
    const k = Math.min(i, CHUNK - firstChunk.childElementCount);
    const part = document.createDocumentFragment();
    build(part, list, i - k, i);
    firstChunk.insertBefore(part, firstChunk.firstElementChild);
    sizeChunk(firstChunk);
    i -= k;
  }
  const chunks = [];
  for (; i > 0; i -= CHUNK) {
    const c = newChunk();
    build(c, list, Math.max(0, i - CHUNK), i);
    sizeChunk(c);
    chunks.push(c);
  }
  const frag = document.createDocumentFragment();
  for (let j = chunks.length - 1; j >= 0; j--) frag.appendChild(chunks[j]);
  log.insertBefore(frag, log.firstElementChild);
  rowCount += list.length;
  measureRows(list.length, performance.now() - t0);
}

/** Replaces every row by rows for `list`. */
export function replaceRows(list) {
  hideCopy();
  log.replaceChildren();
  rowCount = 0;
  appendRows(list);
}

/** Removes the n oldest rows. */
export function trimTop(n) {
  trim(n, true);
}

/** Removes the n newest rows. */
export function trimBottom(n) {
  trim(n, false);
}

/** Removes n rows from the top (oldest) or the bottom (newest), whole chunks first. */
function trim(n, top) {
  if (n <= 0) return;
  if (n >= rowCount) { replaceRows([]); return; }
  releaseCopy();
  rowCount -= n;
  while (n > 0) {
    const c = top ? log.firstElementChild : log.lastElementChild;
    const k = c.childElementCount;
    if (k <= n) {
      c.remove();
      n -= k;
    } else {
      const r = document.createRange();
      r.setStart(c, top ? 0 : k - n);
      r.setEnd(c, top ? n : k);
      r.deleteContents();
      sizeChunk(c);
      n = 0;
    }
  }
}

/** The entry of the last row, or null. */
export function lastEntry() {
  const c = log.lastElementChild;
  const row = c && c.lastElementChild;
  return row && row._e ? row._e : null;
}

/** The entry of the first row, or null. */
export function firstEntry() {
  const c = log.firstElementChild;
  const row = c && c.firstElementChild;
  return row && row._e ? row._e : null;
}

/** True when the top of the log is within a few screens of what is shown. */
export function nearTop(screenRows) {
  return log.scrollTop < 3 * Math.max(log.clientHeight, screenRows * rowPx);
}

/** About how many rows lie wholly above the log's viewport, and below it. */
export function rowsOutside() {
  const above = Math.floor(log.scrollTop / rowPx);
  const below = rowCount - Math.ceil((log.scrollTop + log.clientHeight) / rowPx);
  return { above: Math.max(0, Math.min(rowCount, above)), below: Math.max(0, below) };
}

/** Marks the log for the view: the stream column shown, raw lines. */
export function showViewClasses() {
  log.classList.toggle('all', view.stream === view.ALL);
  log.classList.toggle('raw', view.mode === 'raw');
}

/**
 * Scrolls to the newest row. Rows that come into view get their real size
 * (wrapped raw lines are taller than estimated): sticks to the end until the
 * height settles, for as long as the view follows.
 */
export function scrollToEnd() {
  log.scrollTop = log.scrollHeight;
  colhead.scrollLeft = log.scrollLeft;
  if (settleRaf) return;
  let tries = 20;
  let stable = 0;
  let last = -1;
  const settle = () => {
    settleRaf = 0;
    if (!reading.following || reading.holding) return;
    const h = log.scrollHeight;
    if (log.scrollTop + log.clientHeight < h - 1) log.scrollTop = h;
    stable = h === last ? stable + 1 : 0;
    last = h;
    if (stable < 3 && --tries > 0) settleRaf = requestAnimationFrame(settle);
  };
  settleRaf = requestAnimationFrame(settle);
}

/** Keeps the pacing's idea of a screenful in step with the log's height. */
export function watchSize() {
  rowPx = parseFloat(getComputedStyle(log).lineHeight) || rowPx;
  new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    setViewRows(Math.max(1, Math.ceil(box.height / rowPx)));
    if (reading.following) scrollToEnd();
  }).observe(log);
}
