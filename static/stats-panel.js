/* stats-panel.js: the statistics panel beside the log, for one access
 * stream: the stream shown (the tab's, or the first stream with fields), its
 * charts (charts.js) over the last hour, its latency percentiles, status
 * counts and top-10 tables of the last 10 minutes, all from the server's
 * statistics (series.js). Owns the panel's DOM.
 *
 * A click on a table row filters the live view by its value (`path:/api`,
 * `status:404`, ...); a click on a chart point opens the history on disk at
 * that point's time (history.js, at=), older than memory as well: both
 * through the functions given to install().
 *
 * On a merged tab (`*\/access`), the live figures are its hosts' merged
 * (series.js merged, stats-merge.js): counts summed, latency percentiles
 * the highest host's, shown as upper bounds (`≤`).
 *
 * For a range other than live, or with a filter in the filter box, the
 * panel shows a report from disk instead (report-panel.js), in the same
 * requests chart.
 */
import * as charts from './charts.js';
import * as range from './range.js';
import * as reportPanel from './report-panel.js';
import { mergedLabel } from './fleet.js';
import { termText } from './filter.js';
import { fmtCount, fmtPct } from './labels.js';
import { percentileLines } from './latency.js';
import { hasFields } from './layout.js';
import { span } from './rows.js';
import * as series from './series.js';
import * as store from './store.js';
import * as view from './view.js';

const TABLES = [['path', 'paths'], ['host', 'hosts'], ['addr', 'addresses'], ['ua', 'user agents'], ['upstream', 'upstreams']];
const $ = (id) => document.getElementById(id);
const main = $('main');
const panel = $('panel');
const title = $('panel-title');
const note = $('panel-note');
const body = $('panel-body');
const none = $('panel-none');
const latency = $('panel-latency');
const tables = $('panel-tables');
const reqChart = $('chart-req');
const latChart = $('chart-lat');
const latFigure = $('panel-lat');
const reqWidth = $('req-width');
const windowNote = $('panel-window');
const LIVE_WINDOW = windowNote.textContent;
const latWidth = $('lat-width');
let addFilter = () => {};

/**
 * The stream the panel shows: the one in view if it has fields, else the
 * first that has. On a merged view, its first host's: the live figures are
 * every host's (fleetGroup), a report from disk and a chart's click read
 * that host's stream.
 */
export function panelStream() {
  const list = store.streams();
  const cur = list.find((st) => view.showsStream(st) && hasFields(st.layout) && view.stream !== view.ALL);
  if (cur) return cur;
  return list.find((st) => hasFields(st.layout)) || null;
}

/** The merged view shown ({id, name, hosts, ids}, store.js), or null. */
function fleetGroup() {
  return view.merged !== null ? store.merged(view.stream) || null : null;
}

/** Shows the panel for the current view and statistics (called after each render of the figures). */
export function render() {
  main.classList.toggle('with-panel', view.panel);
  panel.hidden = !view.panel;
  if (!view.panel) { charts.destroy(); reportPanel.stop(); return; }
  const st = panelStream();
  const g = st && view.showsStream(st) ? fleetGroup() : null;
  title.textContent = st ? st.id : 'statistics';
  panel.className = 'panel' + (st ? ' c' + st.color : '');
  const fromDisk = st && reportPanel.wanted();
  tables.hidden = fromDisk;
  if (fromDisk) {
    body.hidden = false;
    none.hidden = true;
    latFigure.hidden = true;
    note.textContent = '';
    reportPanel.show(st, Math.max(160, chartWidth()));
    return;
  }
  reportPanel.stop();
  if (g) title.textContent = mergedLabel(g);
  const s = g ? series.merged(g) : st ? series.of(st.id) : null;
  body.hidden = !s;
  none.hidden = !!s;
  if (!s) {
    none.textContent = st ? 'Waiting for statistics…' : 'No stream with fields: statistics need an access log.';
    note.textContent = '';
    setText(windowNote, LIVE_WINDOW);
    charts.destroy();
    return;
  }
  showNote(series.recent(s, s.window));
  if (g) fleetNote(g, s);
  const dropped = range.reportFilter(view.filterText).dropped;
  if (dropped.length) note.textContent = (note.textContent ? note.textContent + ' · ' : '') + 'every line counted: a statistic takes no regex (' + dropped.join(' ') + ')';
  const full = series.chart(s);
  const w = Math.max(160, chartWidth());
  const data = series.aggregate(full, series.pointWidth(full.to - full.from, w - 60));
  setText(reqWidth, 'points of ' + charts.widthText(data.width) + ', shaded: least to greatest');
  // A format without $request_time or $upstream_response_time has no latency to chart.
  const timed = data.hasRt || data.hasUt;
  latFigure.hidden = !timed;
  setText(latWidth, 'points of ' + charts.widthText(data.width) + ': the greatest' + (g ? ', each the highest host\'s (an upper bound)' : ''));
  charts.show(reqChart, timed ? latChart : null, data, w);
  showLatency(s);
  showTables(s);
}

/** On a merged view: the hosts whose statistics are not in, or stopped coming. */
function fleetNote(g, s) {
  const parts = [];
  if (s.hosts < g.hosts.length) parts.push('statistics of ' + s.hosts + ' of ' + g.hosts.length + ' hosts');
  for (const x of s.stale) parts.push(x.host + '\'s statistics stopped ' + x.behind + ' s ago' + (x.counted ? '' : ', left out'));
  if (parts.length) note.textContent = (note.textContent ? note.textContent + ' · ' : '') + parts.join(' · ');
}

