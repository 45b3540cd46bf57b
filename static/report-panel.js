/* report-panel.js: the statistics panel when it shows a report from disk
 * rather than the server's live statistics: for a range other than live,
 * or for a filter in the filter box (then over the last hour, asked again
 * every 10 s: the panel follows the filter, live lines included). Owns the
 * requests (one at a time per page, an AbortController cancels it when the
 * range, the filter or the streams change, or the panel closes), the
 * reports received and #report: progress, errors in words, the exports,
 * and the figures of a report (report-view.js). The requests chart is
 * charts.js's, drawn from the report's series (report-model.js chartData).
 *
 * On "all streams" every stream with fields is reported on, one after the
 * other: a line per stream, and one stream's report in full (a click on a
 * stream's line shows it).
 */
import * as charts from './charts.js';
import { saveFrom, saveText, stamp } from './export.js';
import { reportCsv } from './csv.js';
import { nodeFilter } from './filter.js';
import { fmtBytes } from './labels.js';
import { hasFields } from './layout.js';
import * as range from './range.js';
import { fetchReport } from './report-fetch.js';
import * as model from './report-model.js';
import { reportFigures, streamLines } from './report-view.js';
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
let chartWidth = 0;      // the width the panel last gave the chart
let addFilter = () => {};
const SETTLE = 300;       // ms a new question waits for the next, before it is asked

/** True when the panel shows a report: a range other than live, or a filter a report can take. */
export function wanted() {
  return view.range !== range.LIVE || range.reportFilter(view.filterText).filter !== '';
}

/**
 * The streams reported on: the one in view, or on "all streams" and a merged
 * view every one in view with fields, those of the hosts the filter's
 * `node:` terms keep (filter.js nodeFilter).
 */
function streamsFor(st) {
  if (!view.several()) return st ? [st.id] : [];
  const hostOk = nodeFilter(view.filterText);
  return store.streams().filter((s) => view.showsStream(s) && hasFields(s.layout) && (!hostOk || hostOk(s.host))).map((s) => s.id);
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
  chartWidth = width;
  paintChart(width);
}

/** Cancels what is under way and hides the report (the panel closed, or went back to live). */
export function stop() {
  cancel();
  clearTimeout(timer);
  timer = 0;
  key = '';
  drawn = null;
  chartWidth = 0;
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
  const when = view.range === range.LIVE ? { from: now - range.LIVE_SPAN, to: now } : range.spanOf(view.range, now);
  asked = { ids, span: when, ...range.reportFilter(view.filterText) };
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
  // The series is drawn as soon as the report is in, not at the panel's next render.
  if (chartWidth) paintChart(chartWidth);
  const shown = reports.get(chosen);
  for (const id of ['export-json', 'export-csv']) $(id).disabled = !shown;
  for (const id of ['export-lines-csv', 'export-lines-ndjson']) $(id).disabled = !asked || !chosen;
}

/** A line per stream on "all streams" (none for one stream). */
function paintStreams() {
  const ids = asked && asked.ids.length > 1 ? asked.ids : [];
  streamsBox.replaceChildren(streamLines(ids, (id) => (reports.get(id) || {}).r || null, chosen, state === 'running'));
}

/** The chosen stream's report in full, or why there is none. */
function paintReport() {
  const got = reports.get(chosen);
  if (got) body.replaceChildren(reportFigures(chosen, got.r));
  else body.replaceChildren(...(state === 'done' && chosen ? [span('report-note', 'No report for ' + chosen + '.')] : []));
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
