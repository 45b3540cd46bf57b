/* parse.js: log line parsing and filtering. Owns no state: pure functions
 * and constants, no DOM, so that the page, the ingest worker (ingest.js) and
 * the unit tests (tests/ui/) share one parser.
 */

// nginx "combined":
// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
// Extra fields after the user agent (custom formats) are kept as "rest".
const COMBINED = /^(\S+) \S+ (\S+) \[([^\]]*)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"((?: .*)?)$/d;
// Cheap status extraction for every incoming access line (statistics, quick filters).
const COMBINED_STATUS = /^\S+ \S+ \S+ \[[^\]]*\] "(?:[^"\\]|\\.)*" (\d{3}) /;
const REQUEST = /^(\S+) (\S+)(?: (\S+))?$/;

// nginx error log: 2026/11/24 11:02:03 [error] 1234#1234: *5 message
const ERROR = /^(\d{4}\/\d{2}\/\d{2}) (\d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+#\d+): (.*)$/d;
const ERROR_LEVEL = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(\w+)\] /;

export const TRUNCATED = / … \[\d+ bytes truncated\]$/;

// Severity codes, shared by statistics and quick filters.
// Access lines: the HTTP status (100..599). Error lines: negative level code.
export const LEVELS = { debug: -1, info: -2, notice: -3, warn: -4, error: -5, crit: -6, alert: -7, emerg: -8 };

/** Severity code of a line: HTTP status for access logs, -level for error logs, 0 if unknown. */
export function severity(format, text) {
  if (format === 'nginx-combined') {
    const m = COMBINED_STATUS.exec(text);
    return m ? +m[1] : 0;
  }
  if (format === 'nginx-error') {
    const m = ERROR_LEVEL.exec(text);
    return m ? (LEVELS[m[1]] || 0) : 0;
  }
  return 0;
}

export function levelName(code) {
  for (const k in LEVELS) if (LEVELS[k] === code) return k;
  return '';
}

/**
 * Splits a line into display fields. Every field is a substring of the line:
 * {c: column name, a: start offset, b: end offset}, so filter matches found on the
 * raw line can be highlighted inside the columns. Returns null for lines that do
 * not parse (shown raw).
 */
export function fields(format, text) {
  if (format === 'nginx-combined') {
    const m = COMBINED.exec(text);
    if (!m) return null;
    const ix = m.indices;
    const out = [];
    // time of day from [24/Nov/2026:11:02:03 +0000]
    const ts = m[3];
    const colon = ts.indexOf(':');
    const tStart = ix[3][0] + (colon >= 0 ? colon + 1 : 0);
    out.push({ c: 'time', a: tStart, b: colon >= 0 ? Math.min(tStart + 8, ix[3][1]) : ix[3][1] });
    out.push({ c: 'client', a: ix[1][0], b: ix[1][1] });
    const req = REQUEST.exec(m[4]);
    const r0 = ix[4][0];
    if (req) {
      out.push({ c: 'method', a: r0, b: r0 + req[1].length });
      const p0 = r0 + req[1].length + 1;
      out.push({ c: 'path', a: p0, b: p0 + req[2].length });
    } else {
      out.push({ c: 'method', a: r0, b: r0 });
      out.push({ c: 'path', a: r0, b: ix[4][1] });
    }
    out.push({ c: 'status', a: ix[5][0], b: ix[5][1] });
    out.push({ c: 'bytes', a: ix[6][0], b: ix[6][1] });
    out.push({ c: 'ref', a: ix[7][0], b: ix[7][1] });
    out.push({ c: 'ua', a: ix[8][0], b: ix[8][1] });
    if (ix[9][1] > ix[9][0]) out.push({ c: 'rest', a: ix[9][0], b: ix[9][1] });
    return out;
  }
  if (format === 'nginx-error') {
    const m = ERROR.exec(text);
    if (!m) return null;
    const ix = m.indices;
    return [
      { c: 'time', a: ix[2][0], b: ix[2][1] },
      { c: 'level', a: ix[3][0], b: ix[3][1] },
      { c: 'pid', a: ix[4][0], b: ix[4][1] },
      { c: 'msg', a: ix[5][0], b: ix[5][1] },
    ];
  }
  return null;
}

