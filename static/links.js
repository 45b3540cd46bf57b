/* links.js: links to lines. Owns nothing: finds the cursor of a row's line
 * (a line from disk has it; a live line is found on disk by its number:
 * before=seq:S gives the line above it, after= that line gives it) and makes
 * the address that opens it (url-state.js lineUrl). When that fails, says
 * why in plain words (the server's reasons name its query parameters).
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
const GONE = 'the line is no longer in a file on disk';

async function liveCursor(e) {
  const id = e.s.id;
  // By its number; when the server no longer knows where that is, by its time.
  const above = await page({ stream: id, before: 'seq:' + e.q }).catch(() => null);
  if (above && above.lines.length) {
    const next = await page({ stream: id, after: above.lines[above.lines.length - 1].cursor });
    const l = next.lines[0];
    if (l && (l.seq === null || l.seq === e.q) && l.text === e.t) return l.cursor;
  }
  const t = unixTime(fullTime(e.s.layout, e.t));
  if (t === null) throw new Error(GONE);
  const at = await page({ stream: id, at: t, limit: 200 });
  const hit = at.lines.find((l) => (l.seq !== null ? l.seq === e.q : l.text === e.t));
  if (!hit) throw new Error(GONE);
  return hit.cursor;
}

/** The cursor of entry `e`'s line (a promise); rejects when it has none. */
export async function cursorOf(e) {
  if (!e || e.k !== LINE || !e.s) throw new Error('not a line');
  if (e.c) return e.c;
  if (!(e.q > 0)) throw new Error('the line has no place on disk yet');
  try {
    e.c = await liveCursor(e);
  } catch (err) {
    throw new Error(err.message === GONE ? GONE : err instanceof TypeError ? 'logmon could not be reached' : 'the line could not be found on disk');
  }
  return e.c;
}

/** The address of a link to entry `e`'s line, keeping the view (a promise). */
export async function linkTo(e) {
  const cursor = await cursorOf(e);
  return lineUrl(location.href, cursor, e.s.id, current());
}
