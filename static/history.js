/* history.js: lines from disk (GET history, docs/protocol.md). Owns the
 * history view's state: its mode, the stream, the entries read from disk, the
 * cursors of the next older and newer pages, the request under way, the line
 * highlighted, a link waiting for the streams, and the note above the log.
 *
 *   'off'   the live view alone
 *   'back'  the live view continued upwards: older lines from disk above the
 *           oldest row the page holds (before=seq:S, then before=CURSOR),
 *           across rotations; topup.js and render.js treat them as rows older
 *           than the store's
 *   'jump'  a window of the file away from the live end (at=, around=):
 *           paged up and down, live lines held back meanwhile; reaching the
 *           live end (after: null) resumes the live view
 *
 * Entries from disk are entries as store.js makes them (historyEntry), with
 * arrival numbers of their own below every live one. At most the store cap of
 * them are kept; End (following again) drops them all.
 */
import * as chunks from './chunks.js';
import { setFollowing } from './follow.js';
import * as logStatus from './log-status.js';
import { checkPage, historyQuery, landing, olderThan, trimWindow, withoutHeld } from './pages.js';
import { fullTime } from './parse.js';
import * as reading from './reading.js';
import { rebuild } from './render.js';
import * as store from './store.js';
import { LINE, historyEntry } from './store.js';
import { setLine } from './url-state.js';
import * as view from './view.js';
import { localText, unixTime } from './when.js';

/** 'off', 'back' or 'jump'. */
export let mode = 'off';
let sid = null;          // the stream of the entries
let entries = [];        // oldest first
let before = undefined;  // cursor of the next older page; null: the oldest line on disk is shown
let after = null;        // 'jump': cursor of the next newer page; null: the live end
let cutSeq = Infinity;   // 'back': the stream's live lines numbered below this come from disk instead
let lo = 0, hi = 0;      // arrival numbers of the next entry above and below
let ctrl = null;         // the request under way
let failedAt = -Infinity;
let target = null;       // the entry highlighted
let pending = null;      // {cursor, stream}: a link to open once the streams are known

const log = document.getElementById('log');
const noteBox = document.getElementById('hist-note');
const JUMP_BASE = -1e12;
const RETRY_MS = 3000;

/** The stream older lines come from: the one shown, or the only one. */
export function streamFor() {
  if (view.stream !== view.ALL) return view.stream;
  const list = store.streams();
  return list.length === 1 ? list[0].id : null;
}

/** Says something about the history above the log ('' hides it); `err` marks a failure. */
function say(text, err) {
  noteBox.textContent = text;
  noteBox.hidden = !text;
  noteBox.classList.toggle('err', !!err);
}

/** Offers the streams to read older lines of: a button per stream (data-stream, controls.js shows it). */
function offerStreams() {
  say('Older lines from disk are read one stream at a time: show ');
  for (const st of store.streams()) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn pick c' + st.color;
    b.dataset.stream = st.id;
    b.textContent = st.id;
    noteBox.appendChild(b);
  }
}

function setMode(m) {
  mode = m;
  document.documentElement.dataset.history = m;
}

/** Disk entries older than the live ones ('back' only), for topup.js. */
export function olderEntries() { return mode === 'back' ? entries : []; }
/** Rows the DOM may hold beyond the row cap: the disk entries shown above the live ones. */
export function extraRows() { return mode === 'back' ? entries.length : 0; }
/** The live entry is shown from disk instead (it overlaps the lines read back). */
export function hidesLive(e) {
  return mode === 'back' && e.k === LINE && e.s !== null && e.s.id === sid && e.q > 0 && e.q < cutSeq;
}
/** The view shows a window of the file instead of the live lines. */
export function detached() { return mode === 'jump'; }

/** A /history page for `params`: {page} or {status, error}, {aborted} when a newer request replaced it. */
async function fetchPage(params, signal) {
  try {
    const r = await fetch(historyQuery(params), { signal, headers: { Accept: 'application/json' } });
    if (!r.ok) {
      const why = (await r.text()).split('\n')[0].slice(0, 200);
      return { status: r.status, error: why || 'HTTP ' + r.status };
    }
    const page = checkPage(await r.json());
    return page ? { page } : { error: 'not a history page' };
  } catch (e) {
    return e && e.name === 'AbortError' ? { aborted: true } : { error: 'network error' };
  }
}

/** fetchPage as the one request under way (a new one cancels the last). */
async function get(params) {
  if (ctrl) ctrl.abort();
  const c = new AbortController();
  ctrl = c;
  const res = await fetchPage(params, c.signal);
  if (ctrl === c) ctrl = null;
  if (res.error) failedAt = performance.now();
  return res;
}