/** Full timestamp of a parsed line, for tooltips. */
export function fullTime(format, text) {
  if (format === 'nginx-combined') {
    const i = text.indexOf(' ['), j = text.indexOf('] "', i);
    return i >= 0 && j > i ? text.slice(i + 2, j) : '';
  }
  if (format === 'nginx-error') return text.slice(0, 19);
  return '';
}

/**
 * Compiles the filter box text.
 *   text      substring, case-insensitive unless it contains an upper-case letter
 *   /re/flags regular expression
 *   !...      exclude lines that match (either form)
 * Returns {empty, exclude, test(line) -> bool, ranges(line) -> [[a,b],...], error}:
 * `ranges` are the matches to highlight (none for an exclusion). An invalid
 * regular expression filters nothing and carries the reason in `error`.
 */
export function compileFilter(input) {
  const src = (input || '');
  if (src.trim() === '' || src.trim() === '!') return noFilter(null);
  let s = src;
  let exclude = false;
  if (s[0] === '!') { exclude = true; s = s.slice(1); }
  const m = /^\/(.+)\/([a-z]*)$/s.exec(s);
  if (!m) return textFilter(s, exclude);
  let re;
  try {
    re = new RegExp(m[1], m[2].replace(/[gy]/g, ''));
  } catch (e) {
    return noFilter(e.message);
  }
  return regexFilter(re, exclude);
}

function noFilter(error) {
  return { empty: true, exclude: false, test: () => true, ranges: () => [], error };
}

function regexFilter(re, exclude) {
  const reG = new RegExp(re.source, re.flags + 'g');
  const test = exclude ? (t) => !re.test(t) : (t) => re.test(t);
  const ranges = (t) => {
    if (exclude) return [];
    const out = [];
    reG.lastIndex = 0;
    let mm;
    let guard = 0;
    while ((mm = reG.exec(t)) !== null && guard++ < 1000) {
      if (mm[0].length === 0) { reG.lastIndex++; continue; }
      out.push([mm.index, mm.index + mm[0].length]);
    }
    return out;
  };
  return { empty: false, exclude, test, ranges, error: null, regex: true };
}

function textFilter(s, exclude) {
  const caseSensitive = s !== s.toLowerCase();
  const needle = caseSensitive ? s : s.toLowerCase();
  const has = caseSensitive ? (t) => t.includes(needle) : (t) => t.toLowerCase().includes(needle);
  const test = exclude ? (t) => !has(t) : has;
  const ranges = (t) => {
    if (exclude || needle.length === 0) return [];
    const hay = caseSensitive ? t : t.toLowerCase();
    const out = [];
    let i = 0;
    while ((i = hay.indexOf(needle, i)) !== -1 && out.length < 1000) {
      out.push([i, i + needle.length]);
      i += needle.length;
    }
    return out;
  };
  return { empty: false, exclude, test, ranges, error: null, regex: false };
}

/** Quick filter predicate from a set of names (4xx, 5xx, warn, error). Null when none. */
export function compileQuick(names) {
  const set = new Set(names);
  if (set.size === 0) return null;
  const w4 = set.has('4xx'), w5 = set.has('5xx'), ww = set.has('warn'), we = set.has('error');
  return (sev) => {
    if (sev >= 400 && sev < 500) return w4;
    if (sev >= 500 && sev < 600) return w5;
    if (sev === -4) return ww;
    if (sev <= -5) return we;
    return false;
  };
}

/** CSS class describing a severity code. */
export function severityClass(sev) {
  if (sev >= 500) return 'st5';
  if (sev >= 400) return 'st4';
  if (sev >= 300) return 'st3';
  if (sev >= 200) return 'st2';
  if (sev >= 100) return 'st1';
  if (sev < 0) return 'lv-' + levelName(sev);
  return '';
}
