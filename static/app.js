/* app.js: the page's entry module. Owns nothing but the wiring: what arrives
 * on the connection goes to the store, what is stored goes to rendering, and
 * the page starts up in order. window.logmon is a read-only view of the
 * modules' state, for diagnostics and the browser tests.
 *
 * The modules, from the wire to the screen:
 *   connection.js  the worker (ingest.js) holding the WebSocket; reconnects, epochs
 *   backlog.js     a fleet viewer's backlog held at hello, then stored merged by time
 *   store.js       entries per stream and merged, bounded by the store cap
 *   view.js        what the reader asked to see: stream, mode, filters, row cap
 *   reading.js     paused, following, held back, unseen
 *   shown.js       which rows the log shows: live, held, from disk; rebuilds, top-ups, scrolling
 *   render.js      newly stored entries to rows, a batch per frame
 *   pacing.js      frames and the time budget of building rows
 *   chunks.js      the rows in the DOM, grouped in content-visibility chunks
 *   topup.js       which entries lie above or below the rows shown (pure)
 *   rows.js        the DOM of one row (log text as text nodes only)
 *   columns.js     the display columns of a line's fields, for any layout
 *   controls.js, follow.js, input.js, tabs.js, copy.js, cells.js    what the reader does
 *   help.js, theme.js   the help screen (?), the colour theme (light, dark, system)
 *   colchooser.js, details.js   the columns shown and their order; a line's every field
 *   history.js     lines from disk: pages older than the live view, windows at a time or a link
 *   search.js      a search of the history on disk, its results pane
 *   links.js       the cursor of a row's line, links to it
 *   pages.js, ndjson.js, when.js   the history API's queries and pages, NDJSON, times typed
 *   stats.js, log-status.js, labels.js, url-state.js      what the page says
 *   series.js      the server's statistics, merged per stream
 *   stats-merge.js a merged tab's statistics: its hosts' summed, percentiles as upper bounds
 *   stats-panel.js, charts.js, latency.js    the statistics panel, its charts (uPlot, vendor/), its percentiles
 *   range.js, range-picker.js    the panel's time range: live, a span before now, custom; the picker
 *   report-panel.js, report-view.js, report-fetch.js, report-model.js    the panel's report from disk (/report)
 *   csv.js, export.js            downloads: a report as JSON and CSV, the lines of a range
 *   layout.js      splitting lines by their stream's layout (shared with the worker)
 *   fields.js      what fields mean: short names, request parts, times, durations
 *   filter.js      the filter box's language: words, regexes, field terms
 *   fleet.js       a fleet viewer's HOST/STREAM ids: merged views, tabs, per-host search progress
 *   parse.js       severities, error log lines, quick filters (shared with the worker)
 */
import * as backlog from './backlog.js';
import * as cells from './cells.js';
import * as chunks from './chunks.js';
import * as colchooser from './colchooser.js';
import * as connection from './connection.js';
import * as controls from './controls.js';
import * as copy from './copy.js';
import * as details from './details.js';
import * as follow from './follow.js';
import * as help from './help.js';
import * as history from './history.js';
import * as input from './input.js';
import * as logStatus from './log-status.js';
import * as pacing from './pacing.js';
import * as rangePicker from './range-picker.js';
import * as reading from './reading.js';
import * as render from './render.js';
import { setNodes } from './columns.js';
import { colheadMissing, renderColhead } from './rows.js';
import * as series from './series.js';
import * as search from './search.js';
import { status as reportStatus } from './report-panel.js';
import * as shown from './shown.js';
import * as stats from './stats.js';
import * as statsPanel from './stats-panel.js';
import * as store from './store.js';
import { renderTabs } from './tabs.js';
import { saveHash } from './url-state.js';
import * as theme from './theme.js';
import * as view from './view.js';

store.onEntry(render.enqueue);
let statsMessages = 0;   // stats messages received (none while the panel is closed)

function note(text) {
  store.addNote(text);
  render.schedule();
}

/** Adopts the streams of a hello: tabs, statistics and column header follow. */
function showStreams(list) {
  store.setStreams(list);
  setNodes(store.streams().some((st) => st.host !== null));
  series.keep(store.streams().map((st) => st.id));
  if (!store.hasView(view.stream)) view.setStream(view.ALL);
  renderTabs(store.streams());
  controls.showStreamChoice();
  controls.showFilterProblems();
  logStatus.showStreamNotes();
  stats.render();
  renderColhead();
}

