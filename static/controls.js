/* controls.js: the toolbar and the URL. Turns the filter box, the quick
 * filter chips, the columns/raw switch, the statistics switch, the rows
 * select, the stream tabs and the pause, follow, "new lines" and connection
 * buttons into changes of the view (view.js) and of following (follow.js),
 * keeps the controls showing the view, and the view in the URL's fragment
 * (url-state.js) and back; adds the filter terms that clicks on cells and
 * statistics ask for (addFilter); starts a search of the history (search.js)
 * and opens lines from disk (history.js) for the time picker, a search's
 * matches and a link's line. Owns only the debounce timer of the filter box.
 */
import * as connection from './connection.js';
import { addTerm } from './filter.js';
import { setFollowing, setPaused } from './follow.js';
import * as history from './history.js';
import * as reading from './reading.js';
import { rebuild } from './render.js';
import { render as renderStats } from './stats.js';
import * as search from './search.js';
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
let filterTimer = 0;

function setFilterText(text) {
  view.setFilterText(text);
  filterError.textContent = view.filter.error ? (/regex/.test(view.filter.error) ? 'invalid regex' : 'invalid') : '';
  filterBox.classList.toggle('invalid', !!view.filter.error);
  filterBox.title = view.filter.error || '';
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
  reading.show();
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
  const panelChanged = h.panel !== view.panel;
  if (panelChanged) view.setPanel(h.panel);
  if (changed || initial || panelChanged) syncControls();
  if (changed && !initial) rebuild();
  if ((changed || panelChanged) && !initial) renderPanel();
  openLinked(location.hash);
}

let linked = null;  // the cursor of the last link opened
/** Opens the line a fragment links to (#line=CURSOR&stream=ID), once. */
function openLinked(hash) {
  const l = parseLine(hash);
  if (!l || l.cursor === linked) return;
  linked = l.cursor;
  openLine(l.stream, l.cursor);
}

/** Shows stream `id` and the lines around line `cursor` of its history, that line highlighted. */
export function openLine(id, cursor) {
  if (id && id !== view.stream && store.stream(id)) showStream(id);
  history.open(id, { around: cursor });
}

/** The time picker's moment: the lines there, in the stream shown (or the only one). */
export function jump() {
  const m = parseMoment(jumpBox.value, new Date());
  jumpError.textContent = m.error ? 'invalid' : '';
  jumpBox.title = m.error || '';
  jumpBox.classList.toggle('invalid', !!m.error);
  if (m.error) return;
  const id = history.streamFor();
  if (!id) { jumpError.textContent = 'choose a stream'; return; }
  history.open(id, { at: m.t });
}

/** Searches the history of the stream shown (or the only one) for the filter box's text. */
export function searchHistory() {
  clearTimeout(filterTimer);
  if (filterBox.value !== view.filterText) { setFilterText(filterBox.value); saveHash(); rebuild(); }
  search.start(history.streamFor(), filterBox.value);
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
  saveHash();
  rebuild();
  renderStats();
}

function togglePanel() {
  view.setPanel(!view.panel);
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
  search.install(openLine);
  window.addEventListener('hashchange', () => applyHash(false));
}
