/* history.js: lines from disk (GET history, docs/protocol.md). Owns the
 * history's state: its mode, the stream, the entries read from disk, the
 * boundary row above the live lines, the places of the next older and newer
 * pages, the request under way, the line highlighted, a link waiting for the
 * streams, and the note above the log. It reads pages and says what happened;
 * which rows the log shows of them is shown.js's.
 *
 * The stream is the one shown or, on a fleet's merged tab, the tab's
 * (`*\/NAME`): every host's NAME, merged by time, paged by GAPS (pages.js),
 * each line an entry of its own host's stream. The "all streams" tab reads
 * one stream at a time, the reader's choice (offerStreams).
 *
 *   'off'   the live view alone
 *   'back'  the live view continued upwards: older lines from disk above the
 *           oldest line the page holds (before=seq:S, then before=CURSOR; on
 *           a merged tab before=GAPS, first made of each host's oldest live line),
 *           across rotations, below a boundary row ("older lines from disk")
 *   'jump'  a window of the file away from the live end (at=, around=):
 *           paged up and down, live lines held back meanwhile; reaching the
 *           live end (after: null) resumes the live view
 *
 * Entries from disk are entries as store.js makes them (historyEntry), with
 * arrival numbers of their own below every live one (the boundary is 0). At
 * most the store cap of them are kept; End (following again) drops them all.
 */
import { mergedName } from './fleet.js';
import {
  checkPage, cutHides, findLine, gapsBefore, historyQuery, landing, olderThan, pagesCut, refusedHosts, trimmedGaps, trimWindow, withoutHeld,
} from './pages.js';
import { fullTime } from './parse.js';
import * as store from './store.js';
import { BOUNDARY, LINE, historyEntry } from './store.js';
import { setLine } from './url-state.js';
import * as view from './view.js';
import { localText, unixTime } from './when.js';

/** 'off', 'back' or 'jump'. */
export let mode = 'off';
let sid = null;          // the stream of the entries, or the merged view's id (`*\/NAME`)
let entries = [];        // oldest first
let before = undefined;  // place (cursor, GAPS) of the next older page; null: the oldest line on disk is shown
let after = null;        // 'jump': place of the next newer page; null: the live end
let cuts = new Map();    // 'back': stream id -> its live lines numbered below this come from disk instead
let failed = [];         // the last page's `failed`: the hosts or files it lacks
let lo = 0, hi = 0;      // arrival numbers of the next entry above and below
let ctrl = null;         // the request under way
let failedAt = -Infinity;
let target = null;       // the entry highlighted
let pending = null;      // {id, params}: a link to open once the streams are known
let boundary = null;     // 'back': the row between the lines from disk and the live ones

const noteBox = document.getElementById('hist-note');
const JUMP_BASE = -1e12;
const RETRY_MS = 3000;

/** The stream older lines come from: the one shown, a merged view (every host's), or on "all streams" the only one (else none). */
export function streamFor() {
  if (view.stream !== view.ALL) return view.stream;
  const list = store.streams().filter(view.showsStream);
  return list.length === 1 ? list[0].id : null;
}

/** Stream `id` is known: a stream's id, or a merged view's. */
function known(id) {
  return mergedName(id) !== null ? !!store.merged(id) : !!store.stream(id);
}

/** Says something about the history above the log ('' hides it); `err` marks a failure. */
function say(text, err) {
  noteBox.textContent = text;
  noteBox.hidden = !text;
  noteBox.classList.toggle('err', !!err);
}

/** Says `text` above the log (shown.js: what its reading from disk found). */
export function note(text) { say(text); }

