/* layout.js: how a stream's lines are split into fields. Owns no state:
 * pure functions and constants, no DOM, shared by the page, the ingest worker
 * (ingest.js) and the unit tests (tests/ui/, which check the splitter against
 * tests/formats/cases.json, the cases the server's parser is tested with).
 *
 * A layout comes with each stream in `hello` (docs/protocol.md, Layouts):
 *   {kind: 'text', escape, parts: [p0..pn], fields: [{name, type}, ...]}
 *   {kind: 'json'}  {kind: 'error'}  {kind: 'plain'}
 * compileLayout() checks it (a server without layouts gets one from the
 * stream's format) and adds what splitting needs.
 *
 * A record is the fields of one line: {names, types, vals, offs}: field
 * names and types, values as strings ('' for an empty field; JSON values as
 * text) and, for text layouts, offs: the start and end of each value in the
 * line (for highlighting filter matches inside columns), else null.
 */

/** Field types by name (docs/protocol.md); any other name is 'text'. */
export const TYPES = {
  time_local: 'time', time_iso8601: 'time', msec: 'time',
  remote_addr: 'address', realip_remote_addr: 'address', http_x_forwarded_for: 'address',
  upstream_addr: 'address', server_addr: 'address',
  status: 'status', upstream_status: 'status',
  request_time: 'duration', upstream_response_time: 'duration', upstream_connect_time: 'duration',
  upstream_header_time: 'duration',
  body_bytes_sent: 'number', bytes_sent: 'number', request_length: 'number', connection: 'number',
  connection_requests: 'number',
  request: 'request',
};

export function typeOf(name) {
  return Object.prototype.hasOwnProperty.call(TYPES, name) ? TYPES[name] : 'text';
}

const f = (name) => ({ name, type: typeOf(name) });

/** nginx's built-in `combined`, for a server that sends no layout with `nginx-combined`. */
export const COMBINED = {
  kind: 'text',
  escape: 'default',
  parts: ['', ' - ', ' [', '] "', '" ', ' ', ' "', '" "', '"'],
  fields: ['remote_addr', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent',
    'http_referer', 'http_user_agent'].map(f),
};

const KINDS = new Set(['text', 'json', 'error', 'plain']);
const LEGACY = { 'nginx-combined': COMBINED, 'nginx-error': { kind: 'error' }, json: { kind: 'json' } };

/**
 * The layout to split a stream's lines by: `raw` as sent in hello when it is
 * well formed, else the one its `format` implies ('plain' when none). Text
 * layouts get `names`, `types` and `status` (the index of the status field,
 * -1 if none).
 */
export function compileLayout(raw, format) {
  const lay = wellFormed(raw) ? raw : (LEGACY[format] || { kind: 'plain' });
  if (lay.kind !== 'text') return { kind: lay.kind, fields: [] };
  const fields = lay.fields.map((x) => ({ name: String(x.name), type: typeof x.type === 'string' ? x.type : typeOf(String(x.name)) }));
  const names = fields.map((x) => x.name);
  return {
    kind: 'text',
    escape: typeof lay.escape === 'string' ? lay.escape : 'default',
    parts: lay.parts.map(String),
    fields,
    names,
    types: fields.map((x) => x.type),
    status: names.indexOf('status'),
  };
}

function wellFormed(raw) {
  if (!raw || typeof raw !== 'object' || !KINDS.has(raw.kind)) return false;
  if (raw.kind !== 'text') return true;
  return Array.isArray(raw.parts) && Array.isArray(raw.fields) && raw.parts.length === raw.fields.length + 1
    && raw.fields.every((x) => x && typeof x.name === 'string');
}

/**
 * Splits a line by a text layout, exactly as docs/protocol.md (Layouts) says:
 * the line starts with p0; each field but the last ends at the first p(i+1)
 * from the current position (an empty p(i+1) leaves the field empty); the
 * last ends where the line's final pn begins. Returns the offsets
 * [start0, end0, start1, end1, ...] of the fields, or null when the line
 * does not fit.
 */
export function splitText(lay, line) {
  const parts = lay.parts;
  const n = parts.length - 1;
  const p0 = parts[0];
  if (!line.startsWith(p0)) return null;
  let pos = p0.length;
  if (n === 0) return new Int32Array(0); // as the server: a format without fields fits any line that starts with it
  const offs = new Int32Array(2 * n);
  for (let i = 0; i < n - 1; i++) {
    const next = parts[i + 1];
    const end = next === '' ? pos : line.indexOf(next, pos);
    if (end < 0) return null;
    offs[2 * i] = pos;
    offs[2 * i + 1] = end;
    pos = end + next.length;
  }
  const last = parts[n];
  const end = line.length - last.length;
  if (end < pos || !line.endsWith(last)) return null;
  offs[2 * n - 2] = pos;
  offs[2 * n - 1] = end;
  return offs;
}

/** A JSON value as text: strings as they are, numbers and the rest as JSON. */
function jsonText(v) {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The object of a JSON line, or null when it is not one. */
export function parseJson(line) {
  if (line.length < 2 || line.charCodeAt(0) !== 123 /* { */) return null;
  let o;
  try { o = JSON.parse(line); } catch (e) { return null; }
  return o && typeof o === 'object' && !Array.isArray(o) ? o : null;
}

/** The record of a line (see the top of this file), or null when the line does not fit its layout. */
export function record(lay, line) {
  if (lay.kind === 'text') {
    const offs = splitText(lay, line);
    if (!offs) return null;
    const vals = new Array(lay.names.length);
    for (let i = 0; i < vals.length; i++) vals[i] = line.slice(offs[2 * i], offs[2 * i + 1]);
    return { names: lay.names, types: lay.types, vals, offs };
  }
  if (lay.kind === 'json') {
    const o = parseJson(line);
    if (!o) return null;
    const names = Object.keys(o);
    return { names, types: names.map(typeOf), vals: names.map((k) => jsonText(o[k])), offs: null };
  }
  return null;
}

/** The HTTP status of a line (100..599), or 0: for the severity of access lines. */
export function statusOf(lay, line) {
  let s = '';
  if (lay.kind === 'text') {
    if (lay.status < 0) return 0;
    const offs = splitText(lay, line);
    if (!offs) return 0;
    s = line.slice(offs[2 * lay.status], offs[2 * lay.status + 1]);
  } else if (lay.kind === 'json') {
    const o = parseJson(line);
    if (!o) return 0;
    s = String(o.status);
  } else {
    return 0;
  }
  if (s.length !== 3) return 0;
  const v = +s;
  return v >= 100 && v <= 599 && Number.isInteger(v) ? v : 0;
}

/** True for layouts whose lines have fields (an access log, for statistics and columns). */
export function hasFields(lay) {
  return lay.kind === 'text' || lay.kind === 'json';
}
