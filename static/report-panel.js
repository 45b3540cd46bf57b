/* report-panel.js: the statistics panel when it shows a report from disk
 * rather than the server's live statistics: for a range other than live,
 * or for a filter in the filter box (then over the last hour, asked again
 * every 10 s: the panel follows the filter, live lines included). Owns the
 * requests (one at a time per page, an AbortController cancels it when the
 * range, the filter or the streams change, or the panel closes), the
 * reports received and the DOM of #report: progress, errors in words, the
 * totals, status codes, percentiles, hits by hour, GoAccess's panels with
 * their untracked counts, the exports. The requests chart is charts.js's,
 * drawn from the report's series (report-model.js chartData).
 *
 * On "all streams" every stream with fields is reported on, one after the
 * other: a line per stream, and one stream's report in full (a click on a
 * stream's line shows it).
 */
import * as charts from './charts.js';
import { saveFrom, saveText, stamp } from './export.js';
import { reportCsv } from './csv.js';
import { termText } from './filter.js';
import { fmtBytes, fmtCount, fmtPct } from './labels.js';
import { percentileLines } from './latency.js';
import { hasFields } from './layout.js';
import * as range from './range.js';
import { fetchReport } from './report-fetch.js';
import * as model from './report-model.js';
import { span } from './rows.js';
import * as store from './store.js';
import * as view from './view.js';

const $ = (id) => document.getElementById(id);
const box = $('report');
const bar = $('report-progress');
const statusText = $('report-status');
const cancelButton = $('report-cancel');
const retryButton = $('report-retry');
const streamsBox = $('report-streams');
const body = $('report-body');

let key = '';            // what the reports shown answer: streams, range, filter
let ctrl = null;         // the request under way
let timer = 0;           // the next refresh of a filtered live panel
let state = 'idle';      // 'running', 'done', 'failed', 'cancelled'
let why = '';            // the failure, in words
let asked = null;        // {ids, span, filter, dropped} of the last run
let scanned = 0, total = 0;
let reports = new Map(); // stream id -> {raw, r}
let chosen = null;       // the stream shown in full
let drawn = null;        // {r, width} last drawn in the chart
let addFilter = () => {};
const SETTLE = 300;       // ms a new question waits for the next, before it is asked

/** True when the panel shows a report: a range other than live, or a filter a report can take. */
export function wanted() {
  return view.range !== range.LIVE || range.reportFilter(view.filterText).filter !== '';
}

/** The streams reported on: the one in view, or on "all streams" every one with fields. */
function streamsFor(st) {
  if (view.stream !== view.ALL) return st ? [st.id] : [];
  return store.streams().filter((s) => hasFields(s.layout)).map((s) => s.id);
}

/** What the panel reports on now, as a key (a relative range's times are taken when it is asked). */
function keyOf(ids) {
  return JSON.stringify([ids, view.range, range.reportFilter(view.filterText).filter]);
}

/** Shows the report for the view (asking for it when the view changed); `st` is the panel's stream, `width` the chart's. */
export function show(st, width) {
  box.hidden = false;
  const ids = streamsFor(st);
  const k = keyOf(ids);
  if (k !== key) {
    // A new question: asked once it holds still for a moment (a filter being typed asks once).
    key = k;
    chosen = st ? st.id : ids[0] || null;
    reports = new Map();
    cancel();
    clearTimeout(timer);
    state = 'running';
    asked = null;
    paint();
    timer = setTimeout(() => { timer = 0; start(ids); }, SETTLE);
  }
  paintChart(width);
}

/** Cancels what is under way and hides the report (the panel closed, or went back to live). */
export function stop() {
  cancel();
  clearTimeout(timer);
  timer = 0;
  key = '';
  drawn = null;
  box.hidden = true;
}

function cancel() {
  if (ctrl) ctrl.abort();
  ctrl = null;
}

/** Asks for the reports of `ids`, one after the other; a filtered live panel asks again LIVE_EVERY ms after. */
function start(ids) {
  cancel();
  clearTimeout(timer);
  const now = Math.floor(Date.now() / 1000);
  const span = view.range === range.LIVE ? { from: now - range.LIVE_SPAN, to: now } : range.spanOf(view.range, now);
  asked = { ids, span, ...range.reportFilter(view.filterText) };
  const c = new AbortController();
  ctrl = c;
  state = 'running';
  why = '';
  scanned = 0;
  total = 0;
  paint();
  run(c, asked);
}

async function run(c, a) {
  let refused = false;
  for (const id of a.ids) {
    try {
      const raw = await fetchReport(range.reportQuery(id, a.span, a.filter), c.signal, (s, t) => {
        scanned = s;
        total = t;
        paintState();
      });
      if (c.signal.aborted) return;
      const r = model.checkReport(raw);
      if (r) reports.set(id, { raw, r });
      drawn = null;
      paint();
    } catch (e) {
      if (c.signal.aborted) return;
      state = 'failed';
      why = e.message;
      refused = e.status === 400 || e.status === 403;
      break;
    }
  }
  ctrl = null;
  if (state === 'running') state = 'done';
  paint();
  // A filtered live panel asks again, after a failure too (a busy server is busy for a moment), unless the query itself was refused.
  if (view.range === range.LIVE && !refused) timer = setTimeout(() => { timer = 0; if (key) start(a.ids); }, range.LIVE_EVERY);
}