export function loading() { return ctrl !== null; }

function entriesOf(st, lines, n0) {
  return lines.map((l, i) => historyEntry(st, l, n0 + i));
}

/** Inserts rows above the first one, the rows on screen staying where they are. */
function prependKeeping(list) {
  if (!list.length) return;
  const h0 = log.scrollHeight, top0 = log.scrollTop;
  chunks.prependRows(list);
  if (log.scrollTop === top0) log.scrollTop = top0 + (log.scrollHeight - h0);
}

/** The first page back from the live view: before=seq:S, or at= the oldest row's time when S is no longer known. */
async function firstOlder(st) {
  const first = chunks.firstEntry();
  const oldest = first && first.k === LINE && first.s === st && first.q > 0 ? first : oldestLine(st);
  if (!oldest) return { error: 'no line to go back from yet' };
  const res = await get({ stream: st.id, before: 'seq:' + oldest.q });
  cutSeq = oldest.q;
  if (res.status !== 400) return res;
  const t = unixTime(fullTime(st.layout, oldest.t));
  if (t === null) return { error: 'the oldest line shown is no longer in a file on disk, and it has no time to find its place by' };
  const at = await get({ stream: st.id, at: t });
  if (!at.page) return at;
  return { page: { ...at.page, lines: olderThan(at.page, oldest.q, at.page.index) } };
}

function oldestLine(st) {
  const ring = st.ring;
  for (let i = ring.first(); i < ring.items.length; i++) if (ring.items[i].k === LINE && ring.items[i].q > 0) return ring.items[i];
  return null;
}

/**
 * Loads the next older page above the rows ('back', starting it from the live
 * view, or 'jump'). Failures say so above the log and are retried on a later
 * scroll, never sooner than RETRY_MS.
 */
export async function loadOlder(chain = 0) {
  if (ctrl || performance.now() - failedAt < RETRY_MS) return;
  if (mode !== 'jump' && reading.following) return;
  const id = mode === 'off' ? streamFor() : sid;
  const st = id && store.stream(id);
  if (!st) { offerStreams(); return; }
  if (before === null) { say('The oldest line on disk is shown'); return; }
  if (entries.length >= store.capacity()) { say('History: ' + entries.length + ' lines kept (the most); use the time picker to go further'); return; }
  say('Loading older lines…');
  const res = mode === 'off' ? await firstOlder(st) : await get({ stream: id, before });
  if (res.aborted) return;
  if (!res.page) { say('Could not load older lines: ' + res.error, true); return; }
  if (mode === 'off') { setMode('back'); sid = id; lo = 0; }
  const fresh = entriesOf(st, withoutHeld(res.page.lines, entries), lo - res.page.lines.length);
  lo -= res.page.lines.length;
  entries = fresh.concat(entries);
  before = res.page.before;
  const shown = fresh.filter(view.matches);
  prependKeeping(shown);
  say(before === null ? 'The oldest line on disk is shown' : '');
  logStatus.showFooter();
  if (!shown.length && before !== null && chain < 10) loadOlder(chain + 1);
}

/** Loads the next newer page below the window ('jump'); at the live end, the live view resumes. */
export async function loadNewer() {
  if (mode !== 'jump' || ctrl || performance.now() - failedAt < RETRY_MS) return;
  if (after === null) { backToLive(); return; }
  const st = store.stream(sid);
  say('Loading newer lines…');
  const res = await get({ stream: sid, after });
  if (res.aborted || mode !== 'jump') return;
  if (!res.page) { say('Could not load newer lines: ' + res.error, true); return; }
  const fresh = entriesOf(st, withoutHeld(res.page.lines, entries), hi);
  hi += fresh.length;
  entries = entries.concat(fresh);
  after = res.page.after;
  chunks.appendRows(fresh.filter(view.matches));
  const cut = trimWindow(entries.length, store.capacity(), 'newer').head;
  if (cut) dropOldest(cut);
  sayWindow();
}

/** Drops the `n` oldest entries of the window, and their rows. */
function dropOldest(n) {
  const gone = entries.splice(0, n);
  before = entries.length ? entries[0].c : before;
  chunks.trimTop(gone.filter(view.matches).length);
}

async function olderInWindow() {
  const st = store.stream(sid);
  say('Loading older lines…');
  const res = await get({ stream: sid, before });
  if (res.aborted || mode !== 'jump') return;
  if (!res.page) { say('Could not load older lines: ' + res.error, true); return; }
  const fresh = entriesOf(st, withoutHeld(res.page.lines, entries), lo - res.page.lines.length);
  lo -= res.page.lines.length;
  entries = fresh.concat(entries);
  before = res.page.before;
  prependKeeping(fresh.filter(view.matches));
  const cut = trimWindow(entries.length, store.capacity(), 'older').tail;
  if (cut) { entries.splice(entries.length - cut); after = entries[entries.length - 1].c; rebuild(); }
  sayWindow();
}

