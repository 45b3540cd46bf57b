/* fleet.js: pure: a fleet viewer's stream ids (docs/fleet.md). Owns no
 * state, no DOM (unit tested in tests/ui/fleet.test.mjs): a `HOST/STREAM`
 * id split into its host and its stream, the streams that several hosts
 * share grouped into merged views (`*\/STREAM`, as /search names them), the
 * tabs to show (the hosts' own tabs folded into the merged one when there
 * are many hosts), and a fleet search's progress per host as a short text.
 *
 * Local stream ids never hold '/': a stream is a fleet host's when its id
 * is a host name (letters, digits, `-`, `_`), '/', and a stream id.
 */

/** The prefix of a merged view's id: `*\/access` is every host's `access`. */
export const MERGED = '*/';
/** Past this many hosts sharing a stream, their own tabs fold into the merged tab. */
export const HOST_TABS = 8;
const HOST = /^[A-Za-z0-9_-]+$/;

/** {host, name} of a fleet stream id (`web-1/access`), or null for a local one. */
export function splitId(id) {
  if (typeof id !== 'string') return null;
  const i = id.indexOf('/');
  if (i <= 0 || i === id.length - 1) return null;
  const host = id.slice(0, i);
  return HOST.test(host) ? { host, name: id.slice(i + 1) } : null;
}

/** The id of the merged view of stream `name` across hosts. */
export function mergedId(name) { return MERGED + name; }

/** The stream name a merged view's id stands for (`*\/access`: `access`), or null. */
export function mergedName(view) {
  return typeof view === 'string' && view.startsWith(MERGED) && view.length > MERGED.length ? view.slice(MERGED.length) : null;
}

/** True when any of these stream ids is a fleet host's. */
export function isFleet(ids) { return ids.some((id) => splitId(id) !== null); }

/**
 * The stream names that two hosts or more share, in the order their first
 * stream comes: [{id: '*\/NAME', name, hosts: [host], ids: [stream id]}].
 */
export function groups(ids) {
  const by = new Map();
  for (const id of ids) {
    const p = splitId(id);
    if (!p) continue;
    let g = by.get(p.name);
    if (!g) by.set(p.name, g = { id: mergedId(p.name), name: p.name, hosts: [], ids: [] });
    g.hosts.push(p.host);
    g.ids.push(id);
  }
  return [...by.values()].filter((g) => g.hosts.length >= 2);
}

/** A merged tab's label: `access · 3 hosts`. */
export function mergedLabel(g) { return g.name + ' · ' + g.hosts.length + ' hosts'; }

/**
 * The tabs for stream ids `ids` with view `current` shown: [{id, kind, label,
 * group}]: 'all' first, then a 'merged' tab per shared stream, then a
 * 'stream' tab per stream, except those of a stream shared by more than
 * HOST_TABS hosts (its merged tab, the `node:` filter term and the search
 * stand for them), unless it is the one shown.
 */
export function tabPlan(ids, current) {
  const out = [{ id: '*', kind: 'all', label: 'all streams', group: null }];
  const gs = groups(ids);
  const folded = new Set();
  for (const g of gs) {
    out.push({ id: g.id, kind: 'merged', label: mergedLabel(g), group: g });
    if (g.hosts.length > HOST_TABS) for (const id of g.ids) folded.add(id);
  }
  for (const id of ids) if (!folded.has(id) || id === current) out.push({ id, kind: 'stream', label: id, group: null });
  return out;
}

/** The host named by one of a search's `failed` reasons (`host web-2 did not answer: …`), or null. */
export function failedHost(reason) {
  const m = /^host ([A-Za-z0-9_-]+)\b/.exec(String(reason));
  return m ? m[1] : null;
}

function pct(h) {
  if (h.total > 0) return Math.min(100, Math.floor((h.scanned / h.total) * 100));
  return h.done ? 100 : 0;
}

/**
 * A fleet search's progress per host, short enough for one line: each host
 * and its share scanned for a few hosts (`web-1 done · web-2 40%`), else
 * the counts and the slowest few (`12 hosts: 9 done, 3 searching (web-4
 * 12%, …)`); the hosts `failed` names (search.js: the done line's reasons)
 * are said to have failed. `hosts`: [{host, scanned, total, done}].
 */
export function hostProgress(hosts, failed) {
  const bad = new Set((failed || []).map(failedHost).filter(Boolean));
  const list = (Array.isArray(hosts) ? hosts : []).filter((h) => h && typeof h.host === 'string');
  for (const b of bad) if (!list.some((h) => h.host === b)) list.push({ host: b, scanned: 0, total: 0, done: true });
  if (!list.length) return '';
  const one = (h) => h.host + ' ' + (bad.has(h.host) ? 'failed' : h.done ? 'done' : pct(h) + '%');
  if (list.length <= 4) return list.map(one).join(' · ');
  const failedN = list.filter((h) => bad.has(h.host)).length;
  const running = list.filter((h) => !h.done && !bad.has(h.host)).sort((a, b) => pct(a) - pct(b) || (a.host < b.host ? -1 : 1));
  const done = list.length - running.length - failedN;
  const parts = [done + ' done'];
  if (running.length) {
    const slow = running.slice(0, 3).map((h) => h.host + ' ' + pct(h) + '%').join(', ');
    parts.push(running.length + ' searching (' + slow + (running.length > 3 ? ', …' : '') + ')');
  }
  if (failedN) {
    const names = list.filter((h) => bad.has(h.host)).map((h) => h.host);
    parts.push(failedN + ' failed (' + names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '') + ')');
  }
  return list.length + ' hosts: ' + parts.join(', ');
}
