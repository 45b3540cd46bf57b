/* rows.js: the DOM of one row, and the column header. Owns no state.
 *
 * Log text only ever reaches the DOM through text nodes (textContent /
 * createTextNode), never as markup: a hostile line stays literal text in
 * columns, raw, and with filter matches highlighted in <mark>.
 *
 * Lines with fields (text and json layouts) are split lazily, when their row
 * is built (store.recordOf), into the columns columns.js derives from their
 * fields; nginx error lines into time, level, pid and message.
 *
 * Lines read from disk (history.js) get the class `hist`, the line a link or
 * a search opened `hl`.
 *
 * On a fleet viewer every line row shows its stream's host (the `node`
 * column, columns.js): among the field columns, where the reader put it,
 * else first (error lines, plain lines and raw mode).
 *
 * Each row keeps its entry in `row._e` (copying, hover, clicks and tests read
 * it); a cell's column is its place in the row (cellAt()).
 */
import { cellClass, cellOf, columnsOf, nodeShown } from './columns.js';
import { errorFields, severityClass, TRUNCATED } from './parse.js';
import { BOUNDARY, EVENT, GAP, LINE, recordOf } from './store.js';
import * as store from './store.js';
import * as view from './view.js';

const ERROR_COLUMNS = [['time', 'time'], ['level', 'level'], ['pid', 'pid#tid'], ['msg', 'message']];

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

/** A gap, event, note or boundary row. */
function markRow(e, all) {
  const row = document.createElement('div');
  row._e = e;
  const kind = e.k === GAP ? 'gap' : e.k === EVENT ? 'event' : e.k === BOUNDARY ? 'boundary' : 'note';
  row.className = 'row mark-row ' + kind + (e.s ? ' c' + e.s.color : '');
  if (all) row.appendChild(span('c-stream', e.s ? e.s.id : 'logmon'));
  row.appendChild(span('mark-icon', e.k === GAP ? '⋯' : e.k === EVENT ? '↻' : e.k === BOUNDARY ? '↑' : '•'));
  // A merged view's gaps say whose they are (its events name their stream anyway).
  const whose = e.s && (e.k === EVENT || (e.k === GAP && e.s.host && !all)) ? e.s.id + (e.k === GAP ? ': ' : ' ') : '';
  row.appendChild(span('mark-text', whose + e.t));
  return row;
}

/** The cells of a line with fields, into `row`. */
function fieldCells(row, rec, text, ranges, node) {
  const cols = columnsOf(rec);
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i];
    const c = cellOf(col, rec, text, node);
    const s = span('c-' + col.cls + cellClass(col, rec));
    if (c.s !== undefined) s.textContent = c.s;
    else if (c.b > c.a) appendText(s, text, c.a, c.b, ranges);
    else if (col.cls === 'method') s.textContent = '-';
    row.appendChild(s);
  }
}

/** The cells of an nginx error line, into `row`. */
function errorCells(row, cols, text, ranges) {
  for (let i = 0; i < cols.length; i++) {
    const fd = cols[i];
    const s = span('c-' + fd.c);
    if (fd.b > fd.a) appendText(s, text, fd.a, fd.b, ranges);
    row.appendChild(s);
  }
}

function rawCell(row, text, ranges) {
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
  const kind = st.layout.kind;
  const rec = raw || kind === 'error' ? null : recordOf(e);
  const errs = raw || kind !== 'error' ? null : errorFields(text);
  const cols = rec !== null || errs !== null;
  row.className = 'row c' + st.color + (sevClass ? ' ' + sevClass : '') + (cols ? ' k-' + kind : ' plain')
    + (e.h ? ' hist' : '') + (e.hl ? ' hl' : '');
  if (all) row.appendChild(span('c-stream', st.id));
  if (rec) { fieldCells(row, rec, text, ranges, st.host); return row; }
  if (nodeShown()) row.appendChild(span('c-node', st.host || ''));
  if (errs) errorCells(row, errs, text, ranges);
  else rawCell(row, text, ranges);
  return row;
}

/**
 * What a click on a cell of a row is about: {e, col, rec} for a cell of a
 * line with fields (col: its column, columns.js), else null.
 */
export function cellAt(cell) {
  const row = cell && cell.parentElement;
  if (!row || !row._e || row._e.k !== LINE || !cell.className.startsWith('c-')) return null;
  const rec = recordOf(row._e);
  if (!rec || row.classList.contains('plain')) return null;
  let i = -1;
  for (let c = cell; c; c = c.previousElementSibling) if (c.tagName === 'SPAN' && !c.classList.contains('c-stream')) i++;
  const col = columnsOf(rec)[i];
  return col ? { e: row._e, col, rec } : null;
}

/**
 * The record (or text layout: it has the same names and types) whose
 * columns the header shows for the streams in view: the first stream with
 * fields; a JSON stream's from its newest line. Null when none has fields.
 */
export function viewRecord() {
  const shown = store.streams().filter(view.showsStream);
  for (const st of shown) {
    if (st.layout.kind === 'text') return st.layout;
    if (st.layout.kind === 'json') {
      const e = newestLine(st);
      const rec = e && recordOf(e);
      if (rec) return rec;
    }
  }
  return null;
}

/** The header's columns for the streams in view: those with fields win over error logs. */
function headColumns() {
  const rec = viewRecord();
  if (rec) return { kind: rec.kind === 'text' ? 'text' : 'json', cols: columnsOf(rec).map((c) => [c.cls, c.label]) };
  const shown = store.streams().filter(view.showsStream);
  if (!shown.some((st) => st.layout.kind === 'error')) return null;
  return { kind: 'error', cols: nodeShown() ? [['node', 'node'], ...ERROR_COLUMNS] : ERROR_COLUMNS };
}

/** The newest line of a stream whose record fits, among its last few. */
function newestLine(st) {
  const items = st.ring.items;
  for (let i = items.length - 1, k = 0; i >= 0 && k < 50; i--, k++) {
    if (items[i].k === LINE && recordOf(items[i])) return items[i];
  }
  return null;
}

/** True when the header waits for the first line of a JSON stream in view to know its columns. */
export function colheadMissing() {
  if (view.mode !== 'columns' || !document.getElementById('colhead').hidden) return false;
  return store.streams().some((st) => st.layout.kind === 'json' && view.showsStream(st));
}

/** The column header for the streams in view, or none. */
export function renderColhead() {
  const head = document.getElementById('colhead');
  head.replaceChildren();
  const h = view.mode === 'columns' ? headColumns() : null;
  head.hidden = !h;
  const pane = head.parentElement;
  pane.classList.toggle('fleet', store.streams().some((st) => st.host !== null));
  if (!h) { pane.style.removeProperty('--row-w'); return; }
  const row = document.createElement('div');
  row.className = 'row head-row k-' + h.kind;
  if (view.stream === view.ALL) row.appendChild(span('c-stream', 'stream'));
  for (const [c, label] of h.cols) row.appendChild(span('c-' + c, label));
  head.appendChild(row);
  pane.style.setProperty('--row-w', rowWidth(row));
}

/**
 * The width of the header's columns, in em of the log's font (the same as the
 * header's): every row of the log is at least this wide, so that its cells
 * stay under their headers and the log scrolls sideways when the pane is narrower.
 */
function rowWidth(row) {
  row.style.width = 'max-content';
  row.style.minWidth = '0';
  const w = row.getBoundingClientRect().width;
  const em = parseFloat(getComputedStyle(row).fontSize) || 12;
  row.style.width = '';
  row.style.minWidth = '';
  return (Math.ceil(w) + 1) / em + 'em';
}
