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
    grammars: names.map(grammarOf),
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
 * Grammars by name (the server's layout/grammar.rs GRAMMARS, checked by a
 * test there); any other name is 'text'. What a variable's value can look
 * like, so that a field cut at the wrong occurrence of the next literal is
 * told from a right one.
 */
export const GRAMMARS = {
  status: 'status', upstream_status: 'status-list',
  body_bytes_sent: 'number', bytes_sent: 'number', request_length: 'number', connection: 'number',
  connection_requests: 'number',
  upstream_response_length: 'number-list', upstream_bytes_received: 'number-list',
  upstream_bytes_sent: 'number-list',
  request_time: 'seconds', msec: 'seconds',
  upstream_response_time: 'seconds-list', upstream_connect_time: 'seconds-list',
  upstream_header_time: 'seconds-list', upstream_queue_time: 'seconds-list',
  remote_addr: 'word', realip_remote_addr: 'word', server_addr: 'word', time_iso8601: 'word',
  upstream_addr: 'word-list',
  time_local: 'time-local',
};

export function grammarOf(name) {
  return Object.prototype.hasOwnProperty.call(GRAMMARS, name) ? GRAMMARS[name] : 'text';
}

// How a candidate value fits its grammar: it does; it does not, but a longer
// value starting the same might; neither it nor any longer one does.
const YES = 0, SHORT = 1, NEVER = 2;
const ITEMS = {
  status: ['status', false], 'status-list': ['status', true], number: ['number', false],
  'number-list': ['number', true], seconds: ['seconds', false], 'seconds-list': ['seconds', true],
  word: ['word', false], 'word-list': ['word', true],
};
const TIME_PUNCTUATION = [[2, '/'], [6, '/'], [11, ':'], [14, ':'], [17, ':'], [20, ' ']];

const isDigit = (c) => c >= 48 && c <= 57;

/** How s.slice(a, b), written with `escape`, fits `grammar` (layout/grammar.rs `fit`). */
export function fit(grammar, escape, s, a, b) {
  if (grammar === 'text') {
    if (escape === 'none') return YES;
    let run = 0;
    while (b - run > a && s.charCodeAt(b - run - 1) === 92 /* \ */) run++;
    return run % 2 === 1 ? SHORT : YES;
  }
  if (escape === 'default' ? (b - a === 1 && s.charCodeAt(a) === 45 /* - */) : b === a) return YES;
  if (grammar === 'time-local') return timeLocal(s, a, b);
  const [item, list] = ITEMS[grammar];
  return items(s, a, b, item, list);
}

/** 26 ASCII characters with its punctuation in place (layout/grammar.rs `time_local`). */
function timeLocal(s, a, b) {
  if (b - a > 26) return NEVER;
  for (let i = a; i < b; i++) if (s.charCodeAt(i) > 127) return NEVER;
  for (const [i, c] of TIME_PUNCTUATION) if (a + i < b && s[a + i] !== c) return NEVER;
  return b - a === 26 ? YES : SHORT;
}

function items(s, a, b, item, list) {
  let i = a;
  for (;;) {
    const n = scan(s, i, b, item, list);
    if (n === -1) return NEVER;
    if (n === -2) return SHORT;
    i += n;
    if (i === b) return YES;
    if (!list) return NEVER;
    const rest = s.slice(i, Math.min(b, i + 3));
    if (rest.startsWith(', ')) i += 2;
    else if (rest.startsWith(' : ')) i += 3;
    else if (b - i < 3 && (', '.startsWith(rest) || ' : '.startsWith(rest))) return SHORT;
    else return NEVER;
    if (i === b) return SHORT;
  }
}

