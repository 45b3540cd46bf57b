/* pacing.js: when rows are built, and how many at a time. Owns the frame
 * loop (requestAnimationFrame, or a timer until the next frame is due), the
 * measured cost of a frame and of a row, whether the page is flooded, and the
 * render counters.
 *
 * Time budget: every task that builds rows (a frame, a top-up slice, the
 * first part of a rebuild) stays within FRAME_BUDGET_MS of building; style,
 * layout and paint of what was built come on top, so this stays well under a
 * frame. At most FRAME_ROWS rows are built in one task, fewer when the
 * measured cost of a row says they would not fit the budget, never fewer than
 * a screenful, and fewer when the measured cost of a frame per row it added
 * (its layout and paint too) says the frame would take more than
 * TASK_BUDGET_MS. When more lines arrive for one frame than that (a flood), only
 * the newest screenful is built and replaces the rows; older rows are added
 * back above (shown.js) once the stream pauses, the reader scrolls up or
 * pauses.
 *
 * Pacing: a message posted from a frame arrives once that frame's style,
 * layout and paint are done, which gives the frame's whole cost. While
 * flooded, rendering takes at most about a third of the main thread (the next
 * frame waits twice the cost, and at least FLOOD_INTERVAL_MS), otherwise about
 * half; the rest stays free for input at any rate of lines.
 */

export const FRAME_BUDGET_MS = 6;
// A frame's whole cost (building, style, layout, paint) is kept under this,
// below a long task (50 ms): rows are laid out and painted as they are added.
const TASK_BUDGET_MS = 30;
/** The most rows built in one task. */
export const FRAME_ROWS = 400;
const MIN_FRAME_ROWS = 32;
// While lines arrive faster than rows are built, render at most this often.
const FLOOD_INTERVAL_MS = 100;

let hasWork = () => false;  // from drive()
let work = () => {};
let rafId = 0;
let timerId = 0;
let nextFrameAt = 0;
let frameStart = 0;
let flooding = false;       // the current or last frame had more lines than it could build
let rowCost = 0.05;         // measured ms to build one row (moving average)
let frameRowCost = 0;       // measured ms of a frame per row it added, layout and paint included
let frameRowsBuilt = 0;     // rows built by the current frame
let viewRows = 48;          // rows that fit the log's height
let frames = 0, renderMs = 0, maxRenderMs = 0;

/** Sets what a frame does: `run()` when `pending()` says there is something to render. */
export function drive(pending, run) {
  hasWork = pending;
  work = run;
}

/** Asks for a frame (no-op when one is already due). */
export function schedule() {
  if (rafId || timerId) return;
  const wait = nextFrameAt - performance.now();
  if (wait > 1) {
    timerId = setTimeout(() => { timerId = 0; rafId = requestAnimationFrame(frame); }, wait);
  } else {
    rafId = requestAnimationFrame(frame);
  }
}

/** True while something is waiting to be rendered or a frame is due. */
export function busy() {
  return hasWork() || rafId !== 0 || timerId !== 0;
}

/** The current frame could not build every line that arrived for it. */
export function flooded() { flooding = true; }

/** How many rows one task may build: what fits the budget, at least a screenful. */
export function frameRows() {
  const fit = Math.min(Math.floor(FRAME_BUDGET_MS / rowCost), frameRowCost ? Math.floor(TASK_BUDGET_MS / frameRowCost) : Infinity);
  return Math.max(MIN_FRAME_ROWS, viewRows + 8, Math.min(FRAME_ROWS, fit));
}

/** Rows shown while flooded: the newest screenful. */
export function floodRows() {
  return Math.min(frameRows(), viewRows + 4);
}

/** Keeps the per-row building cost up to date: `n` rows took `ms`. */
export function measureRows(n, ms) {
  frameRowsBuilt += n;
  if (n < 16) return;
  const c = Math.min(5, Math.max(0.002, ms / n));
  rowCost = rowCost * 0.7 + c * 0.3;
}

/** The log is `n` rows high. */
export function setViewRows(n) { viewRows = n; }
export function screenRows() { return viewRows; }

export function counters() {
  return { frames, renderMs, maxRenderMs };
}

const afterFrame = new MessageChannel();
afterFrame.port1.onmessage = () => {
  const cost = performance.now() - frameStart;
  if (frameRowsBuilt >= 16) frameRowCost = frameRowCost * 0.7 + Math.min(5, cost / frameRowsBuilt) * 0.3;
  const wait = flooding ? Math.max(FLOOD_INTERVAL_MS, cost * 2) : cost > FRAME_BUDGET_MS * 2 ? cost : 0;
  nextFrameAt = Math.max(nextFrameAt, frameStart + cost + wait);
};

function frame() {
  rafId = 0;
  if (!hasWork()) return;
  const t0 = performance.now();
  if (nextFrameAt - t0 > 1) { schedule(); return; }
  frames++;
  flooding = false;
  frameRowsBuilt = 0;
  work();
  const spent = performance.now() - t0;
  renderMs += spent;
  if (spent > maxRenderMs) maxRenderMs = spent;
  // Until the frame's full cost is known, leave the main thread mostly free
  // for input when lines arrive faster than anyone can read them.
  nextFrameAt = flooding ? t0 + FLOOD_INTERVAL_MS : 0;
  frameStart = t0;
  afterFrame.port2.postMessage(0);
  if (hasWork()) schedule();
}
