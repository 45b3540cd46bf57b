/* pages.js: pure: the history API's requests and pages (docs/protocol.md,
 * "History and search"). Owns no state, no DOM (unit tested in
 * tests/ui/pages.test.mjs): the query strings of /history and /search, the
 * filter box's text split into a search (q, regex, field terms), a page's
 * lines checked and cut where they overlap lines already held, and a window
 * of pages kept within a bound.
 */
import { tokenize, unquote } from './filter.js';

/** Page size asked of /history. */
export const PAGE = 200;
const FIELD_TERM = /^!?[a-z_][a-z0-9_]*(:|>=|<=|>|<)./;
const REGEX_TERM = /^\/([^]+)\/([a-z]*)$/;

/** The query string of a /history request: {stream, before|after|at|around, limit}. */
export function historyQuery(p) {
  const h = new URLSearchParams();
  h.set('stream', p.stream);
  for (const k of ['before', 'after', 'at', 'around']) if (p[k] !== undefined && p[k] !== null) h.set(k, String(p[k]));
  h.set('limit', String(p.limit || PAGE));
  return 'history?' + h.toString();
}

/**
 * The search a filter text asks for: {q, regex, filter, dropped}. Field terms
 * (status:5xx, rt>0.5, !ua:bot) go to `filter` as they are; a /regex/ term is
 * the query with regex=1; otherwise the words, unquoted and joined by a space,
 * are one literal. Negated words and a second regex cannot be sent: `dropped`.
 */
export function searchOf(text) {
  const fields = [], words = [], dropped = [];
  let regex = null;
  for (const tok of tokenize(text || '')) {
    const s = tok.text;
    if (FIELD_TERM.test(s) && !/^!?[a-z]+:\/\//.test(s)) { fields.push(s); continue; }
    const rm = REGEX_TERM.exec(s);
    if (rm && regex === null && !words.length) { regex = rm[1]; continue; }
    if (s[0] === '!' || rm || regex !== null) { dropped.push(s); continue; }
    words.push(unquote(s));
  }
  return { q: regex !== null ? regex : words.join(' '), regex: regex !== null, filter: fields.join(' '), dropped };
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
 * How many items to drop from each end of a window of `length` items to keep
 * at most `cap`, dropping on the side away from where the reader went
 * (`grew`: 'older' drops the newest, 'newer' the oldest): {head, tail}.
 */
export function trimWindow(length, cap, grew) {
  const over = Math.max(0, length - cap);
  return grew === 'older' ? { head: 0, tail: over } : { head: over, tail: 0 };
}
