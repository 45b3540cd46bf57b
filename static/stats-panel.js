/* stats-panel.js: the statistics panel beside the log, for one access
 * stream: the stream shown (the tab's, or the first stream with fields), its
 * charts (charts.js) over the last hour, its latency percentiles, status
 * counts and top-10 tables of the last 10 minutes, all from the server's
 * statistics (series.js). Owns the panel's DOM.
 *
 * Clicks filter the live view through the function given to install():
 * a table row by its value (`path:/api`, `status:404`, ...), a chart point by
 * its time (`time:14:02:03` for a second, `time:14:02` for a minute), as the
 * log writes it: the time of day in the log's own clock, which the newest
 * line of the stream tells (its zone offset).
 */
import * as charts from './charts.js';
import { clockTime, present, timeIndex, zoneOffset } from './fields.js';
import { termText } from './filter.js';
import { fmtCount, fmtMs, fmtPct } from './labels.js';
import { hasFields } from './layout.js';
import { span } from './rows.js';
import * as series from './series.js';
import * as store from './store.js';
import { LINE, recordOf } from './store.js';
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
let addFilter = () => {};

/** The stream the panel shows: the one in view if it has fields, else the first that has. */
export function panelStream() {
  const list = store.streams();
  const cur = list.find((st) => st.id === view.stream);
  if (cur && hasFields(cur.layout)) return cur;
  return list.find((st) => hasFields(st.layout)) || null;
}

/** Shows the panel for the current view and statistics (called after each render of the figures). */
export function render() {
  main.classList.toggle('with-panel', view.panel);
  panel.hidden = !view.panel;
  if (!view.panel) { charts.destroy(); return; }
  const st = panelStream();
  const s = st ? series.of(st.id) : null;
  title.textContent = st ? st.id : 'statistics';
  panel.className = 'panel' + (st ? ' c' + st.color : '');
  body.hidden = !s;
  none.hidden = !!s;
  if (!s) {
    none.textContent = st ? 'Waiting for statistics…' : 'No stream with fields: statistics need an access log.';
    note.textContent = '';
    charts.destroy();
    return;
  }
  const bad = series.recent(s, s.window).bad;
  note.textContent = bad ? fmtCount(bad) + (bad === 1 ? ' line' : ' lines') + ' did not fit the format' : '';
  const data = series.chart(s);
  // A format without $request_time or $upstream_response_time has no latency to chart.
  const timed = data.hasRt || data.hasUt;
  latFigure.hidden = !timed;
  charts.show(reqChart, timed ? latChart : null, data, Math.max(200, body.clientWidth - 4));
  showLatency(s);
  showTables(s);
}

function showLatency(s) {
  const frag = document.createDocumentFragment();
  for (const k of ['rt', 'ut']) {
    const p = s.latency && Array.isArray(s.latency[k]) ? s.latency[k] : null;
    if (!p || p.every((x) => x === null)) continue;
    const item = span('lat-item');
    item.append(span('lat-name', k === 'rt' ? 'request' : 'upstream'));
    ['p50', 'p95', 'p99'].forEach((name, i) => {
      item.append(span('lat-p', name), span('lat-v', p[i] === null ? '–' : fmtMs(p[i] * 1000)));
    });
    frag.append(item);
  }
  latency.replaceChildren(frag);
}

/** A table of [value, count] rows; a click on a row filters by `key:value`. */
function table(key, label, rows, total) {
  const box = document.createElement('section');
  box.className = 'top top-' + key;
  box.append(span('top-title', label));
  const max = rows.reduce((m, r) => Math.max(m, r[1]), 0) || 1;
  for (const [value, count] of rows) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'top-row';
    b.title = value + ' — ' + fmtCount(count) + ' (' + fmtPct(count, total) + '), click to filter';
    b._filter = termText(key, value);
    const bar = span('top-bar');
    bar.style.width = ((100 * count) / max).toFixed(1) + '%';
    b.append(bar, span('top-val', value), span('top-n', fmtCount(count)));
    box.append(b);
  }
  return box;
}

function showTables(s) {
  const frag = document.createDocumentFragment();
  const status = s.status.slice().sort((a, b) => b[1] - a[1]);
  const total = status.reduce((n, r) => n + r[1], 0);
  if (status.length) {
    const t = table('status', 'statuses', status.map(([c, n]) => [String(c), n]), total);
    t.querySelectorAll('.top-row').forEach((b, i) => b.classList.add('st' + String(status[i][0])[0]));
    frag.append(t);
  }
  for (const [key, label] of TABLES) {
    const rows = series.top(s, key);
    if (rows.length) frag.append(table(key, label, rows, total));
  }
  tables.replaceChildren(frag);
}

/** The zone offset of the stream's time field, from its newest line, or null (fields.js zoneOffset). */
function logZone(st) {
  const items = st.ring.items;
  for (let i = items.length - 1, k = 0; i >= 0 && k < 20; i--, k++) {
    if (items[i].k !== LINE) continue;
    const rec = recordOf(items[i]);
    const ti = rec ? timeIndex(rec) : -1;
    if (ti >= 0 && present(rec.vals[ti])) return zoneOffset(rec.vals[ti]);
  }
  return null;
}

/** Wires the panel: `filter(term)` adds a term to the filter box. */
export function install(filter) {
  addFilter = filter;
  tables.addEventListener('click', (ev) => {
    const b = ev.target.closest('.top-row');
    if (b && b._filter) addFilter(b._filter);
  });
  charts.onPick((t, step) => {
    const st = panelStream();
    if (!st) return;
    const hms = clockTime(t, logZone(st));
    addFilter('time:' + (step >= 60 ? hms.slice(0, 5) : hms));
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { charts.destroy(); render(); });
  let w = 0;
  new ResizeObserver(() => {
    if (body.clientWidth === w) return;
    w = body.clientWidth;
    if (charts.exist()) render();
  }).observe(body);
}
