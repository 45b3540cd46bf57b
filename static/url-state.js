/* url-state.js: the view in the URL's fragment (#line=...&filter=...&quick=
 * ...&stream=...&mode=raw&rows=...&stats=off&range=1h), so that a link shows what its
 * sender saw. Owns the timer of a pending write and the linked line (the
 * cursor of the line history.js opened, with its stream; on a fleet's merged
 * tab, `stream=*\/NAME&host=HOST&at=TIME`: the line of HOST/NAME highlighted
 * in every host's lines at TIME); parseHash,
 * formatHash, parseLine and lineUrl are pure (unit tested in tests/ui/).
 * Values at their defaults are left out of the URL.
 */
import { LIVE, parseRange } from './range.js';
import * as view from './view.js';

/** The view described by a fragment ('#...' or '...'); unknown values fall back to defaults. */
export function parseHash(hash) {
  const h = new URLSearchParams(hash.replace(/^#/, ''));
  const filter = h.get('filter') || '';
  const quick = [...new Set((h.get('quick') || '').split(',').filter((x) => view.QUICK.includes(x)))];
  let rows = parseInt(h.get('rows') || '', 10);
  if (!Number.isFinite(rows)) rows = view.DEFAULT_ROWS;
  rows = view.clampRows(rows);
  const mode = h.get('mode') === 'raw' ? 'raw' : 'columns';
  const stream = h.get('stream') || view.ALL;
  const panel = h.get('stats') !== 'off';
  const range = parseRange(h.get('range'));
  return { filter, quick, rows, mode, stream, panel, range };
}

/** The fragment for a view {filter, quick, stream, mode, rows, panel, range}, without '#' ('' for the defaults). */
export function formatHash(v) {
  const h = new URLSearchParams();
  if (v.line) h.set('line', v.line);
  if (v.line && v.host) { h.set('host', v.host); h.set('at', String(v.at)); }
  if (v.filter) h.set('filter', v.filter);
  if (v.quick.length) h.set('quick', v.quick.join(','));
  if (v.stream !== view.ALL) h.set('stream', v.stream);
  if (v.mode !== 'columns') h.set('mode', v.mode);
  if (v.rows !== view.DEFAULT_ROWS) h.set('rows', String(v.rows));
  if (v.panel === false) h.set('stats', 'off');
  if (v.range && v.range !== LIVE) h.set('range', v.range);
  return h.toString().replace(/\+/g, '%20');
}

/**
 * The linked line of a fragment: {cursor, stream}, or null (a line needs its
 * stream); on a merged tab (`stream=*\/NAME`), {cursor, stream, host, at}:
 * HOST/NAME's line, shown among every host's lines at unix time `at`.
 */
export function parseLine(hash) {
  const h = new URLSearchParams(String(hash).replace(/^#/, ''));
  const cursor = h.get('line') || '';
  const stream = h.get('stream') || '';
  if (!cursor || !stream || stream === view.ALL || !/^[A-Za-z0-9_.~:=-]+$/.test(cursor)) return null;
  if (!stream.startsWith('*/')) return { cursor, stream };
  const host = h.get('host') || '';
  const at = Number(h.get('at'));
  return /^[A-Za-z0-9_-]+$/.test(host) && h.get('at') && Number.isFinite(at) ? { cursor, stream, host, at } : null;
}

/** The address of a link to line `cursor` of `stream`, from the page's address `href`, keeping its view. */
export function lineUrl(href, cursor, stream, v) {
  const base = String(href).replace(/#.*$/, '');
  return base + '#' + formatHash({ ...v, line: cursor, stream, host: null });
}

let line = null;         // {cursor, stream, host, at} of the linked line, or null
/**
 * The line the page shows linked (null: none); written with the view. On a
 * merged tab `stream` is the tab's (`*\/NAME`), `host` the line's host and
 * `at` the time its lines were read at.
 */
export function setLine(cursor, stream, host = null, at = null) {
  line = cursor ? { cursor, stream, host, at } : null;
  saveHash();
}

/** The view (and the linked line) as formatHash takes it. */
export function current() {
  return {
    filter: view.filterText, quick: view.quickNames(), stream: line ? line.stream : view.stream, mode: view.mode,
    rows: view.rowsCap, panel: view.panel, range: view.range, line: line ? line.cursor : null,
    host: line ? line.host : null, at: line ? line.at : null,
  };
}

/** The view in the page's URL. */
export function readHash() {
  return parseHash(location.hash);
}

let timer = 0;
/** Writes the current view into the URL after `delay` ms (replacing, not adding, a history entry). */
export function saveHash(delay) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const s = formatHash(current());
    const url = location.pathname + location.search + (s ? '#' + s : '');
    if (url !== location.pathname + location.search + location.hash) {
      history.replaceState(null, '', url);
    }
  }, delay || 0);
}
