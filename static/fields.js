/* fields.js: what a record's fields mean to a reader. Owns no state: pure
 * functions, no DOM (unit tested in tests/ui/). The short names that filters
 * (filter.js), clickable cells (columns.js) and the statistics' top tables
 * (stats-panel.js) share, and how each is read from a record (layout.js):
 *
 *   path, method  the request's path (without its query: $request_uri, $uri
 *                 or $request) and method ($request_method or $request)
 *   host          $host, else $http_host, else $server_name
 *   addr, ip      $remote_addr, else the first address of $http_x_forwarded_for
 *   ua            $http_user_agent        ref  $http_referer
 *   status        $status                 upstream  $upstream_addr
 *   rt, ut        $request_time, $upstream_response_time (seconds)
 *   bytes         $body_bytes_sent, else $bytes_sent
 *   time          the line's time field, as its time of day
 * (the same choices as the server's `top` in docs/protocol.md). Any other
 * name is a field's own name.
 */

export const ALIASES = {
  host: ['host', 'http_host', 'server_name'],
  addr: ['remote_addr', 'http_x_forwarded_for'],
  ip: ['remote_addr', 'http_x_forwarded_for'],
  ua: ['http_user_agent'],
  ref: ['http_referer'],
  status: ['status'],
  upstream: ['upstream_addr'],
  rt: ['request_time'],
  ut: ['upstream_response_time'],
  bytes: ['body_bytes_sent', 'bytes_sent'],
};

/** Names a JSON log commonly gives its time, besides nginx's own. */
const TIME_NAMES = new Set(['time', 'timestamp', '@timestamp', 'ts', 'datetime', 'date']);

/** Index of the first of `names` the record has, or -1. */
function indexOfAny(rec, names) {
  for (let i = 0; i < names.length; i++) {
    const j = rec.names.indexOf(names[i]);
    if (j >= 0) return j;
  }
  return -1;
}

/** Index of the record's time field, or -1. */
export function timeIndex(rec) {
  const t = rec.types.indexOf('time');
  if (t >= 0) return t;
  for (let i = 0; i < rec.names.length; i++) if (TIME_NAMES.has(rec.names[i])) return i;
  return -1;
}

/** Index of the request field ($request), or -1. */
function requestIndex(rec) {
  return rec.names.indexOf('request');
}

/**
 * The parts of a request line: [method, path, protocol] as offsets into it,
 * split at spaces: "GET /a HTTP/1.1" has all three; one without spaces (a
 * TLS handshake sent to a plain port) is all path.
 */
export function requestParts(req) {
  const a = req.indexOf(' ');
  if (a < 0) return [0, 0, 0, req.length, req.length, req.length];
  const b = req.lastIndexOf(' ');
  if (b === a) return [0, a, a + 1, req.length, req.length, req.length];
  return [0, a, a + 1, b, b + 1, req.length];
}

/** The path of a request line, without its query string. */
export function requestPath(req) {
  const p = requestParts(req);
  const path = req.slice(p[2], p[3]);
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

export function requestMethod(req) {
  const p = requestParts(req);
  return req.slice(p[0], p[1]);
}

/** "-" is how nginx writes a variable with no value. */
export function present(v) {
  return v !== null && v !== undefined && v !== '' && v !== '-';
}

/**
 * The path or method of a record, as the server reads them: the path from
 * $request_uri or $uri, the method from $request_method, else from $request.
 */
function requestValue(rec, name) {
  const j = name === 'path' ? indexOfAny(rec, ['request_uri', 'uri']) : rec.names.indexOf('request_method');
  if (j >= 0 && present(rec.vals[j])) return name === 'path' ? requestPath('X ' + rec.vals[j]) : rec.vals[j];
  const i = requestIndex(rec);
  if (i < 0 || !present(rec.vals[i])) return null;
  return name === 'path' ? requestPath(rec.vals[i]) : requestMethod(rec.vals[i]);
}

/** True for the short names above (not a field's own name). */
export function isShortName(name) {
  return name === 'path' || name === 'method' || name === 'time' || Object.prototype.hasOwnProperty.call(ALIASES, name);
}

/**
 * The value of a short name or field name in a record, as text, or null when
 * the line has none. A short name reads the first address of
 * $http_x_forwarded_for; the field's own name reads all of it.
 */
export function valueOf(rec, name) {
  if (name === 'path' || name === 'method') return requestValue(rec, name);
  if (name === 'time') {
    const i = timeIndex(rec);
    return i >= 0 && present(rec.vals[i]) ? timeOfDay(rec.vals[i]) : null;
  }
  const names = Object.prototype.hasOwnProperty.call(ALIASES, name) ? ALIASES[name] : [name];
  for (let k = 0; k < names.length; k++) {
    const j = rec.names.indexOf(names[k]);
    if (j < 0 || !present(rec.vals[j])) continue;
    const v = rec.vals[j];
    return name !== names[k] && names[k] === 'http_x_forwarded_for' ? firstAddress(v) : v;
  }
  return null;
}

export function firstAddress(list) {
  const c = list.indexOf(',');
  return (c < 0 ? list : list.slice(0, c)).trim();
}

const HMS = /(?<!\d)(\d\d:\d\d:\d\d)/;
const pad = (n) => (n < 10 ? '0' : '') + n;

/**
 * The time of day of a time value: from `30/Nov/2026:14:02:03 +0000` or
 * `2026-11-30T14:02:03+00:00` as written (the log's own clock), from $msec
 * (unix seconds) in the browser's time zone.
 */
export function timeOfDay(v) {
  const m = HMS.exec(v);
  if (m) return m[1];
  if (/^\d{9,}(\.\d+)?$/.test(v)) {
    const d = new Date(+v * 1000);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  return v;
}

/**
 * A duration in seconds from its text: several upstream times
 * (`0.010, 0.020 : 0.005`) count as their sum, as the server counts them;
 * null when there is none (`-`).
 */
export function seconds(v) {
  if (!present(v)) return null;
  if (/^\s*[\d.]+\s*$/.test(v)) return +v;
  let sum = 0, any = false;
  for (const x of v.split(/[,:]/)) {
    const t = x.trim();
    if (t === '' || t === '-') continue;
    const n = +t;
    if (!Number.isFinite(n)) return null;
    sum += n;
    any = true;
  }
  return any ? sum : null;
}

/** The zone offset (minutes east of UTC) a time value is written in (+0100, +01:00, Z), or null. */
export function zoneOffset(v) {
  const m = /(?:([+-])(\d\d):?(\d\d)|Z)$/.exec(v);
  if (!m) return null;
  return m[1] ? (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +m[3]) : 0;
}

/** The time of day (HH:MM:SS) of unix time `t` at zone offset `zone` (minutes), or in the browser's zone for null. */
export function clockTime(t, zone) {
  if (zone === null) return timeOfDay(String(Math.floor(t)));
  const z = new Date((t + zone * 60) * 1000);
  return pad(z.getUTCHours()) + ':' + pad(z.getUTCMinutes()) + ':' + pad(z.getUTCSeconds());
}