/** What the panel says it shows. */
function caption() {
  const what = view.range === range.LIVE ? 'last hour, from the files, every ' + range.LIVE_EVERY / 1000 + ' s' : range.rangeLabel(view.range) + ', from the files';
  const parts = [what];
  if (asked && asked.filter) parts.push('filter: ' + asked.filter);
  if (asked && asked.dropped.length) parts.push('left out (a report takes no regex): ' + asked.dropped.join(' '));
  if (view.quickNames().length) parts.push('quick filters not applied');
  return parts.join(' · ');
}

function paintState() {
  const pct = total > 0 ? Math.min(100, Math.floor((100 * scanned) / total)) : 0;
  if (state === 'running' && total > 0) { bar.max = total; bar.value = Math.min(scanned, total); } else if (state === 'running') bar.removeAttribute('value'); else { bar.max = 1; bar.value = state === 'done' ? 1 : 0; }
  bar.hidden = state !== 'running';
  const had = reports.size > 0;
  const text = {
    running: (had ? 'refreshing' : 'reading the files') + (total > 0 ? ': ' + pct + '% of ' + fmtBytes(total) : '…'),
    done: '',
    failed: why,
    cancelled: 'cancelled',
    idle: '',
  }[state];
  statusText.textContent = text;
  statusText.classList.toggle('report-error', state === 'failed');
  box.dataset.state = state;
  cancelButton.hidden = state !== 'running';
  // A span before now is asked again on demand (a filtered live panel is, by itself); a custom range holds still.
  const again = state === 'done' && Object.hasOwn(range.SPANS, view.range);
  retryButton.hidden = !again && state !== 'failed' && state !== 'cancelled';
  retryButton.textContent = again ? 'Refresh' : 'Try again';
}

function paint() {
  paintState();
  $('panel-window').textContent = caption();
  paintStreams();
  paintReport();
  const shown = reports.get(chosen);
  for (const id of ['export-json', 'export-csv']) $(id).disabled = !shown;
  for (const id of ['export-lines-csv', 'export-lines-ndjson']) $(id).disabled = !asked || !chosen;
}

/** A line per stream on "all streams": requests, 4xx and 5xx shares, bytes; a click shows the stream in full. */
function paintStreams() {
  if (!asked || asked.ids.length < 2) { streamsBox.replaceChildren(); return; }
  const frag = document.createDocumentFragment();
  for (const id of asked.ids) {
    const got = reports.get(id);
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'report-stream' + (id === chosen ? ' on' : '');
    b.dataset.stream = id;
    b.setAttribute('aria-pressed', id === chosen ? 'true' : 'false');
    const st = store.stream(id);
    b.append(span('report-stream-id' + (st ? ' c' + st.color : ''), id));
    if (got) {
      const r = got.r;
      const cls = (k) => r.status.filter(([c]) => Math.floor(c / 100) === k).reduce((n, x) => n + x[1], 0);
      b.append(span('report-stream-v', fmtCount(r.requests) + ' req'), span('report-stream-v st4', '4xx ' + fmtPct(cls(4), r.valid)),
        span('report-stream-v st5', '5xx ' + fmtPct(cls(5), r.valid)), span('report-stream-v', fmtBytes(r.bytes)));
    } else {
      b.append(span('report-stream-v', state === 'running' ? '…' : '–'));
    }
    frag.append(b);
  }
  streamsBox.replaceChildren(frag);
}

function section(title, cls) {
  const s = document.createElement('section');
  s.className = 'report-part' + (cls ? ' ' + cls : '');
  s.append(span('top-title', title));
  return s;
}

/** A table of rows [{label, n, extra, filter}] with bars, as the live panel's; a row with a filter is a button. */
function table(title, rows, max, note, cls) {
  const s = section(title, 'top ' + (cls || ''));
  for (const row of rows) {
    const el = document.createElement(row.filter ? 'button' : 'div');
    el.className = 'top-row' + (row.cls ? ' ' + row.cls : '') + (row.filter ? '' : ' top-still');
    if (row.filter) { el.type = 'button'; el.dataset.filter = row.filter; }
    const b = span('top-bar');
    b.style.width = ((100 * row.n) / (max || 1)).toFixed(1) + '%';
    el.append(b, span('top-val', row.label), span('top-n', row.text));
    el.title = row.label + ' — ' + row.text + (row.filter ? ', click to filter' : '');
    s.append(el);
  }
  if (note) s.append(span('report-note', note));
  return s;
}