function onHello(list, how) {
  backlog.flush();
  if (how === 'restart') {
    store.reset();
    series.reset();
    render.reset();
  }
  showStreams(list);
  backlog.begin(store.streams());
  if (how === 'restart') note('logmon restarted: showing the new history');
  if (how !== 'again') shown.rebuild();
  shown.streamsKnown();
}

function storeLines(m) {
  if (store.addLines(m) <= 0) return;
  if (colheadMissing()) renderColhead();
  render.schedule();
}

/** Stores a message of a fleet stream's backlog once backlog.js gives it on. */
function storeHeld(kind, m) {
  if (kind === 'lines') { storeLines(m); return; }
  if (kind === 'gap') store.addGap(m); else store.addEvent(m);
  render.schedule();
}

const times = new Map();
backlog.install(storeHeld, (id, text) => {
  const st = store.stream(id);
  return st ? backlog.lineTime(st.layout, text, times) : null;
});

const handlers = {
  hello: onHello,
  lines(m) {
    if (!backlog.hold('lines', m)) storeLines(m);
  },
  stats(m) {
    statsMessages++;
    if (series.add(m)) stats.changed();
  },
  gap(m) { if (!backlog.hold('gap', m)) storeHeld('gap', m); },
  event(m) { if (!backlog.hold('event', m)) storeHeld('event', m); },
  note,
  backlog: () => Math.min(view.rowsCap, store.capacity()),
  since: () => store.streams().filter((st) => st.last !== null).map((st) => [st.id, st.last]),
};

/** Read-only view of the client state, for diagnostics and tests. */
window.logmon = {
  get epoch() { return connection.epoch; },
  get rows() { return chunks.rowCount; },
  get unseen() { return reading.unseen; },
  get paused() { return reading.paused; },
  get following() { return reading.following; },
  get connection() { return connection.state; },
  get filter() { return view.filterText; },
  get lastInput() { return input.last(); },
  /** Where the WebSocket runs: 'worker' (ingest.js) while the worker is up. */
  get transport() { return connection.transport(); },
  /** Stats messages received so far. */
  get statsMessages() { return statsMessages; },
  counters() {
    const c = store.counters(), p = pacing.counters(), t = connection.timings(), s = stats.counters();
    return {
      received: c.received, gapLines: c.gapLines, frames: p.frames,
      ingestMs: Math.round(t.ingestMs), renderMs: Math.round(p.renderMs),
      maxIngestMs: Math.round(t.maxIngestMs), maxRenderMs: Math.round(p.maxRenderMs),
      statsRenders: s.renders, statsMs: Math.round(s.renderMs), maxStatsMs: Math.round(s.maxRenderMs),
    };
  },
  positions: () => store.positions(),
  /** The streams of the last hello: id, format and the kind of their layout. */
  streams: () => store.streams().map((st) => ({ id: st.id, format: st.format, kind: st.layout.kind })),
  storeSize: () => store.sizes(),
  /** The history view: its mode ('off', 'back', 'jump') and whether a request is under way. */
  get history() { return { mode: history.mode, loading: history.loading() }; },
  /** The search: state, matches, bytes scanned and total, results shown. */
  search: () => search.status(),
  /** The statistics panel's report from disk: state, stream, the report as received, error. */
  report: () => reportStatus(),
  /** Drops the connection as a network failure would (the client reconnects by itself). */
  drop() { connection.drop(); },
};

theme.install(statsPanel.recolor);
help.install();
copy.install(details.show);
details.install();
colchooser.install(() => { renderColhead(); shown.rebuild(); });
cells.install(controls.addFilter);
statsPanel.install(controls.addFilter, controls.openAt);
rangePicker.install(() => { saveHash(); statsPanel.render(); });
stats.onShown(statsPanel.render);
follow.install();
controls.install();
input.install();
chunks.watchSize();
controls.applyHash(true);
chunks.showViewClasses();
renderColhead();
logStatus.showEmpty();
logStatus.showFooter();
stats.render();
setInterval(() => connection.showCountdown(), 1000);
connection.start(handlers);
