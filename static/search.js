/* search.js: searching the history on disk (GET search, NDJSON). Owns the
 * search's state: the request under way (its AbortController), the query, the
 * stream, the counts (matches, bytes scanned of the total), how it ended; and
 * the results pane: progress bar, count, and the matches as they stream in,
 * newest first. A click on a match opens its context (history.js, around= or at=);
 * n and N then open the next (older) and the previous match's.
 *
 * The response is read incrementally (fetch, ReadableStream, TextDecoder) and
 * split into lines by ndjson.js. Matches are shown in batches, one per chunk
 * read; at most MAX_SHOWN are kept in the DOM (the count goes on). Log text
 * only as text nodes.
 *
 * A fleet search (`*\/NAME`: every host's NAME, docs/fleet.md) names each
 * match's stream (`web-1/access`), shown before its text; on a merged tab a
 * match opens among every host's lines at its time (else on its own host's
 * stream); its progress says each host's (fleet.js
 * hostProgress), and which did not answer. The filter's `node:` terms (the
 * page's own, not sent) keep the matches of the hosts they name.
 */
import { ndjsonDecoder } from './ndjson.js';
import { searchOf, searchQuery } from './pages.js';
import { fmtBytes, fmtCount } from './labels.js';
import { hostProgress, mergedName, splitId } from './fleet.js';
import { nodeFilter } from './filter.js';
import { localText } from './when.js';

const MAX_SHOWN = 5000;
const $ = (id) => document.getElementById(id);
const pane = $('search');
const title = $('search-title');
const bar = $('search-progress');
const count = $('search-count');
const list = $('search-results');
const cancelButton = $('search-cancel');

let ctrl = null;         // the search under way
let stream = null;
let matches = 0, scanned = 0, total = 0;
let hosts = null;        // a fleet search's last progress per host, or null
let failed = [];         // the reasons of the done line's `failed`
let hostOk = null;       // the `node:` terms' test of a match's host, or null
let state = 'idle';      // 'idle', 'running', 'done', 'cancelled', 'failed'
let onOpen = () => {};

/** A search runs. */
export function running() { return state === 'running'; }

/** The search's figures, for diagnostics and tests. */
export function status() { return { state, matches, scanned, total, shown: list.childElementCount, hosts: hostsText() }; }

/** A fleet search's progress per host, or ''. */
function hostsText() { return hosts || failed.length ? hostProgress(hosts || [], failed) : ''; }

function showCounts(extra) {
  const pct = total > 0 ? Math.min(100, Math.floor((scanned / total) * 100)) : 0;
  const per = hostsText();
  count.textContent = fmtCount(matches) + (matches === 1 ? ' match' : ' matches')
    + (total > 0 ? ' · ' + pct + '% of ' + fmtBytes(total) + ' scanned' : '') + (extra ? ' · ' + extra : '')
    + (per ? ' · ' + per : '');
  count.title = failed.join('\n');
  // Indeterminate (animated) only while a search runs and its size is not known yet.
  if (total > 0) { bar.max = total; bar.value = Math.min(scanned, total); } else if (state === 'running') bar.removeAttribute('value'); else bar.value = 0;
  pane.dataset.state = state;
  cancelButton.hidden = state !== 'running';
}

/** The row of one match: its time and its text, a button that opens its context. */
function resultRow(m) {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'result';
  b.dataset.cursor = m.cursor;
  const t = document.createElement('span');
  t.className = 'result-time';
  t.textContent = Number.isFinite(m.time) ? localText(m.time) : '';
  if (Number.isFinite(m.time)) b.dataset.time = String(m.time);
  b.append(t);
  if (typeof m.stream === 'string') {
    b.dataset.stream = m.stream;
    const p = splitId(m.stream);
    const h = document.createElement('span');
    h.className = 'result-host';
    h.textContent = p ? p.host : m.stream;
    b.append(h);
  }
  const x = document.createElement('span');
  x.className = 'result-text';
  x.textContent = m.text;
  b.append(x);
  li.appendChild(b);
  return li;
}

