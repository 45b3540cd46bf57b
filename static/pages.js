/* pages.js: pure: the history API's requests and pages (docs/protocol.md,
 * "History and search"). Owns no state, no DOM (unit tested in
 * tests/ui/pages.test.mjs): the query strings of /history and /search, the
 * filter box's text split into a search (q, regex, field terms), a page's
 * lines checked and cut where they overlap lines already held, and a window
 * of pages kept within a bound.
 *
 * A fleet viewer's merged history (`stream=*\/NAME`: every host's NAME,
 * merged by time) pages by GAPS, a place in each host's stream:
 * `HOST:-PLACE` (just before line PLACE of that host's stream) or
 * `HOST:+PLACE` (just after it), one a host, joined by ','; PLACE is a
 * cursor or `seq:N`. Its lines name their host's stream (`web-1/access`),
 * and their `seq` and `cursor` are that stream's. Only the hosts GAPS
 * names are read; a host left out of a page's `before` has no older line. Here: GAPS read, written,
 * made from the oldest live line of each host, and moved when a window
 * drops lines at one end; the live lines hidden per host stream (a cut
 * each); a line found by its stream and cursor.
 */
import { isNodeTerm, tokenize, unquote } from './filter.js';
import { splitId } from './fleet.js';

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
 * A /history response checked: {lines: [{text, cursor, time, seq, stream}],
 * before, after, index, failed}, or null when it is not one. Lines without
 * text or cursor are left out; `stream` is a merged page's line's own
 * stream (`web-1/access`), else null; `failed`: the reasons given, if any.
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
      stream: typeof l.stream === 'string' && l.stream !== '' ? l.stream : null,
    });
  }
  const cur = (v) => (typeof v === 'string' && v !== '' ? v : null);
  const index = Number.isInteger(body.index) && body.index >= 0 && body.index < lines.length ? body.index : -1;
  const failed = Array.isArray(body.failed) ? body.failed.filter((x) => typeof x === 'string') : [];
  return { lines, before: cur(body.before), after: cur(body.after), index, failed };
}

/**
 * The lines of a page older than the oldest ones the page holds from the
 * WebSocket, for an `at=` page (the time of that oldest line) asked for when
 * `before=seq:S` (or a merged view's GAPS of numbers) could not be. `cut`:
 * that line's number S, or a Map of them per stream id (pagesCut) for a
 * merged page. Lines with a number, and a cut for their stream, are kept
 * when below it; the others when before `index` (strictly earlier).
 */
export function olderThan(page, cut, index) {
  const out = [];
  for (let i = 0; i < page.lines.length; i++) {
    const l = page.lines[i];
    const s = typeof cut === 'number' ? cut : cut.get(l.stream);
    if (l.seq !== null && s !== undefined ? l.seq < s : i < index) out.push(l);
  }
  return out;
}

const key = (l) => (l.stream || '') + ' ' + l.cursor;

/**
 * The lines of `newer` not already in `held` (by stream and cursor: hosts'
 * cursors may be alike): pages that overlap are joined without repeats.
 * Both are lists of {stream, cursor}.
 */
export function withoutHeld(newer, held) {
  const have = new Set(held.map(key));
  return newer.filter((l) => !have.has(key(l)));
}

/** The host of a fleet stream id (`web-1/access`: `web-1`), or null. */
function hostOf(id) {
  const p = splitId(id);
  return p ? p.host : null;
}

/** GAPS read: a Map host -> its entry (`-seq:12`, `+CURSOR`), in their order; empty for null or ''. */
export function parseGaps(gaps) {
  const out = new Map();
  for (const part of String(gaps || '').split(',')) {
    const m = /^([A-Za-z0-9_-]+):([-+].+)$/.exec(part);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** GAPS written from a Map host -> entry (parseGaps); null when it has none. */
export function formatGaps(map) {
  const parts = [...map].map(([h, e]) => h + ':' + e);
  return parts.length ? parts.join(',') : null;
}

/**
 * The number of the oldest live line of each stream among `lines` (a merged
 * view's live entries as [stream id, seq]; lines without a number, 0, left
 * out): a Map stream id -> seq. These are the cuts: a live line of such a
 * stream numbered below its cut is shown from disk instead (cutHides).
 */
export function pagesCut(lines) {
  const out = new Map();
  for (const [id, seq] of lines) {
    if (!(seq > 0) || hostOf(id) === null) continue;
    const was = out.get(id);
    if (was === undefined || seq < was) out.set(id, seq);
  }
  return out;
}

/**
 * The GAPS of the first page back from a merged view's live lines: just
 * before the oldest live line of each host (`web-1:-seq:5,web-2:-seq:9`),
 * from the cuts (pagesCut); null when there are none.
 */
export function gapsBefore(cuts) {
  const map = new Map();
  for (const [id, seq] of cuts) map.set(hostOf(id), '-seq:' + seq);
  return formatGaps(map);
}

/**
 * The hosts whose gap a merged page refused (pages back from the cuts,
 * pagesCut): a host named in `failed` (`web-2: why`) and left out of the
 * page's `before` (a host that did not answer is named `host web-2 did
 * not answer: …` and keeps its gap).
 */
export function refusedHosts(page, cuts) {
  const still = parseGaps(page.before);
  const out = [];
  for (const id of cuts.keys()) {
    const h = hostOf(id);
    if (!still.has(h) && page.failed.some((f) => f.startsWith(h + ': '))) out.push(h);
  }
  return out;
}

/** The live line numbered `seq` of stream `id` is shown from disk instead: it is below that stream's cut. */
export function cutHides(cuts, id, seq) {
  const cut = cuts.get(id);
  return cut !== undefined && seq > 0 && seq < cut;
}

/** The position in `lines` ({stream, cursor}) of stream `stream`'s line `cursor`, or -1. */
export function findLine(lines, stream, cursor) {
  return lines.findIndex((l) => l.cursor === cursor && l.stream === stream);
}

/**
 * The GAPS of a merged window after lines were dropped at one end to keep it
 * bounded (trimWindow), `kept` and `dropped` as {stream, cursor} oldest
 * first. `side` 'before' (the oldest were dropped: the next older page's
 * place), each host just before its oldest line kept, else just after its
 * newest line dropped; 'after' (the newest were dropped), just after its
 * newest line kept, else just before its oldest dropped. A host of neither
 * keeps its place in `prev` (GAPS or null).
 */
export function trimmedGaps(prev, kept, dropped, side) {
  const map = parseGaps(prev);
  const older = side === 'before';
  // Each host's first line of `list` from its oldest end (`fromOldest`) or its newest.
  const place = (list, sign, fromOldest) => {
    const seen = new Set();
    for (const l of fromOldest ? list : [...list].reverse()) {
      const h = hostOf(l.stream);
      if (h === null || seen.has(h)) continue;
      seen.add(h);
      map.set(h, sign + l.cursor);
    }
  };
  place(dropped, older ? '+' : '-', !older);
  place(kept, older ? '-' : '+', older);
  return formatGaps(map);
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
