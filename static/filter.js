/* filter.js: the filter box's language. Owns no state: pure functions, no
 * DOM, shared by the page and the unit tests (tests/ui/filter.test.mjs).
 *
 * The text is a list of terms separated by spaces; a line must match every
 * term (AND). A term with a leading `!` must not match.
 *   word        the raw line contains it: case-insensitive unless the word has
 *               an upper-case letter; "quoted words" keep their spaces
 *   /re/flags   the raw line matches the regular expression (may hold spaces;
 *               flags i, m, s, u: `/api/orders` is a word, not a regex)
 *   key:value   a field (fields.js: path, host, addr, ip, ua, method, status,
 *               rt, ut, bytes, upstream, ref, time, or any field's own name):
 *                 status:5xx, status:404   status classes and codes
 *                 path:/api/*              glob on the path without query (* and ?)
 *                 host:, addr:, upstream:  exact, or glob; case-insensitive
 *                 ua:bot                   contains, case-insensitive
 *                 method:post              exact, case-insensitive
 *                 time:14:02               the time of day starts with it
 *                 other fields             by type: addresses exact (any of a
 *                                          list), numbers equal, text contains
 *   key>n key<n key>=n key<=n             numbers: rt>0.5 (seconds, or 500ms),
 *                                          ut<0.1, bytes>10000, status>=500
 *   node:web-1  the fleet host whose stream the line is (fleet.js: the HOST
 *               of `HOST/STREAM`), exact or glob, case-insensitive; a local
 *               stream's lines have none. The page's own term: the server's
 *               filter= never gets it (pages.js searchOf, range.js).
 * A value with spaces or quotes is written in double quotes (termText()).
 * `http://...` is a word, not a field named http.
 */
import { isShortName, seconds, valueOf } from './fields.js';

const FIELD = /^([a-z_][a-z0-9_]*)(:|>=|<=|>|<)([^]*)$/;
const REGEX = /^\/([^]+)\/([imsu]*)$/;

/** The terms of a filter text: [{start, end, text}], `text` as typed (quotes included). */
export function tokenize(src) {
  const out = [];
  let i = 0;
  while (i < src.length) {
    while (i < src.length && /\s/.test(src[i])) i++;
    if (i >= src.length) break;
    const start = i;
    const neg = src[i] === '!' ? 1 : 0;
    if (src[i + neg] === '/') {
      const end = regexEnd(src, i + neg);
      if (end > 0) { out.push({ start, end, text: src.slice(start, end) }); i = end; continue; }
    }
    let quoted = false;
    for (; i < src.length; i++) {
      const c = src[i];
      if (c === '\\' && quoted) { i++; continue; }
      if (c === '"') quoted = !quoted;
      else if (!quoted && /\s/.test(c)) break;
    }
    out.push({ start, end: Math.min(i, src.length), text: src.slice(start, Math.min(i, src.length)) });
  }
  return out;
}

/** End of a /regex/flags term starting at `from` (which holds '/'), or -1: it may contain spaces. */
function regexEnd(src, from) {
  for (let j = from + 1; j < src.length; j++) {
    if (src[j] === '\\') { j++; continue; }
    if (src[j] !== '/' || j === from + 1) continue;
    let k = j + 1;
    while (k < src.length && /[imsu]/.test(src[k])) k++;
    if (k === src.length || /\s/.test(src[k])) return k;
  }
  return -1;
}

