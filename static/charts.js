/* charts.js: the statistics panel's two charts, drawn by uPlot (vendored in
 * static/vendor/ by scripts/vendor-ui.sh): requests per second stacked by
 * status class with the least and greatest total of each point shaded
 * behind, and latency percentiles (p50, p95, p99 of $request_time, and of
 * $upstream_response_time when the log has it), over the last hour, in
 * points of one width (series.js aggregate: at most a point a pixel).
 * Owns the uPlot instances, the data they show and the colours they were
 * made with (the theme's, read from app.css; a change of the colour scheme
 * makes them anew).
 *
 * Dragging across a chart selects a span of time: it is handed to the
 * function given to onZoom() (the range picker makes it the custom range),
 * and the click that ends the drag is not a pick.
 *
 * uPlot sets styles through the CSSOM only (no style attributes, no inline
 * <style>, no eval), which the page's Content-Security-Policy allows.
 */
import uPlot from './vendor/uPlot.esm.js';
import { fmtMs, fmtRate } from './labels.js';

const CLASS_LABELS = ['1xx', '2xx', '3xx', '4xx', '5xx'];
const PCT = ['p50', 'p95', 'p99'];
const REQ_H = 130;
const LAT_H = 120;

let req = null;       // uPlot of requests/s
let lat = null;       // uPlot of latencies
let latUt = false;    // the latency chart has upstream series
let shown = null;     // the series.chart() data shown, for legends and clicks
let width = 0;
let span = [0, 1];    // the time shown (unix s)
let pick = () => {};
let zoom = () => {};
let dragged = false;  // a drag just ended: the click that ends it is no pick

/** `fn(t, step)` is called when a point of a chart is clicked: its start (unix s) and width (s). */
export function onPick(fn) { pick = fn; }

/** `fn(from, to)` is called when a span of a chart is dragged across (unix s, from < to). */
export function onZoom(fn) { zoom = fn; }

/** The least drag (px) that selects a span rather than a point. */
const MIN_DRAG = 4;

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** A theme colour (#rrggbb) with opacity `a`, as canvas takes it. */
function alpha(color, a) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return 'rgba(' + parseInt(m[1], 16) + ',' + parseInt(m[2], 16) + ',' + parseInt(m[3], 16) + ',' + a + ')';
}

const pad = (n) => String(n).padStart(2, '0');

/** A time of day, 24-hour: HH:MM, or HH:MM:SS with `secs`. */
function clock(t, secs) {
  const d = new Date(t * 1000);
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + (secs ? ':' + pad(d.getSeconds()) : '');
}

/** A tick's text: the time of day, with the date (MM-DD) when the chart spans more than a day. */
function tick(t, secs) {
  if (span[1] - span[0] <= 86400) return clock(t, secs);
  const d = new Date(t * 1000);
  return pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + clock(t, false);
}

function axes(yValues, ySize) {
  const stroke = css('--fg-dim');
  const grid = { stroke: css('--border'), width: 1 };
  const font = '10px ' + css('--font-mono');
  const times = (u, splits) => splits.map((t) => tick(t, !splits.every((x) => x % 60 === 0)));
  return [
    { stroke, grid, ticks: grid, font, size: 28, values: times },
    { stroke, grid, ticks: grid, font, size: ySize, values: (u, vals) => vals.map(yValues) },
  ];
}

function baseOpts(h) {
  return {
    width,
    height: h,
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
    legend: { live: true },
    scales: { x: { time: true, range: () => span } },
    hooks: { setSelect: [selected] },
  };
}

/** A drag ended: its span is zoomed to (when wide enough), and the selection cleared. */
function selected(u) {
  const { left, width: w } = u.select;
  if (w < MIN_DRAG) return;
  dragged = true;
  const a = u.posToVal(left, 'x'), b = u.posToVal(left + w, 'x');
  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  zoom(Math.max(span[0], Math.min(a, b)), Math.min(span[1], Math.max(a, b)));
}

/** The time column of a legend: the point's time, and its width when more than a second. */
function timeSeries() {
  return {
    label: 'time',
    value: (u, t, si, i) => (t === null || t === undefined ? '–' : clock(t, true) + (shown && shown.step[i] > 1 ? ' (' + widthText(shown.step[i]) + ')' : '')),
  };
}

/** A point's width in words: "10 s", "1 min". */
export function widthText(w) {
  return w % 60 === 0 ? w / 60 + ' min' : w + ' s';
}

