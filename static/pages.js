/* pages.js: pure: the history API's requests and pages (docs/protocol.md,
 * "History and search"). Owns no state, no DOM (unit tested in
 * tests/ui/pages.test.mjs): the query strings of /history and /search, the
 * filter box's text split into a search (q, regex, field terms), a page's
 * lines checked and cut where they overlap lines already held, and a window
 * of pages kept within a bound.
 */
import { isNodeTerm, tokenize, unquote } from './filter.js';

/** Page size asked of /history. */
export const PAGE = 200;
const FIELD_TERM = /^!?[a-z_][a-z0-9_]*(:|>=|<=|>|<)./;
const REGEX_TERM = /^\/([^]+)\/([imsu]*)$/;

/** The query string of a /history request: {stream, before|after|at|around, limit}. */
export function historyQuery(p) {
  const h = new URLSearchParams();
  h.set('stream', p.stream);
  for (const k of ['before', 'after', 'at', 'around']) if (p[k] !== undefined && p[k] !== null) h.set(k, String(p[k]));
  h.set('limit', String(p.limit || PAGE));
  return 'history?' + h.toString();
}

/**
 * The search a filter text asks for: {q, regex, filter, dropped}, meaning on
 * the server what the text means in the filter box (filter.js). The server
 * finds candidate lines by `q` and tests them with `filter` (the same terms
 * as here, src/terms/). So `q` is one term of the text, made exact:
 *  - a /regex/ term (its flags i, m, s written inline, `(?i)`), else
 *  - the longest word: as it is if it has an upper-case letter (the filter
 *    box matches such a word with its case), else as a regex that ignores
 *    case, `(?i)` and the word escaped;
 * and every other term, field terms, words and negated words alike, goes to
 * `filter` as typed. A second regex, or a negated one, cannot be sent: `dropped`.
 * `node:` terms (the fleet host, the page's own: filter.js) are not sent:
 * `nodes`, as typed; the page filters a fleet search's matches by them.
 */
export function searchOf(text) {
  const rest = [], dropped = [], nodes = [];
  let regex = null;
  for (const tok of tokenize(text || '')) {
    if (isNodeTerm(tok.text)) { nodes.push(tok.text); continue; }
    const rm = REGEX_TERM.exec(tok.text);
    if (rm && regex === null) regex = inlineFlags(rm[2]) + rm[1];
    else if (rm || (tok.text[0] === '!' && REGEX_TERM.test(tok.text.slice(1)))) dropped.push(tok.text);
    else rest.push(tok.text);
  }
  if (regex !== null) return { q: regex, regex: true, filter: rest.join(' '), dropped, nodes };
  let best = -1;
  rest.forEach((t, i) => {
    if (t[0] === '!' || (FIELD_TERM.test(t) && !/^[a-z]+:\/\//.test(t))) return;
    if (best < 0 || unquote(t).length > unquote(rest[best]).length) best = i;
  });
  if (best < 0) return { q: '', regex: false, filter: rest.join(' '), dropped, nodes };
  const word = unquote(rest[best]);
  const filter = rest.filter((_, i) => i !== best).join(' ');
  if (word !== word.toLowerCase()) return { q: word, regex: false, filter, dropped, nodes };
  return { q: '(?i)' + escapeRegex(word), regex: true, filter, dropped, nodes };
}

/** JavaScript's regex flags i, m, s as the server's inline flags (`(?is)`); u is the default there. */
function inlineFlags(flags) {
  const f = flags.replace(/[^ims]/g, '');
  return f ? '(?' + f + ')' : '';
}

/** A literal text as a regex that matches it. */
export function escapeRegex(s) {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** The query string of a /search request for `stream` and a search (searchOf). */
export function searchQuery(stream, s) {
  const h = new URLSearchParams();
  h.set('stream', stream);
  h.set('q', s.q);
  if (s.regex) h.set('regex', '1');
  if (s.filter) h.set('filter', s.filter);
  return 'search?' + h.toString();
}

/**
 * A /history response checked: {lines: [{text, cursor, time, seq}], before,
 * after, index}, or null when it is not one. Lines without text or cursor are left out.
 */
export function checkPage(body) {
  if (!body || typeof body !== 'object' || !Array.isArray(body.lines)) return null;
  const lines = [];
  for (const l of body.lines) {
    if (!l || typeof l.text !== 'string' || typeof l.cursor !== 'string') continue;
    lines.push({
      text: l.text, cursor: l.cursor,
      time: Number.isFinite(l.time) ? l.time : null,
      seq: Number.isFinite(l.seq) ? l.seq : null,
    });
  }
  const cur = (v) => (typeof v === 'string' && v !== '' ? v : null);
  const index = Number.isInteger(body.index) && body.index >= 0 && body.index < lines.length ? body.index : -1;
  return { lines, before: cur(body.before), after: cur(body.after), index };
}

/**
 * The lines of a page older than the line numbered `seq` (the oldest one the
 * page holds from the WebSocket) and older than time `time`: for an `at=`
 * page asked for when `before=seq:S` could not be. Lines with a number are
 * kept when below `seq`; lines without, when before `index` (strictly earlier).
 */
export function olderThan(page, seq, index) {
  const out = [];
  for (let i = 0; i < page.lines.length; i++) {
    const l = page.lines[i];
    if (l.seq !== null ? l.seq < seq : i < index) out.push(l);
  }
  return out;
}

/** The lines of `newer` not already in `held` (by cursor): pages that overlap are joined without repeats. */
export function withoutHeld(newer, held) {
  const have = new Set(held.map((l) => l.cursor));
  return newer.filter((l) => !have.has(l.cursor));
}

/**
 * Where an `at=TIME` page landed: 'before' (TIME is before the oldest line on
 * disk: the page starts with that line, later than TIME), 'after' (TIME is
 * after every line: the page holds the newest ones, with no index), else 'at'.
 */
export function landing(page, at) {
  if (page.index < 0) return page.lines.length ? 'after' : 'at';
  const first = page.lines[0];
  if (page.before === null && page.index === 0 && first.time !== null && first.time > at) return 'before';
  return 'at';
}

/**
 * How many items to drop from each end of a window of `length` items to keep
 * at most `cap`, dropping on the side away from where the reader went
 * (`grew`: 'older' drops the newest, 'newer' the oldest): {head, tail}.
 */
export function trimWindow(length, cap, grew) {
  const over = Math.max(0, length - cap);
  return grew === 'older' ? { head: 0, tail: over } : { head: over, tail: 0 };
}