/** A value without its double quotes (and their backslash escapes). */
export function unquote(v) {
  if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/** The term that filters field `key` by `value` (quoted when it needs to be). */
export function termText(key, value) {
  const v = String(value);
  const plain = v !== '' && !/[\s"\\]/.test(v) && !v.startsWith('//');
  return key + ':' + (plain ? v : '"' + v.replace(/["\\]/g, '\\$&') + '"');
}

/**
 * The filter text with `term` added: a term on the same field with `:` is
 * replaced, the same term is not added twice.
 */
export function addTerm(src, term) {
  const m = FIELD.exec(term);
  const toks = tokenize(src);
  if (toks.some((t) => t.text === term)) return src;
  for (const t of toks) {
    const tm = FIELD.exec(t.text);
    if (m && tm && tm[1] === m[1] && tm[2] === ':' && m[2] === ':') {
      return src.slice(0, t.start) + term + src.slice(t.end);
    }
  }
  const base = src.trimEnd();
  return base ? base + ' ' + term : term;
}

/** The fleet host term's name (`node:web-1`): `host:` is nginx's Host header. */
export const NODE = 'node';
const NODE_TERM = /^!?node:./;

/** True for a `node:` term (negated or not), as typed: the page's own, not the server's. */
export function isNodeTerm(text) { return NODE_TERM.test(text); }

/**
 * The test of a host name by the `node:` terms of a filter text (all must
 * hold, `!` negates), or null when it has none: for a fleet search's
 * matches, which the page filters by host itself.
 */
export function nodeFilter(src) {
  const tests = [];
  for (const tok of tokenize(src || '')) {
    if (!isNodeTerm(tok.text)) continue;
    const neg = tok.text[0] === '!';
    const g = globTest(unquote(tok.text.slice(neg ? 6 : 5)), true);
    tests.push((h) => (h !== null && h !== undefined && g(h)) !== neg);
  }
  return tests.length ? (h) => tests.every((t) => t(h)) : null;
}

/** The one host a filter text's `node:` terms name exactly (`node:web-1`, no glob, not negated), or null. */
export function onlyNode(src) {
  const named = [];
  for (const tok of tokenize(src || '')) {
    if (!isNodeTerm(tok.text) || tok.text[0] === '!') continue;
    const v = unquote(tok.text.slice(5));
    if (/[*?]/.test(v)) return null;
    named.push(v);
  }
  return named.length === 1 ? named[0] : null;
}

/**
 * Compiles the filter box text into {empty, fields, test(text, rec, host), ranges(text), highlights, error}:
 * `fields` says whether test() needs the line's record (layout.js; null when
 * the line has none), `host` is the line's fleet host (null for a local
 * stream's, node:); `ranges` are the matches of words and regexes to
 * highlight. A term that does not compile filters nothing and says why in `error`.
 */
export function compileFilter(input) {
  const terms = [];
  for (const tok of tokenize(input || '')) {
    let s = tok.text;
    let neg = false;
    if (s[0] === '!') { neg = true; s = s.slice(1); }
    if (s === '') continue;
    let t;
    try { t = compileTerm(s); } catch (e) { return noFilter(e.message); }
    t.neg = neg;
    terms.push(t);
  }
  if (!terms.length) return noFilter(null);
  const shown = terms.filter((t) => !t.neg && t.ranges);
  return {
    empty: false,
    fields: terms.some((t) => t.field),
    test(text, rec, host) {
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i];
        if (t.match(text, rec, host) === t.neg) return false;
      }
      return true;
    },
    ranges: (text) => mergeRanges(shown.map((t) => t.ranges(text))),
    highlights: shown.length > 0,
    error: null,
  };
}

function noFilter(error) {
  return { empty: true, fields: false, test: () => true, ranges: () => [], highlights: false, error };
}

function compileTerm(s) {
  const fm = FIELD.exec(s);
  if (fm && fm[1] === NODE && fm[2] === ':' && fm[3] !== '') {
    const g = globTest(unquote(fm[3]), true);
    return { field: false, match: (text, rec, host) => host !== null && host !== undefined && g(host) };
  }
  if (fm && fm[3] !== '' && !fm[3].startsWith('//')) return fieldTerm(fm[1], fm[2], fm[3], textTerm(unquote(s)));
  const rm = REGEX.exec(s);
  if (rm) {
    let re;
    try { re = new RegExp(rm[1], rm[2].replace(/[gy]/g, '')); } catch (e) { throw new Error('invalid regex: ' + e.message); }
    return regexTerm(re);
  }
  return textTerm(unquote(s));
}

function regexTerm(re) {
  const reG = new RegExp(re.source, re.flags + 'g');
  const ranges = (t) => {
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
  return { field: false, match: (t) => re.test(t), ranges };
}

function textTerm(s) {
  const caseSensitive = s !== s.toLowerCase();
  const needle = caseSensitive ? s : s.toLowerCase();
  const match = caseSensitive ? (t) => t.includes(needle) : (t) => t.toLowerCase().includes(needle);
  const ranges = (t) => {
    if (needle.length === 0) return [];
    const hay = caseSensitive ? t : t.toLowerCase();
    const out = [];
    let i = 0;
    while ((i = hay.indexOf(needle, i)) !== -1 && out.length < 1000) {
      out.push([i, i + needle.length]);
      i += needle.length;
    }
    return out;
  };
  return { field: false, match, ranges };
}

/** Sorted, non-overlapping ranges from several lists. */
function mergeRanges(lists) {
  const all = lists.length === 1 ? lists[0] : [].concat(...lists).sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * What is doubtful about the field terms of a filter text that compiles, as
 * sentences: a status no line can have (`status:abc`, `status:999`), a field
 * name with no value (`status:`), or a name that is neither a short name nor
 * one of `names` (the fields of the lines in view; null when not known): the
 * last two are matched as words, which is seldom what was meant. The terms
 * keep their meaning (the server's `filter=` means the same), but the reader
 * is told. `node:` is the page's own term: doubtful only when no stream is a
 * fleet host's (`fleet` false).
 */
export function termWarnings(src, names, fleet = true) {
  const out = [];
  for (const tok of tokenize(src || '')) {
    const s = tok.text[0] === '!' ? tok.text.slice(1) : tok.text;
    const fm = FIELD.exec(s);
    if (!fm || fm[3].startsWith('//')) continue;
    if (fm[1] === NODE && fm[2] === ':' && fm[3] !== '') {
      if (!fleet) out.push(s + ' matches no line: no stream here is a fleet host\'s');
      continue;
    }
    const known = isShortName(fm[1]) || (names !== null && names.includes(fm[1]));
    const doubt = fm[1] === 'status' && fm[2] === ':' && fm[3] !== '' ? statusDoubt(fm[3]) : '';
    if (doubt) out.push(doubt);
    else if (fm[2] === ':' && fm[3] === '' && known) out.push(s + ' has no value: matched as a word (as in ' + fm[1] + ':' + example(fm[1]) + ')');
    else if (!known && names !== null) out.push(fm[1] + ' is not a field of these lines: ' + s + ' is matched as a word');
  }
  return out;
}

function example(key) {
  return { status: '5xx', path: '/api/*', method: 'post', time: '14:02', rt: '0.5', ut: '0.1', bytes: '1000' }[key] || 'value';
}

/**
 * A field term: {field: true, match(text, rec)}; a line without a value never
 * matches. A name that is neither a short name nor a field of the line is
 * looked for as a word (`localhost:8080`).
 */
function fieldTerm(key, op, value, asText) {
  const test = op === ':' ? valueTest(key, unquote(value)) : compareTest(key, op, unquote(value));
  const short = isShortName(key);
  return {
    field: true,
    match(text, rec) {
      if (!short && (!rec || rec.names.indexOf(key) < 0)) return asText.match(text);
      if (!rec) return false;
      const v = valueOf(rec, key);
      return v !== null && test(v, short ? '' : rec.types[rec.names.indexOf(key)]);
    },
  };
}

/** How a value is matched, by the name it was asked for (and the field's type for other names). */
function valueTest(key, value) {
  const glob = globTest(value, true);
  const lower = value.toLowerCase();
  switch (key) {
    case 'status': return statusTest(value);
    case 'path': return globTest(value, false);
    case 'host': case 'addr': case 'ip': case 'upstream': return (v) => anyOf(v, glob);
    case 'ua': case 'ref': return /[*?]/.test(value) ? glob : (v) => v.toLowerCase().includes(lower);
    case 'method': return (v) => v.toLowerCase() === lower;
    case 'time': return (v) => v.startsWith(value);
    case 'rt': case 'ut': case 'bytes': return numberTest(value, glob);
    default: break;
  }
  const status = statusTest(value);
  const number = numberTest(value, glob);
  const text = /[*?]/.test(value) ? glob : (v) => v.toLowerCase().includes(lower);
  return (v, type) => {
    if (type === 'status') return status(v);
    if (type === 'address') return anyOf(v, glob);
    if (type === 'number' || type === 'duration') return number(v);
    return text(v);
  };
}

/**
 * Matches any element of a list: nginx writes several upstream addresses,
 * statuses or times with `, ` between the servers of one group and ` : `
 * between groups.
 */
const LIST = /,| : /;
function anyOf(v, test) {
  if (test(v)) return true;
  if (v.indexOf(',') < 0 && v.indexOf(' : ') < 0) return false;
  return v.split(LIST).some((x) => test(x.trim()));
}

/** Why a status:VALUE can match no line (status:abc, status:999), or ''. */
function statusDoubt(value) {
  const v = unquote(value);
  if (/^\d{3}$/.test(v) && (+v < 100 || +v > 599)) return 'status:' + value + ' matches no line: there is no status ' + v + ' (100 to 599)';
  if (!/^[1-5x][0-9x]{0,2}$/i.test(v)) return 'status:' + value + ' matches no line: a status is a code such as 404 or a class such as 5xx';
  return '';
}

/** 404, 4xx, 40x, 5: digit by digit, `x` for any digit; fewer digits match as a prefix. */
function statusTest(value) {
  const p = value.toLowerCase();
  if (!/^[1-5x][0-9x]{0,2}$/.test(p)) return (v) => v === value;
  const one = (v) => {
    if (v.length !== 3) return false;
    for (let i = 0; i < p.length; i++) if (p[i] !== 'x' && p[i] !== v[i]) return false;
    return true;
  };
  return (v) => anyOf(v, one);
}

/** A whole-value glob: `*` any text, `?` one character. */
function globTest(value, ci) {
  if (!/[*?]/.test(value)) return ci ? ((v) => v.toLowerCase() === value.toLowerCase()) : ((v) => v === value);
  const src = value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^]*').replace(/\?/g, '[^]');
  const re = new RegExp('^' + src + '$', ci ? 'i' : '');
  return (v) => re.test(v);
}

/** A number with an optional unit: 0.5, 500ms, 2s. */
function parseNumber(value) {
  const m = /^(-?\d+(?:\.\d*)?|-?\.\d+)(ms|s)?$/.exec(value.trim());
  if (!m) return null;
  return m[2] === 'ms' ? +m[1] / 1000 : +m[1];
}

function numberTest(value, fallback) {
  const n = parseNumber(value);
  if (n === null) return fallback;
  return (v) => seconds(v) === n;
}

/** rt>0.5, bytes<=1000: a field's number against a bound; no number never matches. */
function compareTest(key, op, value) {
  const n = parseNumber(value);
  if (n === null) throw new Error(key + op + ': not a number');
  const cmp = op === '>' ? (x) => x > n : op === '<' ? (x) => x < n : op === '>=' ? (x) => x >= n : (x) => x <= n;
  return (v) => {
    const x = seconds(v);
    return x !== null && cmp(x);
  };
}
