/* report-view.js: the DOM of a report's figures in the statistics panel
 * (report-panel.js owns when they are shown): a line per stream on "all
 * streams", and one report in full, in the live panel's look: totals,
 * percentiles (latency.js), statuses, hits by hour, GoAccess's panels with
 * what they leave out. Owns no state. At most `top` rows a panel (10 unless
 * asked), so a report is built at once.
 */
import { termText } from './filter.js';
import { fmtBytes, fmtCount, fmtPct } from './labels.js';
import { percentileLines } from './latency.js';
import { shortTime } from './range.js';
import * as model from './report-model.js';
import { span } from './rows.js';
import * as store from './store.js';

/**
 * A line per stream of `ids`: requests, 4xx and 5xx shares, bytes (`of(id)`:
 * its report, or null while `running` or when it has none), buttons that
 * show a stream in full, `chosen` pressed.
 */
export function streamLines(ids, of, chosen, running) {
  const frag = document.createDocumentFragment();
  for (const id of ids) {
    const r = of(id);
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'report-stream' + (id === chosen ? ' on' : '');
    b.dataset.stream = id;
    b.setAttribute('aria-pressed', id === chosen ? 'true' : 'false');
    const st = store.stream(id);
    b.append(span('report-stream-id' + (st ? ' c' + st.color : ''), id));
    if (r) {
      const cls = (k) => r.status.filter(([c]) => Math.floor(c / 100) === k).reduce((n, x) => n + x[1], 0);
      b.append(span('report-stream-v', fmtCount(r.requests) + ' req'), span('report-stream-v st4', '4xx ' + fmtPct(cls(4), r.valid)),
        span('report-stream-v st5', '5xx ' + fmtPct(cls(5), r.valid)), span('report-stream-v', fmtBytes(r.bytes)));
    } else {
      b.append(span('report-stream-v', running ? '…' : '–'));
    }
    frag.append(b);
  }
  return frag;
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

/**
 * The figures of report `r` (report-model.js checkReport) of stream `id`:
 * the lines' span, what it left out, totals, percentiles, statuses, hits by
 * hour and GoAccess's panels; rows that filter are buttons with `data-filter`.
 */
export function reportFigures(id, r) {
  const frag = document.createDocumentFragment();
  const head = span('report-of', id + (r.first !== null ? ': lines from ' + shortTime(r.first) + ' to ' + shortTime(r.last) : ': no line in the range'));
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
  return frag;
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
