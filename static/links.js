/* links.js: links to lines. Owns nothing: finds the cursor of a row's line
 * (a line from disk has it; a live line is found on disk by its number:
 * before=seq:S gives the line above it, after= that line gives it) and makes
 * the address that opens it (url-state.js lineUrl).
 */
import { checkPage, historyQuery } from './pages.js';
import { fullTime } from './parse.js';
import { LINE } from './store.js';
import { current, lineUrl } from './url-state.js';
import { unixTime } from './when.js';

async function page(params) {
  const r = await fetch(historyQuery({ ...params, limit: params.limit || 1 }), { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error((await r.text()).split('\n')[0].slice(0, 200) || 'HTTP ' + r.status);
  const p = checkPage(await r.json());
  if (!p) throw new Error('not a history page');
  return p;
}

/** The cursor of a live line numbered e.q: the line after the one above it, else by its time. */
async function liveCursor(e) {
  const id = e.s.id;
  const above = await page({ stream: id, before: 'seq:' + e.q });
  if (above.lines.length) {
    const next = await page({ stream: id, after: above.lines[above.lines.length - 1].cursor });
    const l = next.lines[0];
    if (l && (l.seq === null || l.seq === e.q) && l.text === e.t) return l.cursor;
  }
  const t = unixTime(fullTime(e.s.layout, e.t));
  if (t === null) throw new Error('line not found on disk');
  const at = await page({ stream: id, at: t, limit: 200 });
  const hit = at.lines.find((l) => (l.seq !== null ? l.seq === e.q : l.text === e.t));
  if (!hit) throw new Error('line not found on disk');
  return hit.cursor;
}

/** The cursor of entry `e`'s line (a promise); rejects when it has none. */
export async function cursorOf(e) {
  if (!e || e.k !== LINE || !e.s) throw new Error('not a line');
  if (e.c) return e.c;
  if (!(e.q > 0)) throw new Error('line without a number');
  e.c = await liveCursor(e);
  return e.c;
}

/** The address of a link to entry `e`'s line, keeping the view (a promise). */
export async function linkTo(e) {
  const cursor = await cursorOf(e);
  return lineUrl(location.href, cursor, e.s.id, current());
}
