/* columns.js: the display columns of a line with fields, for any field list.
 * Pure (no DOM, unit tested in tests/ui/); owns a memo of the columns of the
 * field lists seen, bounded, and the reader's arrangement of them (columns
 * hidden, and an order: colchooser.js sets it), by label.
 *
 * The time comes first, as its time of day; the other fields follow in the
 * order of the format ($remote_user, mostly `-`, only in raw lines): $request as method and path, the status (coloured by
 * class through the row), durations, sizes, addresses, the host, the user
 * agent, and any other field as a text column under its own name. Each
 * column knows the filter name (fields.js) a click on its cells filters by.
 * On a fleet viewer (setNodes) the fleet host of the line's stream (the
 * HOST of `HOST/STREAM`, fleet.js) is a column too, `node`, after the time:
 * not a field of the line, its cell is given by the row (cellOf's `node`).
 *
 * A column: {cls, label, key, fi, part}: CSS class `c-<cls>`, header label,
 * filter name, index of the field in the record, and which part of the value
 * it shows ('' all of it, 'tod', 'method', 'path', 'node': the fleet host, fi -1).
 */
import { present, requestParts, seconds, timeIndex, timeOfDay, valueOf } from './fields.js';

/** Columns by field name. */
const NAMED = {
  remote_addr: ['client', 'client', 'addr'],
  host: ['host', 'host', 'host'],
  http_host: ['host', 'host', 'host'],
  server_name: ['host', 'server', 'host'],
  status: ['status', 'status', 'status'],
  body_bytes_sent: ['bytes', 'bytes', 'bytes'],
  bytes_sent: ['bytes', 'bytes', 'bytes'],
  request_time: ['dur', 'rt', 'rt'],
  upstream_response_time: ['dur', 'ut', 'ut'],
  upstream_addr: ['upstream', 'upstream', 'upstream'],
  http_referer: ['ref', 'referrer', 'ref'],
  http_user_agent: ['ua', 'user agent', 'ua'],
  request_method: ['method', 'method', 'method'],
  uri: ['path', 'path', 'path'],
  request_uri: ['path', 'path', 'path'],
};

/** Fields not worth a column (mostly `-`); raw lines show them. */
const HIDDEN = new Set(['remote_user']);

/** Columns by field type, for other names. */
const TYPED = {
  address: 'addr',
  status: 'ustatus',
  duration: 'dur',
  number: 'num',
};

const memo = new Map();
let arrangement = { hidden: [], order: [] };
let nodes = false;       // the fleet host column is shown (some stream is a fleet host's)

/** The fleet host column: the filter term it adds (filter.js NODE) is its key. */
export const NODE_COLUMN = { cls: 'node', label: 'node', key: 'node', fi: -1, part: 'node' };

/** Shows the fleet host column (`on`: some stream is a fleet host's), or not. */
export function setNodes(on) {
  if (on === nodes) return;
  nodes = on;
  memo.clear();
}

/** The fleet host column is there and the reader did not hide it: rows without fields show it too. */
export function nodeShown() { return nodes && !arrangement.hidden.includes(NODE_COLUMN.label); }

/** The reader's arrangement: {hidden: [labels], order: [labels]}. */
export function currentArrangement() { return arrangement; }

/** Sets the arrangement (labels hidden, labels in order); bad input counts as none. */
export function setArrangement(a) {
  const labels = (x) => (Array.isArray(x) ? x.filter((l) => typeof l === 'string') : []);
  arrangement = { hidden: labels(a && a.hidden), order: labels(a && a.order) };
  memo.clear();
}

/**
 * Columns `cols` arranged: those named in `order` first, in that order, the
 * others after them in theirs; those in `hidden` left out, unless that would
 * leave none.
 */