/** Offers the streams to read older lines of ("all streams"): a button per stream (data-stream, controls.js shows it). */
function offerStreams() {
  say('Older lines from disk are read one stream at a time: show ');
  for (const st of store.streams().filter(view.showsStream)) {
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

/** The lines from disk above the live ones and their boundary ('back'; else none), oldest first. */
export function olderEntries() { return mode === 'back' ? entries : []; }
export function boundaryEntry() { return mode === 'back' ? boundary : null; }
/** Rows the DOM may hold beyond the row cap: the lines from disk above the live ones, and their boundary. */
export function extraRows() { return mode === 'back' ? entries.length + 1 : 0; }
/** The window's entries ('jump'), oldest first. */
export function windowEntries() { return mode === 'jump' ? entries : []; }
/** The live entry is shown from disk instead (it overlaps the lines read back). */
export function hidesLive(e) {
  return mode === 'back' && e.k === LINE && !e.h && e.s !== null && cutHides(cuts, e.s.id, e.q);
}
/** The view shows a window of the file instead of the live lines. */
export function detached() { return mode === 'jump'; }
/** The oldest line on disk has been read (nothing older to ask for). */
export function atOldest() { return mode !== 'off' && before === null; }
export function loading() { return ctrl !== null; }

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

/** May a request start now: none under way, none failed lately. */
function ready() {
  return !ctrl && performance.now() - failedAt >= RETRY_MS;
}

/**
 * The lines of a page of `id` with their stream set ({..., stream}), the
 * ones of a stream the page does not know left out (a merged page's line of
 * a host not in the last hello), and `index` moved along: {lines, index}.
 */
function pageLines(id, page) {
  const name = mergedName(id);
  const lines = [];
  let index = -1;
  page.lines.forEach((l, i) => {
    const st = store.stream(name !== null ? l.stream : id);
    if (!st || (name !== null && st.name !== name)) return;
    if (i === page.index) index = lines.length;
    lines.push({ ...l, stream: st.id });
  });
  return { lines, index };
}

/** Entries of page lines (pageLines), numbered from n0. */
function entriesOf(lines, n0) {
  return lines.map((l, i) => historyEntry(store.stream(l.stream), l, n0 + i));
}

/** The place of an entry from disk, as pages.js takes it. */
const placeOf = (e) => ({ stream: e.s.id, cursor: e.c });

/** The lines of a page not yet held: pages that overlap are joined without repeats. */
function fresh(id, page) {
  return withoutHeld(pageLines(id, page).lines, entries.map(placeOf));
}

/** The first page back from the live view: before=seq:S, or at= the oldest line's time when S is no longer known. */
async function firstOlder(st, first) {
  const oldest = first && first.k === LINE && first.s === st && first.q > 0 ? first : oldestLine(st);
  if (!oldest) return { error: 'no line to go back from yet' };
  const res = await get({ stream: st.id, before: 'seq:' + oldest.q });
  cuts = new Map([[st.id, oldest.q]]);
  if (res.status !== 400) return res;
  const t = unixTime(fullTime(st.layout, oldest.t));
  if (t === null) return { error: 'the oldest line shown is no longer in a file on disk, and it has no time to find its place by' };
  const at = await get({ stream: st.id, at: t });
  if (!at.page) return at;
  return { page: { ...at.page, lines: olderThan(at.page, oldest.q, at.page.index) } };
}

/**
 * The first page back from a merged view's live lines (`*\/NAME`): before=
 * GAPS made of the oldest live line in memory of each host
 * (`web-1:-seq:S1,web-2:-seq:S2`), each host's live lines below it then
 * shown from disk instead (cuts). A host left out of GAPS would not be read
 * at all, so when a host of the view has no live line in memory (none yet,
 * or all pushed out by the others'), the page is at= the time of the oldest
 * line shown instead, which reads every host: its lines before that time,
 * and each other host's below its cut (olderThan). The same when the
 * server no longer knows a host's number (it refuses that host's gap: 400
 * when it refuses them all).
 */
async function firstOlderMerged(id) {
  const ring = store.ring(id);
  const live = [];
  let t = null;  // the time of the oldest line shown that has one
  for (let i = ring.first(); i < ring.items.length; i++) {
    const e = ring.items[i];
    if (e.k !== LINE || e.s === null) continue;
    if (e.q > 0) live.push([e.s.id, e.q]);
    if (t === null) t = unixTime(fullTime(e.s.layout, e.t));
  }
  const seqs = pagesCut(live);
  cuts = seqs;
  if (store.merged(id).ids.every((sid) => seqs.has(sid))) {
    const res = await get({ stream: id, before: gapsBefore(seqs) });
    if (res.page ? !refusedHosts(res.page, seqs).length : res.status !== 400) return res;
  }
  if (t === null) return { error: live.length ? 'the oldest lines shown are no longer in a file on disk, and have no time to find their place by' : 'no line to go back from yet' };
  const at = await get({ stream: id, at: t });
  if (!at.page) return at;
  return { page: { ...at.page, lines: olderThan(at.page, seqs, at.page.index) } };
}

function oldestLine(st) {
  const ring = st.ring;
  for (let i = ring.first(); i < ring.items.length; i++) if (ring.items[i].k === LINE && ring.items[i].q > 0) return ring.items[i];
  return null;
}

/** What the last page lacks (`failed`: hosts that did not answer, files not read to their end), as a note's end. */
function lacking() {
  return failed.length ? ' · not read: ' + failed.join('; ').slice(0, 300) : '';
}

/**
 * Reads the next older page above the live view ('back', starting it from
 * 'off'; `first`: the oldest line the view holds). The entries read, oldest
 * first, or null when none could be (the note above the log says why, or
 * that the oldest line on disk is shown). Failures are retried on a later
 * scroll, never sooner than RETRY_MS.
 */
export async function readOlder(first) {
  if (mode === 'jump' || !ready()) return null;
  const id = mode === 'off' ? streamFor() : sid;
  if (!id || !known(id)) { offerStreams(); return null; }
  const merged = mergedName(id) !== null;
  if (before === null) { say('The oldest line on disk is shown' + lacking(), failed.length > 0); return null; }
  if (entries.length >= store.capacity()) {
    say('History: ' + entries.length.toLocaleString('en-US') + ' lines from disk kept (the most); use the time picker to go further back');
    return null;
  }
  say('Loading older lines from disk…');
  const res = mode === 'off' ? await (merged ? firstOlderMerged(id) : firstOlder(store.stream(id), first)) : await get({ stream: id, before });
  if (res.aborted) return null;
  if (!res.page) { say('Could not load older lines: ' + res.error, true); return null; }
  if (mode === 'off') {
    setMode('back');
    sid = id;
    lo = 0;
    boundary = { k: BOUNDARY, s: merged ? null : store.stream(id), q: 0, t: 'older lines from disk', v: 0, n: 0, r: null };
  }
  const lines = fresh(id, res.page);
  lo -= lines.length;
  const got = entriesOf(lines, lo);
  entries = got.concat(entries);
  before = res.page.before;
  failed = res.page.failed;
  say((before === null ? 'The oldest line on disk is shown' : '') + lacking(), failed.length > 0);
  return got;
}

/**
 * Reads the next page below the window ('jump'): {fresh, dropped} (the new
 * entries, and how many of the oldest were dropped to stay within the store
 * cap), {live: true} at the live end, or null.
 */
export async function readNewer() {
  if (mode !== 'jump' || !ready()) return null;
  if (after === null) return { live: true };
  say('Loading newer lines…');
  const res = await get({ stream: sid, after });
  if (res.aborted || mode !== 'jump') return null;
  if (!res.page) { say('Could not load newer lines: ' + res.error, true); return null; }
  const got = entriesOf(fresh(sid, res.page), hi);
  hi += got.length;
  entries = entries.concat(got);
  after = res.page.after;
  failed = res.page.failed;
  const cut = trimWindow(entries.length, store.capacity(), 'newer').head;
  const gone = entries.splice(0, cut);
  if (cut && mergedName(sid) !== null) before = trimmedGaps(before, entries.map(placeOf), gone.map(placeOf), 'before');
  else if (cut) before = entries.length ? entries[0].c : before;
  sayWindow();
  return { fresh: got, dropped: gone };
}

/** Reads the next page above the window ('jump'): {fresh, trimmed} (true when the newest were dropped), or null. */
export async function readOlderInWindow() {
  if (mode !== 'jump' || before === null || !ready()) return null;
  say('Loading older lines…');
  const res = await get({ stream: sid, before });
  if (res.aborted || mode !== 'jump') return null;
  if (!res.page) { say('Could not load older lines: ' + res.error, true); return null; }
  const lines = fresh(sid, res.page);
  lo -= lines.length;
  const got = entriesOf(lines, lo);
  entries = got.concat(entries);
  before = res.page.before;
  failed = res.page.failed;
  const cut = trimWindow(entries.length, store.capacity(), 'older').tail;
  if (cut) {
    const gone = entries.splice(entries.length - cut);
    after = mergedName(sid) !== null ? trimmedGaps(after, entries.map(placeOf), gone.map(placeOf), 'after') : entries[entries.length - 1].c;
  }
  sayWindow();
  return { fresh: got, trimmed: cut > 0 };
}

/** Says which window is shown; `where` says first where a jump landed instead of the time asked for. */
function sayWindow(where = '') {
  const t = target && target.tm !== null && target.tm !== undefined ? ' around ' + localText(target.tm) : '';
  const name = mergedName(sid);
  const of = name !== null ? name + ' on every host' : sid;
  say(where + 'History of ' + of + t + ': lines from disk' + (after === null ? ', up to the live end' : '') + ' · End: back to live' + lacking(), failed.length > 0);
}

/** What to say when a jump to `at` did not land at that time (pages.js landing). */
function landed(page, at) {
  const where = landing(page, at);
  if (where === 'before') return 'Nothing on disk before ' + localText(at) + ': the oldest line on disk is shown. ';
  if (where === 'after') return 'Nothing on disk after ' + localText(at) + ': the newest lines are shown. ';
  return '';
}

/**
 * Reads a window of stream `id`'s file, or of every host's on a merged view
 * (`*\/NAME`): {at: unix seconds} or {around: cursor} (not on a merged
 * view), the line at the page's `index` highlighted, or the line `line`
 * ({stream, cursor}) when the page has it. True when it became the window
 * ('jump'); false (and a note) on failure, or when the streams are not known
 * yet (the link is kept for streamsKnown).
 */
export async function open(id, params) {
  if (!known(id)) { pending = { id, params }; say('Opening the line when the streams are known…'); return false; }
  const { line, ...query } = params;
  say('Loading ' + (query.at !== undefined ? 'lines at ' + localText(query.at) : 'the linked line') + '…');
  const res = await get({ stream: id, ...query });
  if (res.aborted) return false;
  if (!res.page) { say('Could not open the history: ' + res.error, true); return false; }
  const page = pageLines(id, res.page);
  if (!page.lines.length) { say('No lines on disk there', true); return false; }
  setMode('jump');
  sid = id;
  entries = entriesOf(page.lines, JUMP_BASE);
  lo = JUMP_BASE; hi = JUMP_BASE + entries.length;
  before = res.page.before;
  after = res.page.after;
  failed = res.page.failed;
  boundary = null;
  const hit = line ? findLine(page.lines, line.stream, line.cursor) : -1;
  target = entries[hit >= 0 ? hit : Math.max(0, page.index)];
  target.hl = 1;
  if (mergedName(id) !== null) setLine(target.c, id, target.s.host, query.at);
  else setLine(target.c, id);
  sayWindow(query.at !== undefined && hit < 0 ? landed(res.page, query.at) : '');
  return true;
}

/** The link waiting for the streams, once they are known ({id, params}), or null. */
export function takePending() {
  if (!pending || !known(pending.id)) return null;
  const p = pending;
  pending = null;
  return p;
}

/** Forgets the lines from disk (the live view alone again); true when there were any. The caller rebuilds the rows. */
export function leave() {
  if (ctrl) ctrl.abort();
  ctrl = null;
  const was = mode;
  setMode('off');
  entries = [];
  before = undefined;
  after = null;
  cuts = new Map();
  failed = [];
  target = null;
  boundary = null;
  failedAt = -Infinity;
  if (was === 'jump') setLine(null, null);
  say('');
  return was !== 'off';
}