/** The length of the item at s[i..b), or -1 (none can start so) or -2 (all of it is the start of one). */
function scan(s, i, b, item, list) {
  if (list && item !== 'word' && i < b && s.charCodeAt(i) === 45) return 1;
  let n = 0;
  if (item === 'word') {
    while (i + n < b && s.charCodeAt(i + n) !== 32 && s.charCodeAt(i + n) !== 44) n++;
  } else {
    while (i + n < b && isDigit(s.charCodeAt(i + n))) n++;
  }
  if (n === 0) return i === b ? -2 : -1;
  if (item === 'status') {
    if (n > 3) return -1;
    if (n < 3) return i + n === b ? -2 : -1;
  }
  if (item === 'seconds' && i + n < b && s.charCodeAt(i + n) === 46 /* . */) {
    let m = 0;
    while (i + n + 1 + m < b && isDigit(s.charCodeAt(i + n + 1 + m))) m++;
    if (m === 0) return i + n + 1 === b ? -2 : -1;
    return n + 1 + m;
  }
  return n;
}

/**
 * Whether a list that fits would go on after `end` (layout/grammar.rs
 * `goes_on`): a separator other than the literal, and more after it.
 */
function goesOn(grammar, line, end, lit) {
  if (!grammar.endsWith('-list')) return false;
  return [', ', ' : '].some((sep) => !lit.startsWith(sep) && line.length - end > sep.length
    && line.startsWith(sep, end));
}

/** The candidates a line may try (layout/split.rs `budget`). */
const budget = (fields) => 32 + 8 * fields;

/**
 * Splits a line by a text layout, exactly as docs/protocol.md (Layouts) and
 * the server's layout/split.rs do, candidate for candidate: the line starts
 * with p0; each field ends at the first occurrence of p(i+1) whose value
 * fits the field's grammar (an empty p(i+1): at every character; a list
 * does not end where a separator follows it); when none
 * does, the field before takes its next fitting occurrence; the last field
 * ends where the line's final pn begins. After budget(n) candidates the
 * line does not fit. Returns the offsets [start0, end0, start1, end1, ...]
 * of the fields, or null when the line does not fit.
 */
export function splitText(lay, line) {
  const parts = lay.parts;
  const n = parts.length - 1;
  const p0 = parts[0];
  if (!line.startsWith(p0)) return null;
  if (n === 0) return new Int32Array(0); // as the server: a format without fields fits any line that starts with it
  const grammars = lay.grammars || lay.fields.map((x) => grammarOf(x.name));
  const escape = lay.escape || 'default';
  const offs = new Int32Array(2 * n);
  let left = budget(n);
  let done = 0, start = p0.length, from = start;
  while (done < n) {
    const lit = parts[done + 1];
    const end = candidate(line, lit, done === n - 1, start, from);
    if (end < 0) {
      if (done === 0) return null;
      done--;
      start = offs[2 * done];
      from = after(line, offs[2 * done + 1], parts[done + 1] === '');
      continue;
    }
    if (left === 0) return null;
    left--;
    const f = fit(grammars[done], escape, line, start, end);
    if (f === YES && goesOn(grammars[done], line, end, lit)) {
      from = after(line, end, lit === '');
    } else if (f === YES) {
      offs[2 * done] = start;
      offs[2 * done + 1] = end;
      done++;
      start = end + lit.length;
      from = start;
    } else if (f === SHORT) {
      from = after(line, end, lit === '');
    } else {
      from = line.length + 1;
    }
  }
  return offs;
}

/** Where a field starting at `start` may end, looking from `from`; -1 for nowhere. */
function candidate(line, lit, last, start, from) {
  if (from > line.length) return -1;
  if (last) {
    const end = line.length - lit.length;
    return from === start && end >= start && line.endsWith(lit) ? end : -1;
  }
  if (lit === '') return from;
  return line.indexOf(lit, from);
}

/** The next place to look after a candidate at `end`: the next character for an empty literal. */
function after(line, end, empty) {
  let next = end + 1;
  if (empty && next < line.length) {
    const c = line.charCodeAt(next);
    if (c >= 0xdc00 && c <= 0xdfff) next++;
  }
  return next;
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
