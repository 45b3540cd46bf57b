/* rows.js: the DOM of one row, and the column header. Owns no state.
 *
 * Log text only ever reaches the DOM through text nodes (textContent /
 * createTextNode), never as markup: a hostile line stays literal text in
 * columns, raw, and with filter matches highlighted in <mark>.
 *
 * Each row keeps its entry in `row._e` (copying, hover and tests read it).
 */
import { fields, severityClass, TRUNCATED } from './parse.js';
import { EVENT, GAP, LINE } from './store.js';
import * as store from './store.js';
import * as view from './view.js';

const COLUMNS = {
  'nginx-combined': [['time', 'time'], ['client', 'client'], ['method', 'method'], ['path', 'path'],
    ['status', 'status'], ['bytes', 'bytes'], ['ref', 'referrer'], ['ua', 'user agent']],
  'nginx-error': [['time', 'time'], ['level', 'level'], ['pid', 'pid#tid'], ['msg', 'message']],
};

/** <span class=cls>text</span> */
export function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  if (text !== undefined) s.textContent = text;
  return s;
}

/** Appends text[a,b) to parent, wrapping the parts inside `ranges` in <mark>. */
function appendText(parent, text, a, b, ranges) {
  if (!ranges || !ranges.length) {
    if (b > a) parent.appendChild(document.createTextNode(text.slice(a, b)));
    return;
  }
  let pos = a;
  for (let i = 0; i < ranges.length; i++) {
    const r0 = Math.max(ranges[i][0], a), r1 = Math.min(ranges[i][1], b);
    if (r1 <= r0) continue;
    if (r0 > pos) parent.appendChild(document.createTextNode(text.slice(pos, r0)));
    const m = document.createElement('mark');
    m.textContent = text.slice(r0, r1);
    parent.appendChild(m);
    pos = r1;
  }
  if (pos < b) parent.appendChild(document.createTextNode(text.slice(pos, b)));
}

/** A gap, event or note row. */
function markRow(e, all) {
  const row = document.createElement('div');
  row._e = e;
  const kind = e.k === GAP ? 'gap' : e.k === EVENT ? 'event' : 'note';
  row.className = 'row mark-row ' + kind + (e.s ? ' c' + e.s.color : '');
  if (all) row.appendChild(span('c-stream', e.s ? e.s.id : 'logmon'));
  row.appendChild(span('mark-icon', e.k === GAP ? '⋯' : e.k === EVENT ? '↻' : '•'));
  row.appendChild(span('mark-text', e.k === EVENT && e.s ? e.s.id + ' ' + e.t : e.t));
  return row;
}

/**
 * The row of entry `e`. `all`: the stream column is shown; `raw`: lines are
 * not split into columns; `f`: the filter whose matches are marked, or null.
 */
export function buildRow(e, all, raw, f) {
  if (e.k !== LINE) return markRow(e, all);
  const row = document.createElement('div');
  row._e = e;
  const st = e.s;
  const sevClass = severityClass(e.v);
  const text = e.t;
  const ranges = f ? f.ranges(text) : null;
  const cols = raw ? null : fields(st.format, text);
  row.className = 'row c' + st.color + (sevClass ? ' ' + sevClass : '') + (cols ? ' fmt-' + st.format : ' plain');
  if (all) row.appendChild(span('c-stream', st.id));
  if (cols) {
    for (let i = 0; i < cols.length; i++) {
      const fd = cols[i];
      const s = span('c-' + fd.c);
      if (fd.b > fd.a) appendText(s, text, fd.a, fd.b, ranges);
      else if (fd.c === 'method') s.textContent = '-';
      row.appendChild(s);
    }
    return row;
  }
  const s = span('c-raw');
  const tm = TRUNCATED.exec(text);
  if (tm) {
    appendText(s, text, 0, tm.index, ranges);
    const t = span('trunc');
    appendText(t, text, tm.index, text.length, ranges);
    s.appendChild(t);
  } else {
    appendText(s, text, 0, text.length, ranges);
  }
  row.appendChild(s);
  return row;
}

/** The column header for the streams in view (access columns win over error columns), or none. */
export function renderColhead() {
  const fmts = new Set();
  for (const st of store.streams()) if (view.stream === view.ALL || st.id === view.stream) fmts.add(st.format);
  const head = document.getElementById('colhead');
  head.replaceChildren();
  let cols = null;
  if (view.mode === 'columns') {
    if (fmts.has('nginx-combined')) cols = COLUMNS['nginx-combined'];
    else if (fmts.has('nginx-error')) cols = COLUMNS['nginx-error'];
  }
  head.hidden = !cols;
  if (!cols) return;
  const row = document.createElement('div');
  row.className = 'row head-row fmt-' + (fmts.has('nginx-combined') ? 'nginx-combined' : 'nginx-error');
  if (view.stream === view.ALL) row.appendChild(span('c-stream', 'stream'));
  for (const [c, label] of cols) row.appendChild(span('c-' + c, label));
  head.appendChild(row);
}
