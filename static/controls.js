/* controls.js: the toolbar and the URL. Turns the filter box, the quick
 * filter chips, the columns/raw switch, the statistics switch, the rows
 * select, the stream tabs and the pause, follow, "new lines" and connection
 * buttons into changes of the view (view.js) and of following (follow.js),
 * keeps the controls showing the view, and the view in the URL's fragment
 * (url-state.js) and back; adds the filter terms that clicks on cells and
 * statistics ask for (addFilter); starts a search of the history (search.js)
 * and opens lines from disk (history.js) for the time picker, a search's
 * matches and a link's line; says under the filter box what is wrong with
 * the filter. Owns the debounce timer of the filter box and, on the "all
 * streams" tab, the choice of the stream search and jump read
 * (#hist-stream), among the streams of the tab. A fleet's merged tab reads
 * every host's stream at once (`stream=*\/NAME`): its jumps, its scrolling
 * back and its search (or the search of the one host its `node:` term
 * names), and opens a match of it among every host's lines at its time.
 */
import * as connection from './connection.js';
import { addTerm, onlyNode, termWarnings } from './filter.js';
import { splitId } from './fleet.js';
import { setFollowing, setPaused } from './follow.js';
import * as history from './history.js';
import { sync as syncRange } from './range-picker.js';
import * as reading from './reading.js';
import { followPanel, render as renderStats } from './stats.js';
import * as search from './search.js';
import { open as openHistory, rebuild } from './shown.js';
import { render as renderPanel } from './stats-panel.js';
import * as store from './store.js';
import * as tabs from './tabs.js';
import { parseLine, readHash, saveHash } from './url-state.js';
import * as view from './view.js';
import { parseMoment } from './when.js';

const $ = (id) => document.getElementById(id);
const filterBox = $('filter');
const filterError = $('filter-error');
const chips = document.querySelectorAll('[data-quick]');
const modeColumns = $('mode-columns');
const modeRaw = $('mode-raw');
const rowsSelect = $('rows');
const panelButton = $('panel-toggle');
const jumpBox = $('jump');
const jumpError = $('jump-error');
const histStream = $('hist-stream');
let filterTimer = 0;

const FILTER_HELP = filterBox.title;

/**
 * Applies a filter text; what is wrong with it (an error: nothing is
 * filtered) or doubtful (termWarnings) is said under the box, which is marked
 * invalid. The syntax help stays in the box's tooltip.
 */
function setFilterText(text) {
  view.setFilterText(text);
  showFilterProblems();
}

/** Says under the filter box what is wrong with the filter, for the streams in view (they change what is a field). */
export function showFilterProblems() {
  const error = view.filter.error;
  const fleet = !store.streams().length || store.streams().some((st) => st.host !== null);
  const why = error ? [error + ': nothing is filtered'] : termWarnings(view.filterText, fieldNames(), fleet);
  filterError.textContent = why.join('; ');
  filterError.classList.toggle('warn', !error);
  filterBox.classList.toggle('invalid', why.length > 0);
  if (why.length) filterBox.setAttribute('aria-invalid', 'true'); else filterBox.removeAttribute('aria-invalid');
  filterBox.title = (why.length ? why.join('\n') + '\n\n' : '') + FILTER_HELP;
}

/** The field names of the lines in view, or null when any name may be a field (a JSON stream). */
function fieldNames() {
  if (!store.streams().length) return null;
  const names = new Set();
  for (const st of store.streams()) {
    if (!view.showsStream(st)) continue;
    if (st.layout.kind === 'json') return null;
    if (st.layout.kind === 'text') for (const n of st.layout.names) names.add(n);
  }
  return [...names];
}

function setRowsCap(n) {
  view.setRowsCap(n);
  store.fitRows(n);
}

/** Makes every control show the view (and the reading state). */
export function syncControls() {
  filterBox.value = view.filterText;
  for (const c of chips) c.setAttribute('aria-pressed', view.quickOn(c.dataset.quick) ? 'true' : 'false');
  modeColumns.setAttribute('aria-pressed', view.mode === 'columns' ? 'true' : 'false');
  modeRaw.setAttribute('aria-pressed', view.mode === 'raw' ? 'true' : 'false');
  panelButton.setAttribute('aria-pressed', view.panel ? 'true' : 'false');
  if (![...rowsSelect.options].some((o) => +o.value === view.rowsCap)) {
    const o = document.createElement('option');
    o.value = String(view.rowsCap);
    o.textContent = view.rowsCap.toLocaleString('en-US');
    rowsSelect.appendChild(o);
  }
  rowsSelect.value = String(view.rowsCap);
  tabs.syncTabs();
  showStreamChoice();
  showFilterProblems();
  reading.show();
}