export function arrange(cols, { hidden, order }) {
  const rank = (c) => { const i = order.indexOf(c.label); return i < 0 ? order.length : i; };
  const sorted = cols.map((c, i) => [c, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map((x) => x[0]);
  const shown = sorted.filter((c) => !hidden.includes(c.label));
  return shown.length ? shown : sorted;
}

/** The columns for a record's field list (memoised by the names), arranged as the reader chose. */
export function columnsOf(rec) {
  const key = rec.names.join('\n');
  let cols = memo.get(key);
  if (!cols) {
    if (memo.size >= 64) memo.clear();
    cols = arrange(deriveColumns(rec.names, rec.types, timeIndex(rec)), arrangement);
    memo.set(key, cols);
  }
  return cols;
}

/** Every column of a field list in the reader's order, hidden ones too: [{label, shown}]. */
export function choices(rec) {
  const all = arrange(deriveColumns(rec.names, rec.types, timeIndex(rec)), { hidden: [], order: arrangement.order });
  return all.map((c) => ({ label: c.label, shown: !arrangement.hidden.includes(c.label) }));
}

/** Columns for field `names` of `types`, with the time field (index `ti`, or -1) first. */
export function deriveColumns(names, types, ti) {
  const cols = [];
  if (ti >= 0) cols.push({ cls: 'time', label: 'time', key: 'time', fi: ti, part: 'tod' });
  if (nodes) cols.push(NODE_COLUMN);
  const used = new Set();
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (i === ti || HIDDEN.has(name)) continue;
    if (types[i] === 'request') {
      cols.push({ cls: 'method', label: 'method', key: 'method', fi: i, part: 'method' });
      cols.push({ cls: 'path', label: 'path', key: 'path', fi: i, part: 'path' });
      continue;
    }
    let [cls, label, key] = NAMED[name] || [TYPED[types[i]] || 'text', label0(name), name];
    // A second field with the same short name (host and server_name) filters by its own name.
    if (key !== name && used.has(key)) key = name;
    used.add(key);
    cols.push({ cls, label, key, fi: i, part: '' });
  }
  return cols;
}

function label0(name) {
  return name.replace(/^(http_|sent_http_|upstream_http_)/, '').replace(/_/g, ' ');
}

const HMS = /(?<!\d)\d\d:\d\d:\d\d/;

/**
 * The cell of column `col` for a record of line `text`: {a, b} (offsets into
 * the line) when the cell shows a part of the line as it is, else {s} (text
 * made from it); '-' and empty values as they are. `node`: the fleet host
 * of the line's stream (null for a local stream), for the node column.
 */
export function cellOf(col, rec, text, node) {
  if (col.part === 'node') return { s: node || '' };
  const v = rec.vals[col.fi];
  const a0 = rec.offs ? rec.offs[2 * col.fi] : -1;
  if (col.part === 'tod') {
    const m = HMS.exec(v);
    if (m && a0 >= 0) return { a: a0 + m.index, b: a0 + m.index + 8 };
    return { s: present(v) ? timeOfDay(v) : v };
  }
  if (col.part === 'method' || col.part === 'path') {
    if (!present(v)) return col.part === 'path' && a0 >= 0 ? { a: a0, b: a0 + v.length } : { s: col.part === 'path' ? v : '' };
    const p = requestParts(v);
    const [x, y] = col.part === 'method' ? [p[0], p[1]] : [p[2], p[3]];
    return a0 >= 0 ? { a: a0 + x, b: a0 + y } : { s: v.slice(x, y) };
  }
  return a0 >= 0 ? { a: a0, b: a0 + v.length } : { s: v };
}

/** An extra class for a cell: slow durations (a second or more). */
export function cellClass(col, rec) {
  if (col.cls !== 'dur') return '';
  const s = seconds(rec.vals[col.fi]);
  return s !== null && s >= 1 ? ' slow' : '';
}

/**
 * The filter term's field and value for a click on column `col` of a record,
 * or null when the cell has no value: by the column's short name when that
 * reads this very field, else by the field's own name; `node:HOST` for the
 * fleet host column (`node`: the line's host, or null).
 */
export function clickFilter(col, rec, node) {
  if (col.part === 'node') return node ? { key: col.key, value: node } : null;
  if (col.part !== '') {
    const d = valueOf(rec, col.key);
    return present(d) ? { key: col.key, value: d } : null;
  }
  const v = rec.vals[col.fi];
  if (!present(v)) return null;
  const name = rec.names[col.fi];
  return { key: col.key !== name && valueOf(rec, col.key) === v ? col.key : name, value: v };
}