/** Says which window is shown; `where` says first where a jump landed instead of the time asked for. */
function sayWindow(where = '') {
  const t = target && target.tm !== null && target.tm !== undefined ? ' around ' + localText(target.tm) : '';
  say(where + 'History of ' + sid + t + ': lines from disk' + (after === null ? ', up to the live end' : '') + ' · End: back to live');
}

/** What to say when a jump to `at` did not land at that time (pages.js landing). */
function landed(page, at) {
  const where = landing(page, at);
  if (where === 'before') return 'Nothing on disk before ' + localText(at) + ': the oldest line on disk is shown. ';
  if (where === 'after') return 'Nothing on disk after ' + localText(at) + ': the newest lines are shown. ';
  return '';
}

/** Scrolling: near the top loads older lines, near the bottom of a window newer ones. True when the history took the scroll. */
export function onScroll() {
  const screen = Math.max(log.clientHeight, 100);
  const nearTop = log.scrollTop < screen;
  if (mode === 'jump') {
    if (nearTop && before !== null) { if (!ctrl) olderInWindow(); }
    else if (log.scrollTop + log.clientHeight >= log.scrollHeight - screen / 2) loadNewer();
    return true;
  }
  if (nearTop && !reading.following && atOldestRow()) loadOlder();
  return false;
}

/** The first row is the oldest the page holds for the view (nothing older to top up from memory). */
function atOldestRow() {
  const first = chunks.firstEntry();
  if (!first) return store.ring(view.stream).length === 0;
  const ring = store.ring(view.stream);
  for (let i = ring.first(); i < ring.items.length && ring.items[i].n < first.n; i++) {
    const e = ring.items[i];
    if (view.matches(e) && !hidesLive(e)) return false;
  }
  return mode !== 'back' || entries.length === 0 || first.n <= entries[0].n || !entries.some((e) => e.n < first.n && view.matches(e));
}

/** The window's rows (render.js, for 'jump'), the highlighted line scrolled to the middle. */
export function renderWindow(scroll) {
  chunks.replaceRows(entries.filter(view.matches));
  if (!scroll) return;
  const row = log.querySelector('.row.hl');
  if (row) row.scrollIntoView({ block: 'center' });
  else log.scrollTop = 0;
}

/**
 * Opens a window of stream `id`'s file: {at: unix seconds} or {around:
 * cursor}, the line at the page's `index` highlighted. False (and a note) on failure.
 */
export async function open(id, params) {
  const st = store.stream(id);
  if (!st) { pending = { id, params }; say('Opening the line when the streams are known…'); return false; }
  say('Loading ' + (params.at !== undefined ? 'lines at ' + localText(params.at) : 'the linked line') + '…');
  const res = await get({ stream: id, ...params });
  if (res.aborted) return false;
  if (!res.page) { say('Could not open the history: ' + res.error, true); return false; }
  if (!res.page.lines.length) { say('No lines on disk there', true); return false; }
  setMode('jump');
  sid = id;
  hi = res.page.lines.length;
  lo = 0;
  entries = entriesOf(st, res.page.lines, JUMP_BASE);
  lo = JUMP_BASE; hi = JUMP_BASE + entries.length;
  before = res.page.before;
  after = res.page.after;
  target = entries[Math.max(0, res.page.index)];
  target.hl = 1;
  setLine(target.c, id);
  reading.setFollowing(false);
  reading.hold();
  renderWindow(true);
  reading.show();
  logStatus.showEmpty();
  logStatus.showFooter();
  sayWindow(params.at !== undefined ? landed(res.page, params.at) : '');
  return true;
}

/** Opens a link's line once the streams of the first hello are known. */
export function streamsKnown() {
  if (!pending || !store.stream(pending.id)) return;
  const p = pending;
  pending = null;
  open(p.id, p.params);
}

/** Forgets the lines from disk (the live view alone again); the caller rebuilds the rows. */
export function leave() {
  if (ctrl) ctrl.abort();
  ctrl = null;
  const was = mode;
  setMode('off');
  entries = [];
  before = undefined;
  after = null;
  cutSeq = Infinity;
  target = null;
  failedAt = -Infinity;
  if (was === 'jump') setLine(null, null);
  say('');
  return was !== 'off';
}

/** The window reached the live end: the live view resumes, following. */
function backToLive() {
  leave();
  setFollowing(true);
  rebuild();
}