/** Handles the messages of one chunk; the matches are added to the DOM at once. */
function take(msgs) {
  const frag = document.createDocumentFragment();
  for (const m of msgs) {
    if (m.type === 'match' && typeof m.text === 'string' && typeof m.cursor === 'string') {
      if (hostOk && !hostOk(hostOf(typeof m.stream === 'string' ? m.stream : stream))) continue;
      matches++;
      if (list.childElementCount + frag.childElementCount < MAX_SHOWN) frag.appendChild(resultRow(m));
    } else if (m.type === 'progress') {
      if (Number.isFinite(m.scanned)) scanned = m.scanned;
      if (Number.isFinite(m.total)) total = m.total;
      if (Array.isArray(m.hosts)) hosts = m.hosts;
    } else if (m.type === 'done') {
      if (Number.isFinite(m.scanned)) scanned = m.scanned;
      if (Number.isFinite(m.total)) total = m.total;
      if (Array.isArray(m.hosts)) hosts = m.hosts;
      if (Array.isArray(m.failed)) failed = m.failed.filter((x) => typeof x === 'string');
      state = 'done';
      showCounts(m.truncated ? 'stopped early' + (m.budget ? ' (' + m.budget + ' budget)' : ' (limit)') : 'done');
    }
  }
  list.appendChild(frag);
  if (state === 'running') showCounts();
}

async function read(res, c) {
  const reader = res.body.getReader();
  const dec = ndjsonDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (c.signal.aborted) return;
    if (done) break;
    take(dec.push(value));
  }
  take(dec.end());
  if (state === 'running') { state = 'failed'; showCounts('the answer ended early'); }
}

/** The fleet host of a stream id, or null. */
function hostOf(id) {
  const p = splitId(id);
  return p ? p.host : null;
}

function whyNot(status, text) {
  if (status === 429) return 'too many searches run at the moment; try again shortly';
  return text.split('\n')[0].slice(0, 200) || 'HTTP ' + status;
}

/**
 * Searches stream `id`'s history for the filter text `text` (pages.js
 * searchOf): words or /regex/ as the query, field terms as its filter.
 */
export async function start(id, text) {
  cancel();
  const s = searchOf(text);
  pane.hidden = false;
  list.replaceChildren();
  matches = 0; scanned = 0; total = 0;
  hosts = null; failed = [];
  hostOk = nodeFilter(text);
  stream = id;
  const name = mergedName(id);
  title.textContent = 'Search' + (name !== null ? ' ' + name + ' on every host' : id ? ' ' + id : '') + ': ' + String(text || '').trim();
  if (!id) { state = 'failed'; showCounts('no stream to search'); return; }
  if (!s.q && !s.filter) { state = 'failed'; showCounts('type words or a /regex/ in the filter box'); return; }
  const c = new AbortController();
  ctrl = c;
  state = 'running';
  showCounts(s.dropped.length ? 'left out: ' + s.dropped.join(' ') : '');
  try {
    const res = await fetch(searchQuery(id, s), { signal: c.signal, headers: { Accept: 'application/x-ndjson' } });
    if (!res.ok) { state = 'failed'; showCounts(whyNot(res.status, await res.text())); return; }
    await read(res, c);
  } catch (e) {
    if (!c.signal.aborted) { state = 'failed'; showCounts('network error'); }
  } finally {
    if (ctrl === c) ctrl = null;
  }
}

/** Stops the search under way (Escape); what was found stays. True if one ran. */
export function cancel() {
  if (!ctrl) return false;
  ctrl.abort();
  ctrl = null;
  state = 'cancelled';
  showCounts('cancelled');
  return true;
}

/** Cancels and hides the results. */
export function close() {
  cancel();
  pane.hidden = true;
  state = 'idle';
}

/** Opens match `b`'s context, marked as the one open. */
function openResult(b) {
  for (const x of list.querySelectorAll('.result.on')) { x.classList.remove('on'); x.removeAttribute('aria-current'); }
  b.classList.add('on');
  b.setAttribute('aria-current', 'true');
  b.scrollIntoView({ block: 'nearest' });
  onOpen(b.dataset.stream || stream, b.dataset.cursor, b.dataset.time ? Number(b.dataset.time) : null);
}

/**
 * Opens the context of the match `step` places after the one open (1: the
 * next, older; -1: the previous, newer), or of the first. False when there is
 * no such match (none shown, or the end of the list).
 */
export function step(by) {
  if (pane.hidden) return false;
  const all = [...list.querySelectorAll('button.result')];
  const i = all.findIndex((b) => b.classList.contains('on'));
  const next = all[i < 0 ? 0 : i + by];
  if (!next) return false;
  openResult(next);
  return true;
}

/** `open(stream, cursor, time)` is called when a match is clicked (or n, N: step); time: unix seconds, or null. */
export function install(open) {
  onOpen = open;
  list.addEventListener('click', (ev) => {
    const b = ev.target.closest && ev.target.closest('button.result');
    if (b) openResult(b);
  });
  cancelButton.addEventListener('click', cancel);
  $('search-close').addEventListener('click', close);
}