/**
 * The stream the history features (search, jump) read on the "all streams"
 * tab: a choice beside them among the streams, shown on that tab only, the
 * first stream unless the reader chose another.
 */
export function showStreamChoice() {
  const ids = store.streams().map((st) => st.id);
  if ([...histStream.options].map((o) => o.value).join('\n') !== ids.join('\n')) {
    const was = histStream.value;
    histStream.replaceChildren(...ids.map((id) => new Option(id, id)));
    histStream.value = ids.includes(was) ? was : (ids[0] || '');
  }
  histStream.hidden = view.stream !== view.ALL || ids.length < 2;
}

/** The stream search and jump read: the one shown, a merged tab's (every host's), the only one, or the one chosen on "all streams". */
function historyStream() {
  return history.streamFor() || (store.stream(histStream.value) ? histStream.value : null);
}

/**
 * The stream a search reads: on a merged tab every host's (`*\/NAME`), or
 * the one host the filter's `node:` terms name exactly; else as the jump.
 */
function searchStream() {
  if (view.merged === null) return historyStream();
  const host = onlyNode(view.filterText);
  return host !== null && store.stream(host + '/' + view.merged) ? host + '/' + view.merged : view.stream;
}

/** Takes the view from the URL; on a change (or `initial`ly) the controls follow, and the rows too after start. */
export function applyHash(initial) {
  const h = readHash();
  let changed = false;
  if (h.filter !== view.filterText) { setFilterText(h.filter); filterBox.value = h.filter; changed = true; }
  if (h.quick.join() !== view.quickNames().join()) { view.setQuick(h.quick); changed = true; }
  if (h.rows !== view.rowsCap) { setRowsCap(h.rows); changed = true; }
  if (h.mode !== view.mode) { view.setMode(h.mode); changed = true; }
  if (h.stream !== view.stream) { view.setStream(h.stream); changed = true; }
  const panelChanged = h.panel !== view.panel || h.range !== view.range;
  if (h.panel !== view.panel) view.setPanel(h.panel);
  if (h.range !== view.range) { view.setRange(h.range); syncRange(); }
  if (panelChanged || initial) followPanel();
  if (changed || initial || panelChanged) syncControls();
  if (changed && !initial) rebuild();
  if ((changed || panelChanged) && !initial) renderPanel();
  openLinked(location.hash);
}

let linked = null;  // the cursor of the last link opened
/** Opens the line a fragment links to (#line=CURSOR&stream=ID, or on a merged tab &host=HOST&at=TIME), once. */
function openLinked(hash) {
  const l = parseLine(hash);
  if (!l || l.cursor === linked) return;
  linked = l.cursor;
  if (l.host) openAmong(l.stream, l.at, l.host + '/' + l.stream.slice(2), l.cursor);
  else openLine(l.stream, l.cursor);
}

/** Shows merged view `merged` (`*\/NAME`) and every host's lines at unix time `at`, line `cursor` of stream `id` highlighted. */
function openAmong(merged, at, id, cursor) {
  if (merged !== view.stream && store.hasView(merged)) showStream(merged);
  openHistory(merged, { at, line: { stream: id, cursor } });
}

/** Shows stream `id` and the lines around line `cursor` of its history, that line highlighted. */
export function openLine(id, cursor) {
  if (id && id !== view.stream && store.stream(id)) showStream(id);
  openHistory(id, { around: cursor });
}

/**
 * A search's match in its context: the lines around it on disk as they are,
 * so the filter and quick filters are cleared (the search keeps its query),
 * the match highlighted. On a merged tab, a match of one of its hosts with a
 * time (unix seconds, else null) is shown among every host's lines then;
 * else among its own stream's, on that stream's tab.
 */
function openMatch(id, cursor, time) {
  clearTimeout(filterTimer);
  if (!view.unfiltered() || filterBox.value) {
    filterBox.value = '';
    setFilterText('');
    view.setQuick([]);
    syncControls();
    saveHash();
    if (!id || id === view.stream) rebuild();
  }
  const p = splitId(id);
  if (view.merged !== null && p && p.name === view.merged && time !== null) openAmong(view.stream, time, id, cursor);
  else openLine(id, cursor);
}

