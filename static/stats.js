/* stats.js: the live statistics: each stream's rate of new lines on its tab,
 * and in the header, for the access streams in view, requests per second and
 * the share of 4xx and 5xx responses over the last minute. Owns per stream
 * the counts of the current second and a minute of past seconds; lines of a
 * backlog (sent before the hello's position) are not counted.
 */
import { fmtPct, fmtRate } from './labels.js';
import { showFooter } from './log-status.js';
import { span } from './rows.js';
import * as store from './store.js';
import { setRate } from './tabs.js';
import * as view from './view.js';

const WINDOW = 60; // seconds
const box = document.getElementById('stats');
const counts = new WeakMap();   // stream -> {n, c4, c5, hist: [[n, c4, c5] per second], rate}

function of(st) {
  let t = counts.get(st);
  if (!t) { t = { n: 0, c4: 0, c5: 0, hist: [], rate: 0 }; counts.set(st, t); }
  return t;
}

/** Counts new lines of a stream: `n`, of which `c4` 4xx and `c5` 5xx responses. */
export function count(st, n, c4, c5) {
  const t = of(st);
  t.n += n;
  t.c4 += c4;
  t.c5 += c5;
}

/** Closes the current second (called every second) and shows the figures. */
export function tick() {
  for (const st of store.streams()) {
    const t = of(st);
    t.hist.push([t.n, t.c4, t.c5]);
    if (t.hist.length > WINDOW) t.hist.shift();
    t.rate = t.n;
    t.n = 0; t.c4 = 0; t.c5 = 0;
  }
  render();
}

function streamStat(st) {
  let n = 0, c4 = 0, c5 = 0;
  const hist = of(st).hist;
  for (const [a, b, c] of hist) { n += a; c4 += b; c5 += c; }
  const secs = Math.max(1, hist.length);
  const item = span('stat c' + st.color);
  item.title = st.id + ': requests per second, and share of 4xx and 5xx responses, over the last minute';
  item.append(span('stat-name', st.id), span('stat-val', fmtRate(n / secs) + ' req/s'),
    span('stat-val st4', '4xx ' + fmtPct(c4, n)), span('stat-val st5', '5xx ' + fmtPct(c5, n)));
  return item;
}

/** Shows the tab rates and the header figures (and refreshes the footer). */
export function render() {
  for (const st of store.streams()) setRate(st.id, fmtRate(of(st).rate) + '/s');
  const access = store.streams().filter((st) => st.format === 'nginx-combined'
    && (view.stream === view.ALL || view.stream === st.id));
  const frag = document.createDocumentFragment();
  for (const st of access) frag.append(streamStat(st));
  if (access.length) frag.append(span('stat-window', '1 min'));
  box.replaceChildren(frag);
  showFooter();
}