/** Lines that did not fit, and quietly (a tooltip, a faint word) those counted late or when read. */
function showNote(r) {
  note.textContent = r.bad ? fmtCount(r.bad) + (r.bad === 1 ? ' line' : ' lines') + ' did not fit the format' : '';
  const when = [];
  if (r.late) when.push(fmtCount(r.late) + ' arrived late (counted in their own second)');
  if (r.old) when.push(fmtCount(r.old) + ' older than the window (counted when read)');
  const text = when.length ? LIVE_WINDOW + ' · ' + [r.late ? fmtCount(r.late) + ' late' : '', r.old ? fmtCount(r.old) + ' old' : ''].filter(Boolean).join(', ') : LIVE_WINDOW;
  setText(windowNote, text);
  const title = when.length ? 'Of the lines of the last 10 minutes: ' + when.join('; ') : '';
  if (windowNote.title !== title) windowNote.title = title;
}

function showLatency(s) {
  latency.replaceChildren(percentileLines(s.latency));
}

/** The width the charts may take: the panel's content box, less a little room. */
function chartWidth() {
  const cs = getComputedStyle(body);
  return Math.floor(body.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)) - 4;
}

/** Sets an element's text, touching the DOM only when it changed. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** A table's section, made once: a title and rows of buttons (a click filters by `key:value`). */
function tableBox(key, label) {
  const box = document.createElement('section');
  box.className = 'top top-' + key;
  box.append(span('top-title', label));
  return box;
}

function rowButton() {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'top-row';
  b.append(span('top-bar'), span('top-val'), span('top-err'), span('top-n'));
  return b;
}

/**
 * Shows [value, count] rows in `box`, changing only what changed since the
 * last second (a table rebuilt every second re-lays out the whole panel);
 * `cls(i)` is an extra class of row i; `merged`: a merged view's rows.
 */
function fillTable(box, key, rows, total, cls, merged) {
  const max = rows.reduce((m, r) => Math.max(m, r[1]), 0) || 1;
  while (box.childElementCount - 1 > rows.length) box.lastElementChild.remove();
  while (box.childElementCount - 1 < rows.length) box.append(rowButton());
  rows.forEach(([value, count, error], i) => {
    const b = box.children[i + 1];
    const [bar, val, err, n] = b.children;
    const className = 'top-row' + (cls ? ' ' + cls(i) : '');
    if (b.className !== className) b.className = className;
    const width = ((100 * count) / max).toFixed(1) + '%';
    if (bar.style.width !== width) bar.style.width = width;
    setText(val, value);
    setText(n, fmtCount(count));
    setText(err, error ? '± ' + fmtCount(error) : '');
    const bound = !error ? '' : ' (at least ' + fmtCount(count - error) + (merged
      ? ': summed over the hosts; a host\'s count may be above the true one when it had too many distinct values, or when its top list leaves the value out and it counts as up to that list\'s last count)'
      : ': too many distinct values to count exactly)');
    const title = value + ' — ' + fmtCount(count) + bound + ' (' + fmtPct(count, total) + '), click to filter';
    if (b.title !== title) b.title = title;
    b._filter = termText(key, value);
  });
}

const boxes = new Map();   // table key -> its section, kept from one second to the next

/** The tables hold still under the pointer: a row is not replaced by another between aiming and clicking. */
function showTables(s) {
  if (tables.matches(':hover')) return;
  const status = s.status.slice().sort((a, b) => b[1] - a[1]);
  const total = status.reduce((n, r) => n + r[1], 0);
  const want = [];
  if (status.length) want.push(['status', 'statuses', status.map(([c, n]) => [String(c), n]), (i) => 'st' + String(status[i][0])[0]]);
  for (const [key, label] of TABLES) {
    const rows = series.topWithError(s, key);
    if (rows.length) want.push([key, label, rows, null]);
  }
  want.forEach(([key, label, rows, cls], i) => {
    if (!boxes.has(key)) boxes.set(key, tableBox(key, label));
    const box = boxes.get(key);
    fillTable(box, key, rows, total, cls, !!s.merged);
    if (tables.children[i] !== box) tables.insertBefore(box, tables.children[i] || null);
  });
  while (tables.childElementCount > want.length) tables.lastElementChild.remove();
}

/** The colours changed (theme.js): the charts are made anew in them. */
export function recolor() {
  charts.destroy();
  render();
}

/** Wires the panel: `filter(term)` adds a term to the filter box, `openAt(id, t)` opens the history of stream `id` at unix time `t`. */
export function install(filter, openAt) {
  addFilter = filter;
  tables.addEventListener('click', (ev) => {
    const b = ev.target.closest('.top-row');
    if (b && b._filter) addFilter(b._filter);
  });
  reportPanel.install(filter, render);
  charts.onPick((t) => {
    const st = panelStream();
    if (st) openAt(st.id, t);
  });
  let w = 0;
  new ResizeObserver(() => {
    if (body.clientWidth === w) return;
    w = body.clientWidth;
    if (charts.exist()) render();
  }).observe(body);
}