/** The time picker's moment: the lines there, in the stream shown, every host's on a merged tab (or the only one, or the one chosen: its tab is shown). */
export function jump() {
  const m = parseMoment(jumpBox.value, new Date());
  jumpError.textContent = m.error ? 'invalid' : '';
  jumpBox.title = m.error || '';
  jumpBox.classList.toggle('invalid', !!m.error);
  if (m.error) return;
  const id = historyStream();
  if (!id) { jumpError.textContent = 'no stream yet'; return; }
  if (id !== view.stream) showStream(id);
  openHistory(id, { at: m.t });
}

/** Opens the history of stream `id` at unix time `t` (a chart's point), on its tab; on a merged tab of its, every host's. */
export function openAt(id, t) {
  const st = store.stream(id);
  if (!st) return;
  if (view.merged !== null && st.name === view.merged) id = view.stream;
  if (id !== view.stream) showStream(id);
  openHistory(id, { at: t });
}

/** Searches the history of the stream shown (or the only one, or the one chosen) for the filter box's text. */
export function searchHistory() {
  clearTimeout(filterTimer);
  if (filterBox.value !== view.filterText) { setFilterText(filterBox.value); saveHash(); rebuild(); }
  search.start(searchStream(), filterBox.value);
}

export function isJumpBox(target) { return target === jumpBox; }

/** Adds a term to the filter (filter.js addTerm: a term on the same field is replaced) and applies it at once. */
export function addFilter(term) {
  clearTimeout(filterTimer);
  const text = addTerm(view.filterText, term);
  filterBox.value = text;
  if (text === view.filterText) return;
  setFilterText(text);
  saveHash();
  rebuild();
}

/** Esc: clears the filter box or, when it is empty, the quick filters. */
export function clearFilter() {
  clearTimeout(filterTimer);
  const had = view.filterText !== '' || filterBox.value !== '';
  filterBox.value = '';
  if (had) {
    setFilterText('');
    saveHash(300);
  } else if (view.quickNames().length) {
    view.setQuick([]);
    syncControls();
    saveHash();
  } else {
    return;
  }
  rebuild();
}

/** Focuses the filter box with its text selected. */
export function focusFilter() {
  filterBox.focus();
  filterBox.select();
}

export function isFilterBox(target) { return target === filterBox; }
export function blurFilter() { filterBox.blur(); }

function setMode(mode) {
  if (mode === view.mode) return;
  view.setMode(mode);
  syncControls();
  saveHash();
  rebuild();
}

function showStream(id) {
  if (id === view.stream) return;
  if (history.leave()) { reading.release(); reading.setFollowing(true); }
  view.setStream(id);
  tabs.syncTabs();
  showStreamChoice();
  showFilterProblems();
  saveHash();
  rebuild();
  renderStats();
}

function togglePanel() {
  view.setPanel(!view.panel);
  followPanel();
  syncControls();
  saveHash();
  renderPanel();
}

function installToolbar() {
  filterBox.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      if (filterBox.value === view.filterText) return;
      setFilterText(filterBox.value);
      saveHash(300);
      rebuild();
    }, 60);
  });
  for (const c of chips) {
    c.addEventListener('click', () => {
      view.toggleQuick(c.dataset.quick);
      syncControls();
      saveHash();
      rebuild();
    });
  }
  modeColumns.addEventListener('click', () => setMode('columns'));
  modeRaw.addEventListener('click', () => setMode('raw'));
  panelButton.addEventListener('click', togglePanel);
  rowsSelect.addEventListener('change', () => {
    setRowsCap(view.clampRows(parseInt(rowsSelect.value, 10) || view.DEFAULT_ROWS));
    saveHash();
    rebuild();
  });
}

export function install() {
  installToolbar();
  tabs.onSelect(showStream);
  $('pause').addEventListener('click', () => setPaused(!reading.paused));
  $('follow').addEventListener('click', () => setFollowing(true));
  $('newlines').addEventListener('click', () => { setPaused(false); setFollowing(true); });
  $('conn').addEventListener('click', () => connection.retryNow());
  $('search-btn').addEventListener('click', searchHistory);
  // The history note's stream buttons (history.js, on "all streams"): show that stream.
  $('hist-note').addEventListener('click', (ev) => {
    const b = ev.target.closest && ev.target.closest('button[data-stream]');
    if (b && store.stream(b.dataset.stream)) showStream(b.dataset.stream);
  });
  search.install(openMatch);
  window.addEventListener('hashchange', () => applyHash(false));
}