function paintReport() {
  const got = reports.get(chosen);
  if (!got) {
    body.replaceChildren();
    if (state === 'done' && chosen) body.append(span('report-note', 'No report for ' + chosen + '.'));
    return;
  }
  const r = got.r;
  const frag = document.createDocumentFragment();
  const head = span('report-of', chosen + (r.first !== null ? ': lines from ' + range.shortTime(r.first) + ' to ' + range.shortTime(r.last) : ': no line in the range'));
  frag.append(head);
  const end = model.endNote(r);
  if (end) frag.append(span('report-note report-warn', end));
  const tot = document.createElement('div');
  tot.className = 'report-totals';
  for (const [label, text, title] of model.totals(r)) {
    const t = span('report-total');
    t.title = title;
    t.append(span('report-total-v', text), span('report-total-l', label));
    tot.append(t);
  }
  frag.append(tot);
  frag.append(percentiles(r));
  const st = model.statusRows(r);
  const max = st.reduce((m, x) => Math.max(m, x[1]), 0);
  if (st.length) {
    frag.append(table('statuses', st.map(([c, n]) => ({ label: c, n, text: fmtCount(n) + ' (' + fmtPct(n, r.valid) + ')', filter: termText('status', c), cls: 'st' + c[0] })), max, '', 'top-status'));
  }
  frag.append(hours(r));
  for (const [k, title] of model.PANELS) {
    const p = model.panelRows(r, k);
    if (!p.rows.length && !p.untracked) continue;
    const byBytes = k === 'bandwidth';
    const pm = p.rows.reduce((m, x) => Math.max(m, byBytes ? x.bytes : x.hits), 0);
    const rows = p.rows.map((x) => ({
      label: x.label, n: byBytes ? x.bytes : x.hits,
      text: byBytes ? fmtBytes(x.bytes) : fmtCount(x.hits),
      filter: x.filter ? termText(x.filter[0], x.filter[1]) : null,
    }));
    frag.append(table(title, rows, pm, p.note, 'report-' + k));
  }
  body.replaceChildren(frag);
}

function percentiles(r) {
  const el = document.createElement('div');
  el.className = 'lat';
  el.append(percentileLines(r));
  return el;
}

/** Hits by hour of the day, 24 bars. */
function hours(r) {
  const s = section('hits by hour of the day (the lines\' own zone)', 'report-hours');
  if (!r.hours.length) return s;
  const max = r.hours.reduce((m, h) => Math.max(m, h.hits), 0) || 1;
  const bars = document.createElement('div');
  bars.className = 'hours';
  r.hours.forEach((h, i) => {
    const col = span('hour');
    col.title = String(i).padStart(2, '0') + ':00 — ' + fmtCount(h.hits) + ' hits, ' + fmtBytes(h.bytes);
    const b = span('hour-bar');
    b.style.height = ((100 * h.hits) / max).toFixed(1) + '%';
    col.append(b, span('hour-n', i % 6 === 0 ? String(i) : ''));
    bars.append(col);
  });
  s.append(bars);
  return s;
}

/** Draws the report's series in the requests chart, when it or the width changed. */
function paintChart(width) {
  const got = reports.get(chosen);
  const reqWidth = $('req-width');
  if (!got) { charts.destroy(); drawn = null; reqWidth.textContent = state === 'running' ? 'reading…' : ''; return; }
  if (drawn && drawn.r === got.r && drawn.width === width) return;
  drawn = { r: got.r, width };
  reqWidth.textContent = 'points of ' + charts.widthText(got.r.series.step);
  charts.show($('chart-req'), null, model.chartData(got.r), width);
}

function exportReport(kind) {
  const got = reports.get(chosen);
  if (!got) return;
  const name = chosen + '-report-' + stamp(asked.span && asked.span.from) + '-' + stamp(asked.span && asked.span.to);
  if (kind === 'json') saveText(name + '.json', JSON.stringify(got.raw, null, 1) + '\n', 'application/json');
  else saveText(name + '.csv', reportCsv(got.r), 'text/csv');
}

/** Wires the panel: `filter(term)` adds a term to the filter box; `redraw()` shows the panel again (a stream chosen). */
export function install(filter, redraw) {
  addFilter = filter;
  body.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-filter]');
    if (b) addFilter(b.dataset.filter);
  });
  streamsBox.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-stream]');
    if (!b || b.dataset.stream === chosen) return;
    chosen = b.dataset.stream;
    drawn = null;
    paint();
    redraw();
  });
  cancelButton.addEventListener('click', () => { cancel(); clearTimeout(timer); state = 'cancelled'; paint(); });
  retryButton.addEventListener('click', () => { if (asked) start(asked.ids); });
  $('export-json').addEventListener('click', () => exportReport('json'));
  $('export-csv').addEventListener('click', () => exportReport('csv'));
  for (const fmt of ['csv', 'ndjson']) {
    $('export-lines-' + fmt).addEventListener('click', () => {
      if (asked && chosen) saveFrom(range.linesQuery(chosen, asked.span, view.filterText, fmt));
    });
  }
}

/** The report shown, for diagnostics and tests: {state, stream, report (as received), error}. */
export function status() {
  const got = reports.get(chosen);
  return { state, stream: chosen, report: got ? got.raw : null, error: why, streams: asked ? asked.ids : [] };
}
