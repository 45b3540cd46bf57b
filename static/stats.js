/* stats.js: the live figures in the page's header and tabs, from the
 * server's statistics (series.js), or, while the statistics panel is closed
 * and the server sends none (connection.js setStats), from the lines
 * received (store.js recentLines, once a second), all over the same last minute: each
 * stream's lines per second on its tab, and for the access streams in view,
 * requests per second and the share of 4xx and 5xx responses. Lines that do
 * not fit the stream's format are lines but no requests: the only way the
 * two rates differ, and the header then says so. A merged tab's figures
 * are its hosts' together (series.js merged). Owns the timer that gathers
 * the stats messages of one second into one render, and the renders' count
 * and cost (the panel's included).
 */
import { setStats } from './connection.js';
import { fmtPct, fmtRate } from './labels.js';
import { hasFields } from './layout.js';
import { showFooter } from './log-status.js';
import { span } from './rows.js';
import * as series from './series.js';
import * as store from './store.js';
import { setRate } from './tabs.js';
import * as view from './view.js';

const WINDOW = 60; // seconds
const box = document.getElementById('stats');
let timer = 0;
let linesTimer = 0;      // renders from the lines received, while the panel is closed
let onRender = () => {};
let renders = 0, renderMs = 0, maxRenderMs = 0;

/** `fn()` runs after each render (the statistics panel follows). */
export function onShown(fn) { onRender = fn; }

/** Follows the panel: the server's statistics while it is shown, the lines received (rendered every second) while not. */
export function followPanel() {
  setStats(view.panel);
  clearInterval(linesTimer);
  linesTimer = view.panel ? 0 : setInterval(render, 1000);
  render();
}

/** New statistics arrived: render once the messages of this second are in. */
export function changed() {
  if (!timer) timer = setTimeout(() => { timer = 0; render(); }, 50);
}

function streamStat(st, r) {
  const item = span('stat c' + st.color);
  item.title = st.id + ': requests per second, and share of 4xx and 5xx responses, over the last minute'
    + (r.bad ? '; the tab counts every line, and ' + r.bad + (r.bad === 1 ? ' line' : ' lines') + ' did not fit the format' : '');
  item.append(span('stat-name', st.id), span('stat-val', fmtRate(r.n / WINDOW) + ' req/s'),
    span('stat-val st4', '4xx ' + fmtPct(r.c4, r.n)), span('stat-val st5', '5xx ' + fmtPct(r.c5, r.n)));
  if (r.bad) item.append(span('stat-val stat-bad', '+' + r.bad + ' unparsed'));
  return item;
}

/** Renders so far, and their main-thread time in ms. */
export function counters() {
  return { renders, renderMs, maxRenderMs };
}

/** Shows the tab rates and the header figures (and refreshes the footer and the panel). */
export function render() {
  const t0 = performance.now();
  const frag = document.createDocumentFragment();
  let any = false;
  const sums = new Map();  // fleet stream name -> lines a second of its hosts as received, for the merged tabs
  const mergedSum = { n: 0, c4: 0, c5: 0, bad: 0, hosts: 0 };
  for (const st of store.streams()) {
    // With the panel closed, the server's statistics are off (connection.setStats): the lines received tell.
    const s = view.panel ? series.of(st.id) : null;
    const r = view.panel ? series.recent(s, WINDOW) : store.recentLines(st.id, WINDOW);
    const known = !view.panel || s;
    if (!view.panel && st.name !== null) sums.set(st.name, (sums.get(st.name) || 0) + (r.n + r.bad) / WINDOW);
    setRate(st.id, known ? fmtRate((r.n + r.bad) / WINDOW) + '/s' : '', st.id + ': lines a second over the last minute'
      + (view.panel ? '' : ', as received'));
    if (!known || !hasFields(st.layout) || !view.showsStream(st)) continue;
    any = true;
    // A merged view's hosts make one figure (fifty hosts would make fifty).
    if (view.merged !== null) { for (const k of ['n', 'c4', 'c5', 'bad']) mergedSum[k] += r[k]; mergedSum.hosts++; continue; }
    frag.append(streamStat(st, r));
  }
  // With the server's statistics, a merged view's figures are its hosts' merged (series.merged: a stale host's last minute ages out).
  const fleet = new Map();  // merged view id -> its statistics merged
  if (view.panel) for (const g of store.mergedViews()) fleet.set(g.id, series.merged(g));
  if (mergedSum.hosts) {
    const m = fleet.get(view.stream);
    const r = m ? { ...series.recent(m, WINDOW), hosts: m.hosts } : mergedSum;
    frag.append(streamStat({ id: view.merged + ' · ' + r.hosts + (r.hosts === 1 ? ' host' : ' hosts'), color: 0 }, r));
  }
  for (const g of store.mergedViews()) {
    let sum = sums.get(g.name);
    if (view.panel) {
      const r = fleet.get(g.id) ? series.recent(fleet.get(g.id), WINDOW) : null;
      sum = r ? (r.n + r.bad) / WINDOW : undefined;
    }
    setRate(g.id, sum === undefined ? '' : fmtRate(sum) + '/s', g.id + ': lines a second of its ' + g.hosts.length + ' hosts over the last minute');
  }
  if (any) frag.append(span('stat-window', '1 min'));
  box.replaceChildren(frag);
  showFooter();
  onRender();
  const dt = performance.now() - t0;
  renders++;
  renderMs += dt;
  if (dt > maxRenderMs) maxRenderMs = dt;
}