/** Series values in the legend: the point's own value, not the stacked sum. */
const rawValue = (k, fmt) => (u, v, si, i) => (i === null || !shown || shown.classes[k][i] === undefined ? '–' : fmt(shown.classes[k][i]));

function makeReq(el) {
  const colors = CLASS_LABELS.map((_, k) => css('--s' + (k + 1)));
  const o = baseOpts(REQ_H);
  o.series = [timeSeries()].concat(CLASS_LABELS.map((label, k) => ({
    label, stroke: colors[k], fill: alpha(colors[k], 0.35), width: 1, points: { show: false },
    value: rawValue(k, fmtRate),
  })));
  // the least and greatest total of each point, a shaded band behind the stack
  const edge = css('--fg-faint');
  const fromShown = (key) => (u, v, si, i) => (i === null || !shown || shown[key][i] === undefined ? '–' : fmtRate(shown[key][i]));
  o.series.push({ label: 'min', stroke: alpha(edge, 0.5), width: 1, points: { show: false }, value: fromShown('lo') });
  o.series.push({ label: 'max', stroke: alpha(edge, 0.5), width: 1, points: { show: false }, value: fromShown('hi') });
  o.bands = [1, 2, 3, 4].map((k) => ({ series: [k + 1, k] })).concat([{ series: [7, 6], fill: alpha(edge, 0.18) }]);
  o.scales.y = { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] };
  o.axes = axes(fmtRate, 40);
  return new uPlot(o, reqData(), el);
}

function makeLat(el, withUt) {
  const colors = [css('--c2'), css('--c4'), css('--s5')];
  const o = baseOpts(LAT_H);
  o.series = [timeSeries()];
  const one = (what, dash) => PCT.forEach((p, k) => o.series.push({
    label: what + ' ' + p, stroke: colors[k], width: dash ? 1 : 1.5, dash: dash ? [4, 3] : [],
    points: { show: false }, spanGaps: false, value: (u, v) => (v === null || v === undefined ? '–' : fmtMs(v)),
  }));
  one('rt', false);
  if (withUt) one('ut', true);
  o.scales.y = { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] };
  o.axes = axes((v) => fmtMs(v), 56);
  return new uPlot(o, latData(withUt), el);
}

/** The stacked requests, then the least and greatest totals: [t, 1xx, 1xx+2xx, ..., all, lo, hi]. */
function reqData() {
  const d = [shown.t];
  let acc = null;
  for (let k = 0; k < 5; k++) {
    const c = shown.classes[k];
    acc = acc ? acc.map((x, i) => x + c[i]) : c.slice();
    d.push(acc);
  }
  d.push(shown.lo, shown.hi);
  return d;
}

/** Latencies in ms: [t, rt p50, p95, p99, (ut p50, p95, p99)]. */
function latData(withUt) {
  const ms = (a) => a.map((x) => (x === null ? null : x * 1000));
  const d = [shown.t].concat(shown.rt.map(ms));
  return withUt ? d.concat(shown.ut.map(ms)) : d;
}

function listenClicks(u) {
  u.over.addEventListener('mousedown', () => { dragged = false; });
  u.over.addEventListener('click', (ev) => {
    if (dragged) { dragged = false; return; }
    const i = u.posToIdx(ev.offsetX);
    if (i !== null && i !== undefined && shown && shown.t[i] !== undefined) pick(shown.t[i], shown.step[i]);
  });
}

/**
 * Shows `data` (series.aggregate()) from `data.from` to `data.to` in the elements
 * `reqEl` and `latEl` (null: no latency chart), `w` pixels wide: the charts
 * are made on first use and when the upstream series come or go, updated
 * otherwise.
 */
export function show(reqEl, latEl, data, w) {
  shown = data;
  span = [data.from, data.to];
  width = w;
  if (lat && (!latEl || latUt !== data.hasUt)) { lat.destroy(); lat = null; }
  if (!req) { req = makeReq(reqEl); listenClicks(req); }
  if (!lat && latEl) { latUt = data.hasUt; lat = makeLat(latEl, latUt); listenClicks(lat); }
  for (const u of [req, lat]) if (u && u.width !== w) u.setSize({ width: w, height: u.height });
  req.setData(reqData());
  if (lat) lat.setData(latData(latUt));
}

/** Forgets the charts (they are made anew, in the current theme, by the next show()). */
export function destroy() {
  if (req) req.destroy();
  if (lat) lat.destroy();
  req = null;
  lat = null;
}

/** True while the charts exist. */
export function exist() { return req !== null; }
