/* logmon UI: WebSocket client, line store and renderer.
 *
 * Log text only ever reaches the DOM through text nodes (textContent /
 * createTextNode). The connection runs in a worker (ingest.js) that parses
 * frames; lines are stored as they come and applied to the DOM in batches on
 * requestAnimationFrame, never one DOM write per line and never reading
 * layout per line. Every task that builds rows stays within a small time
 * budget, and rendering is paced by what frames really cost, so input is
 * handled promptly at any rate of lines. The DOM holds at most `rowsCap` rows
 * and every view keeps at most `storeCap` entries in memory.
 */
(function () {
  'use strict';

  const P = window.LogmonParse;
  const $ = (id) => document.getElementById(id);

  const DEFAULT_ROWS = 5000;
  const MIN_ROWS = 100;
  const MAX_ROWS = 50000;
  const STORE_PER_VIEW = 20000;
  const STATS_WINDOW = 60; // seconds
  const BACKOFF = [500, 1000, 2000, 4000, 8000, 15000];
  const COLORS = 8;
  // Main-thread budget for building rows in one task (a frame, a top-up
  // slice, the first part of a rebuild). Style, layout and paint of what was
  // built come on top, so this stays well under a frame.
  const FRAME_BUDGET_MS = 6;
  // Rows are grouped in chunks; off-screen chunks skip style, layout and paint
  // (content-visibility), which keeps a full DOM of rows cheap.
  const CHUNK = 64;
  const ROW_PX = 18; // --row-h in app.css: the height of a row in columns mode
  // At most this many rows are built in one task, fewer when the measured cost
  // of a row says they would not fit FRAME_BUDGET_MS. When more lines arrive
  // for one frame than that (a flood), only the newest screenful is built and
  // replaces the rows; older rows are added back above (topUp) in slices once
  // the stream pauses, the reader scrolls up or pauses.
  const FRAME_ROWS = 400;
  const MIN_FRAME_ROWS = 32;
  // While lines arrive faster than rows are built, render at most this often.
  const FLOOD_INTERVAL_MS = 100;
  // Delay between two top-up slices.
  const TOPUP_SLICE_MS = 25;

  // Entry kinds.
  const LINE = 0, GAP = 1, EVENT = 2, NOTE = 3;

  const FORMATS = new Set(['nginx-combined', 'nginx-error', 'plain']);

  const COLUMNS = {
    'nginx-combined': [['time', 'time'], ['client', 'client'], ['method', 'method'], ['path', 'path'],
      ['status', 'status'], ['bytes', 'bytes'], ['ref', 'referrer'], ['ua', 'user agent']],
    'nginx-error': [['time', 'time'], ['level', 'level'], ['pid', 'pid#tid'], ['msg', 'message']],
  };

  // ---------------------------------------------------------------- store

  /** Bounded list: keeps the newest `cap` items (trimmed in chunks, amortised O(1)). */
  class Ring {
    constructor(cap) { this.cap = cap; this.items = []; }
    push(e) {
      const a = this.items;
      a.push(e);
      if (a.length > this.cap + (this.cap >> 2)) a.splice(0, a.length - this.cap);
    }
    setCap(cap) {
      this.cap = cap;
      if (this.items.length > cap) this.items.splice(0, this.items.length - cap);
    }
    clear() { this.items = []; }
    /** Index in `items` of the oldest item kept. */
    first() { return Math.max(0, this.items.length - this.cap); }
    get length() { return Math.min(this.items.length, this.cap); }
  }

  // ---------------------------------------------------------------- state

  const S = {
    epoch: null,
    streams: [],            // {id, path, format, color, helloSeq, last, store, stats}
    byId: new Map(),
    all: new Ring(STORE_PER_VIEW),
    nextN: 1,               // global arrival number of entries
    view: '*',              // '*' = all streams, or a stream id
    mode: 'columns',
    rowsCap: DEFAULT_ROWS,
    storeCap: STORE_PER_VIEW,
    filterText: '',
    filter: P.compileFilter(''),
    quick: new Set(),
    quickFn: null,
    paused: false,
    following: true,
    unseen: 0,              // matching entries newer than the DOM (paused or scrolled up)
    shownUpTo: 0,           // arrival number of the newest entry the DOM accounts for
    holding: false,         // new matching entries go to `unseen` instead of the DOM
    sparse: false,          // the DOM may hold fewer rows than the cap allows (see topUp)
    pending: [],            // entries of the current view not yet handled by a frame
    rowCount: 0,
    ws: null,
    attempt: 0,
    reconnectTimer: 0,
    reconnectAt: 0,
    connState: 'connecting',
    connectedOnce: false,
    lastInput: null,
    received: 0,            // lines received in this page's life
    gapLines: 0,            // lines reported skipped by gap frames
    frames: 0,              // render batches applied
    ingestMs: 0,            // main-thread time spent parsing and storing frames
    renderMs: 0,            // main-thread time spent building rows
    maxIngestMs: 0,
    maxRenderMs: 0,
  };

  const el = {
    conn: $('conn'), connText: $('conn-text'), tabs: $('tabs'), stats: $('stats'),
    filter: $('filter'), filterError: $('filter-error'), chips: document.querySelectorAll('[data-quick]'),
    modeColumns: $('mode-columns'), modeRaw: $('mode-raw'), rows: $('rows'),
    pause: $('pause'), follow: $('follow'), main: $('main'), colhead: $('colhead'), log: $('log'),
    empty: $('empty'), newlines: $('newlines'), footRows: $('foot-rows'), footStore: $('foot-store'),
    copy: $('copy'), toast: $('toast'),
  };

  // ---------------------------------------------------------------- URL state

  function readHash() {
    const h = new URLSearchParams(location.hash.replace(/^#/, ''));
    const filter = h.get('filter') || '';
    const q = (h.get('quick') || '').split(',').filter((x) => ['4xx', '5xx', 'warn', 'error'].includes(x));
    let rows = parseInt(h.get('rows') || '', 10);
    if (!Number.isFinite(rows)) rows = DEFAULT_ROWS;
    rows = Math.max(MIN_ROWS, Math.min(MAX_ROWS, rows));
    const mode = h.get('mode') === 'raw' ? 'raw' : 'columns';
    const view = h.get('stream') || '*';
    return { filter, quick: q, rows, mode, view };
  }

  let hashTimer = 0;
  function writeHash(delay) {
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => {
      const h = new URLSearchParams();
      if (S.filterText) h.set('filter', S.filterText);
      if (S.quick.size) h.set('quick', [...S.quick].join(','));
      if (S.view !== '*') h.set('stream', S.view);
      if (S.mode !== 'columns') h.set('mode', S.mode);
      if (S.rowsCap !== DEFAULT_ROWS) h.set('rows', String(S.rowsCap));
      const s = h.toString().replace(/\+/g, '%20');
      const url = location.pathname + location.search + (s ? '#' + s : '');
      if (url !== location.pathname + location.search + location.hash) {
        history.replaceState(null, '', url);
      }
    }, delay || 0);
  }

  function applyHash(initial) {
    const h = readHash();
    let changed = false;
    if (h.filter !== S.filterText) { setFilterText(h.filter, false); el.filter.value = h.filter; changed = true; }
    const q = new Set(h.quick);
    if ([...q].join() !== [...S.quick].join()) { S.quick = q; S.quickFn = P.compileQuick(q); changed = true; }
    if (h.rows !== S.rowsCap) { setRowsCap(h.rows, false); changed = true; }
    if (h.mode !== S.mode) { S.mode = h.mode; changed = true; }
    if (h.view !== S.view) { S.view = h.view; changed = true; }
    if (changed || initial) { syncControls(); if (!initial) rebuild(); }
  }

  // ---------------------------------------------------------------- streams

  function setupStreams(list) {
    const known = S.byId;
    const next = [];
    const byId = new Map();
    for (const s of Array.isArray(list) ? list : []) {
      if (!s || typeof s.id !== 'string') continue;
      let st = known.get(s.id);
      if (!st) {
        st = {
          id: s.id, path: '', format: 'plain', color: 0, helloSeq: 0, last: null,
          store: new Ring(S.storeCap), stats: newStats(),
        };
      }
      st.path = String(s.path || '');
      st.format = FORMATS.has(s.format) ? s.format : 'plain';
      st.helloSeq = Number.isFinite(s.seq) ? s.seq : 0;
      next.push(st);
      byId.set(st.id, st);
    }
    next.forEach((st, i) => { st.color = i % COLORS; });
    S.streams = next;
    S.byId = byId;
    if (S.view !== '*' && !byId.has(S.view)) S.view = '*';
    renderTabs();
    renderColhead();
  }

  function resetAll() {
    S.streams = [];
    S.byId = new Map();
    S.all.clear();
    S.pending = [];
    S.unseen = 0;
    S.shownUpTo = 0;
    S.holding = S.paused;
    S.rowCount = 0;
    el.log.replaceChildren();
    updateNewlines();
  }

  function viewStore() {
    if (S.view === '*') return S.all;
    const st = S.byId.get(S.view);
    return st ? st.store : S.all;
  }

  function inView(e) {
    return S.view === '*' || (e.s !== null && e.s.id === S.view) || e.k === NOTE;
  }

  // ---------------------------------------------------------------- statistics

  function newStats() {
    return { n: 0, c4: 0, c5: 0, hist: [], rate: 0 };
  }

  function tickStats() {
    for (const st of S.streams) {
      const t = st.stats;
      t.hist.push([t.n, t.c4, t.c5]);
      if (t.hist.length > STATS_WINDOW) t.hist.shift();
      t.rate = t.n;
      t.n = 0; t.c4 = 0; t.c5 = 0;
    }
    renderStats();
  }

  function fmtRate(n) {
    if (n >= 10000) return Math.round(n / 1000) + 'k';
    if (n >= 1000) return (n / 1000).toFixed(1) + 'k';
    if (n >= 10 || n === 0) return String(Math.round(n));
    return n.toFixed(1);
  }

  function fmtPct(part, total) {
    if (!total) return '0%';
    const p = (100 * part) / total;
    return (p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)) + '%';
  }

  function renderStats() {
    for (const st of S.streams) {
      const r = st.tabRate;
      if (r) r.textContent = fmtRate(st.stats.rate) + '/s';
    }
    const access = S.streams.filter((st) => st.format === 'nginx-combined' && (S.view === '*' || S.view === st.id));
    const frag = document.createDocumentFragment();
    for (const st of access) {
      let n = 0, c4 = 0, c5 = 0;
      for (const [a, b, c] of st.stats.hist) { n += a; c4 += b; c5 += c; }
      const secs = Math.max(1, st.stats.hist.length);
      const item = document.createElement('span');
      item.className = 'stat c' + st.color;
      item.title = st.id + ': requests per second, and share of 4xx and 5xx responses, over the last minute';
      const name = document.createElement('span');
      name.className = 'stat-name';
      name.textContent = st.id;
      const rq = document.createElement('span');
      rq.className = 'stat-val';
      rq.textContent = fmtRate(n / secs) + ' req/s';
      const s4 = document.createElement('span');
      s4.className = 'stat-val st4';
      s4.textContent = '4xx ' + fmtPct(c4, n);
      const s5 = document.createElement('span');
      s5.className = 'stat-val st5';
      s5.textContent = '5xx ' + fmtPct(c5, n);
      item.append(name, rq, s4, s5);
      frag.append(item);
    }
    if (access.length) {
      const w = document.createElement('span');
      w.className = 'stat-window';
      w.textContent = '1 min';
      frag.append(w);
    }
    el.stats.replaceChildren(frag);
    renderFooter();
  }

  // ---------------------------------------------------------------- ingest

  function newEntry(k, s, q, t, v) {
    return { k, s, q, t, v, n: S.nextN++ };
  }

  function store(e) {
    if (e.s) e.s.store.push(e);
    else for (const st of S.streams) st.store.push(e);
    S.all.push(e);
    if (inView(e)) {
      S.pending.push(e);
      if (S.pending.length > S.storeCap + (S.storeCap >> 2)) {
        // Entries this old are out of the store too: drop them, but keep counting them.
        const drop = S.pending.length - S.storeCap;
        const gone = S.pending.splice(0, drop);
        if (S.holding) S.unseen += countMatches(gone);
      }
    }
  }

  function onLines(m) {
    const st = S.byId.get(m.stream);
    if (!st || !Array.isArray(m.lines) || !Number.isFinite(m.seq)) return;
    const lines = m.lines;
    const stats = st.stats;
    const access = st.format === 'nginx-combined';
    const format = st.format;
    // Severity codes computed by the worker, when it did.
    const sev = m.sev && m.sev.length === lines.length ? m.sev : null;
    let seq = m.seq;
    for (let i = 0; i < lines.length; i++, seq++) {
      if (st.last !== null && seq <= st.last) continue; // already have it
      const t = typeof lines[i] === 'string' ? lines[i] : String(lines[i]);
      const v = format === 'plain' ? 0 : sev ? sev[i] : P.severity(format, t);
      store(newEntry(LINE, st, seq, t, v));
      S.received++;
      if (seq > st.helloSeq) {
        stats.n++;
        if (access) { if (v >= 500) stats.c5++; else if (v >= 400) stats.c4++; }
      }
      st.last = seq;
    }
    schedule();
  }

  function onGap(m) {
    const st = S.byId.get(m.stream);
    if (!st || !Number.isFinite(m.seq) || !Number.isFinite(m.count)) return;
    const end = m.seq + m.count - 1;
    if (st.last !== null && end <= st.last) return;
    const n = m.count;
    S.gapLines += n;
    store(newEntry(GAP, st, m.seq, n.toLocaleString('en-US') + (n === 1 ? ' line' : ' lines') + ' skipped'
      + (n > 1 ? ' (seq ' + m.seq + '–' + end + ')' : ' (seq ' + m.seq + ')'), 0));
    st.last = end;
    schedule();
  }

  function onEvent(m) {
    const st = S.byId.get(m.stream);
    if (!st) return;
    const what = typeof m.event === 'string' ? m.event : 'event';
    const detail = typeof m.detail === 'string' && m.detail ? ': ' + m.detail : '';
    store(newEntry(EVENT, st, 0, what + detail, 0));
    schedule();
  }

  function note(text) {
    store(newEntry(NOTE, null, 0, text, 0));
    schedule();
  }

  // ---------------------------------------------------------------- connection

  function wsUrl(withSince) {
    const u = new URL('ws', location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    u.hash = '';
    const q = ['backlog=' + Math.min(S.rowsCap, S.storeCap)];
    if (withSince) {
      for (const st of S.streams) {
        if (st.last !== null) q.push('since=' + encodeURIComponent(st.id) + ':' + st.last);
      }
    }
    u.search = '?' + q.join('&');
    return u.href;
  }

  function setConn(state, text, title) {
    S.connState = state;
    el.conn.className = 'conn conn-' + state;
    el.connText.textContent = text;
    el.conn.title = title || text;
    document.documentElement.dataset.conn = state;
  }

  // The WebSocket runs in a worker (ingest.js) where workers are available:
  // receiving, decoding and parsing frames and classifying lines then cost the
  // page's main thread nothing. Otherwise, or when the worker cannot start, it
  // runs here. Either way a connection is an object with `onmessages(list)`,
  // `onclose({code, reason})` and `close(code, reason)`.
  let worker = null;
  let workerOk = typeof Worker === 'function';
  let nextConnId = 1;
  const workerConns = new Map();

  function startWorker() {
    if (worker || !workerOk) return worker;
    try {
      worker = new Worker('ingest.js');
    } catch (e) {
      workerOk = false;
      return null;
    }
    worker.onmessage = (ev) => {
      const d = ev.data;
      const c = workerConns.get(d.id);
      if (!c) return;
      if (d.op === 'msgs') {
        if (c.onmessages) c.onmessages(d.msgs);
      } else if (d.op === 'close') {
        workerConns.delete(d.id);
        if (c.onclose) c.onclose({ code: d.code, reason: d.reason });
      }
    };
    worker.onerror = (ev) => {
      // The worker could not be loaded or failed: connect from the page.
      if (ev && ev.preventDefault) ev.preventDefault();
      workerOk = false;
      const w = worker;
      worker = null;
      if (w) w.terminate();
      const conns = [...workerConns.values()];
      workerConns.clear();
      for (const c of conns) if (c.onclose) c.onclose({ code: 1006, reason: '' });
    };
    return worker;
  }

  function openSocket(url) {
    const w = startWorker();
    if (w) {
      const id = nextConnId++;
      const c = {
        onmessages: null,
        onclose: null,
        close(code, reason) { w.postMessage({ op: 'close', id, code, reason }); },
      };
      workerConns.set(id, c);
      w.postMessage({ op: 'open', id, url });
      return c;
    }
    const ws = new WebSocket(url);
    const c = {
      onmessages: null,
      onclose: null,
      close(code, reason) { ws.close(code, reason); },
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m && typeof m === 'object' && c.onmessages) c.onmessages([m]);
    };
    ws.onclose = (ev) => { if (c.onclose) c.onclose(ev); };
    ws.onerror = () => { /* onclose follows */ };
    return c;
  }

  function connect() {
    clearTimeout(S.reconnectTimer);
    S.reconnectTimer = 0;
    const withSince = S.epoch !== null;
    let sock;
    try {
      sock = openSocket(wsUrl(withSince));
    } catch (e) {
      scheduleReconnect();
      return;
    }
    sock.usedSince = withSince;
    sock.gotHello = false;
    S.ws = sock;
    setConn(S.connectedOnce ? 'reconnecting' : 'connecting', S.connectedOnce ? 'reconnecting' : 'connecting');
    sock.onmessages = (msgs) => {
      const t0 = performance.now();
      for (let i = 0; i < msgs.length; i++) {
        if (S.ws !== sock) return;
        const m = msgs[i];
        if (!m || typeof m !== 'object') continue;
        if (m.type === 'hello') onHello(m, sock);
        else if (!sock.gotHello) { /* nothing before hello */ }
        else if (m.type === 'lines') onLines(m);
        else if (m.type === 'gap') onGap(m);
        else if (m.type === 'event') onEvent(m);
      }
      const dt = performance.now() - t0;
      S.ingestMs += dt;
      if (dt > S.maxIngestMs) S.maxIngestMs = dt;
    };
    sock.onclose = (ev) => {
      if (S.ws !== sock) return;
      S.ws = null;
      if (sock.gotHello) note('connection lost (' + closeReason(ev) + '), reconnecting');
      scheduleReconnect();
    };
  }

  function closeReason(ev) {
    if (ev.code === 1001) return 'server going away';
    if (ev.code === 1006) return 'network';
    return 'code ' + ev.code;
  }

  function onHello(m, sock) {
    if (m.version !== undefined && m.version !== 1) {
      // Still try: later versions only add types and fields.
    }
    const epoch = typeof m.epoch === 'string' ? m.epoch : String(m.epoch);
    if (S.epoch !== null && epoch !== S.epoch) {
      // A new run of the daemon: sequence numbers from before mean nothing now.
      resetAll();
      S.epoch = epoch;
      setupStreams(m.streams);
      note('logmon restarted: showing the new history');
      rebuild();
      if (sock.usedSince) {
        // Positions were sent for the old run; ask again for a clean backlog.
        S.ws = null;
        sock.onclose = null;
        try { sock.close(1000); } catch (e) { /* ignore */ }
        connect();
        return;
      }
    } else if (S.epoch === null) {
      S.epoch = epoch;
      setupStreams(m.streams);
      rebuild();
    } else {
      setupStreams(m.streams);
      if (S.connectedOnce) note('reconnected, resuming');
    }
    sock.gotHello = true;
    S.connectedOnce = true;
    S.attempt = 0;
    setConn('live', 'live', 'connected, epoch ' + epoch);
  }

  function scheduleReconnect() {
    const base = BACKOFF[Math.min(S.attempt, BACKOFF.length - 1)];
    S.attempt++;
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    S.reconnectAt = Date.now() + delay;
    clearTimeout(S.reconnectTimer);
    S.reconnectTimer = setTimeout(connect, delay);
    updateReconnectText();
  }

  function updateReconnectText() {
    if (!S.reconnectTimer) return;
    const secs = Math.max(0, Math.ceil((S.reconnectAt - Date.now()) / 1000));
    setConn('offline', 'offline, retry in ' + secs + 's', 'disconnected; click to retry now');
  }

  // ---------------------------------------------------------------- matching

  function matches(e) {
    if (e.k !== LINE) return true;
    if (S.quickFn && !S.quickFn(e.v)) return false;
    return S.filter.empty || S.filter.test(e.t);
  }

  function countMatches(list) {
    let n = 0;
    for (let i = 0; i < list.length; i++) if (list[i].k === LINE && matches(list[i])) n++;
    return n;
  }

  // ---------------------------------------------------------------- rendering

  let rafId = 0;
  let timerId = 0;
  let nextFrameAt = 0;
  let flooding = false;   // the last frame had more lines than it could build
  let rowCost = 0.05;     // measured ms to build one row (moving average)
  let viewRows = 48;      // rows that fit the log's height (ResizeObserver)

  /** How many rows one task may build: what fits the budget, at least a screenful. */
  function frameRows() {
    const fit = Math.floor(FRAME_BUDGET_MS / rowCost);
    return Math.max(MIN_FRAME_ROWS, viewRows + 8, Math.min(FRAME_ROWS, fit));
  }

  /** Rows shown while flooded: the newest screenful. */
  function floodRows() {
    return Math.min(frameRows(), viewRows + 4);
  }

  function schedule() {
    if (rafId || timerId) return;
    const wait = nextFrameAt - performance.now();
    if (wait > 1) {
      timerId = setTimeout(() => { timerId = 0; rafId = requestAnimationFrame(frame); }, wait);
    } else {
      rafId = requestAnimationFrame(frame);
    }
  }

  // A message posted from a frame arrives once that frame's style, layout and
  // paint are done: the whole cost of the frame, which paces the next one.
  const afterFrame = new MessageChannel();
  let frameStart = 0;
  afterFrame.port1.onmessage = () => {
    const cost = performance.now() - frameStart;
    // Rendering takes at most about a third of the main thread while flooded,
    // half otherwise; the rest stays free for input.
    const wait = flooding ? Math.max(FLOOD_INTERVAL_MS, cost * 2) : cost > FRAME_BUDGET_MS * 2 ? cost : 0;
    nextFrameAt = Math.max(nextFrameAt, frameStart + cost + wait);
  };

  function frame() {
    rafId = 0;
    if (!S.pending.length) return;
    const t0 = performance.now();
    if (nextFrameAt - t0 > 1) { schedule(); return; }
    const batch = S.pending;
    S.pending = [];
    S.frames++;
    flooding = false;
    applyBatch(batch);
    const spent = performance.now() - t0;
    S.renderMs += spent;
    if (spent > S.maxRenderMs) S.maxRenderMs = spent;
    // Until the frame's full cost is known, leave the main thread mostly free
    // for input when lines arrive faster than anyone can read them.
    nextFrameAt = flooding ? t0 + FLOOD_INTERVAL_MS : 0;
    frameStart = t0;
    afterFrame.port2.postMessage(0);
    if (S.pending.length) schedule();
  }

  function applyBatch(batch) {
    if (S.holding) {
      S.unseen += countMatches(batch);
      flooding = batch.length > FRAME_ROWS;
      updateNewlines();
      return;
    }
    const matched = [];
    for (let i = 0; i < batch.length; i++) if (matches(batch[i])) matched.push(batch[i]);
    const lastN = batch[batch.length - 1].n;
    if (!matched.length) { S.shownUpTo = lastN; return; }
    if (!S.following) {
      const limit = Math.min(S.rowsCap, frameRows());
      // Scrolled up: fill up to the cap, never trim what the reader looks at;
      // no more than `limit` rows a frame, the rest waits for the next one.
      const room = S.rowsCap - S.rowCount;
      const n = Math.max(0, Math.min(room, limit, matched.length));
      if (n > 0) {
        appendRows(n === matched.length ? matched : matched.slice(0, n));
        S.shownUpTo = matched[n - 1].n;
      }
      if (n < matched.length) {
        if (n < room) {
          S.pending = batch.slice(batch.indexOf(matched[n])).concat(S.pending);
          flooding = true;
        } else {
          S.holding = true;
          S.unseen += countMatches(matched.slice(n));
          updateNewlines();
        }
      } else {
        S.shownUpTo = lastN;
      }
      updateEmpty();
      return;
    }
    // Following: rows beyond a screenful scroll out of sight in the same frame.
    // When more than that arrive at once, only the newest are worth building
    // now; the others are added back above later (topUp), if still wanted.
    const limit = Math.min(S.rowsCap, floodRows());
    if (matched.length > limit) {
      flooding = true;
      replaceRows(matched.slice(matched.length - limit));
      if (S.rowCount < S.rowsCap) scheduleTopUp();
    } else {
      appendRows(matched);
      trimTop(S.rowCount - S.rowsCap);
    }
    S.shownUpTo = lastN;
    scrollToEnd();
    updateEmpty();
  }

  let topUpTimer = 0;
  /**
   * Fills the DOM up to the row cap with older rows, one budgeted slice at a
   * time. While new rows stream in and the view follows, that waits for a
   * quiet moment; when paused or scrolled up it goes ahead.
   */
  function scheduleTopUp(delay) {
    S.sparse = true;
    clearTimeout(topUpTimer);
    topUpTimer = setTimeout(() => {
      topUpTimer = 0;
      if (!S.holding && S.following && (S.pending.length || rafId || timerId)) { scheduleTopUp(300); return; }
      if (topUp()) scheduleTopUp(TOPUP_SLICE_MS);
    }, delay === undefined ? 300 : delay);
  }

  /** Index of the first item of `items` (ascending arrival numbers) with n >= `n`. */
  function lowerBound(items, from, n) {
    let lo = from, hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (items[mid].n < n) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Adds one slice of older rows of the store above the first row. True if more may follow. */
  function topUp() {
    if (!S.sparse) return false;
    S.sparse = false;
    // Rows inserted close to what is on screen are laid out and painted at
    // once: then a chunk per slice. Far above, chunks stay skipped and cheap.
    const near = el.log.scrollTop < 3 * Math.max(el.log.clientHeight, viewRows * ROW_PX);
    const want = Math.min(S.rowsCap - S.rowCount, near ? CHUNK : frameRows());
    if (want <= 0) return false;
    const firstChunk = el.log.firstElementChild;
    const first = firstChunk && firstChunk.firstElementChild;
    const firstN = first && first._e ? first._e.n : (S.holding ? S.shownUpTo + 1 : Infinity);
    const ring = viewStore();
    const items = ring.items;
    const from = ring.first();
    const out = [];
    for (let i = lowerBound(items, from, firstN) - 1; i >= from && out.length < want; i--) {
      const e = items[i];
      if (matches(e)) out.push(e);
    }
    if (!out.length) return false;
    out.reverse();
    const t0 = performance.now();
    const all = S.view === '*';
    const raw = S.mode === 'raw';
    const f = S.filter.empty || S.filter.exclude ? null : S.filter;
    const frag = document.createDocumentFragment();
    // The first chunk is topped up to a full chunk, new chunks go above it.
    let i = out.length;
    if (firstChunk && firstChunk.childElementCount < CHUNK) {
      const k = Math.min(i, CHUNK - firstChunk.childElementCount);
      const part = document.createDocumentFragment();
      for (let j = i - k; j < i; j++) part.appendChild(buildRow(out[j], all, raw, f));
      firstChunk.insertBefore(part, first);
      sizeChunk(firstChunk);
      i -= k;
    }
    const chunks = [];
    while (i > 0) {
      const c = newChunk();
      const k = Math.min(i, CHUNK);
      for (let j = i - k; j < i; j++) c.appendChild(buildRow(out[j], all, raw, f));
      sizeChunk(c);
      chunks.push(c);
      i -= k;
    }
    for (let j = chunks.length - 1; j >= 0; j--) frag.appendChild(chunks[j]);
    el.log.insertBefore(frag, el.log.firstElementChild);
    S.rowCount += out.length;
    measureRows(out.length, performance.now() - t0);
    if (S.following && !S.holding) scrollToEnd();
    updateEmpty();
    renderFooter();
    S.sparse = out.length === want && S.rowCount < S.rowsCap;
    return S.sparse;
  }

  /** Keeps the per-row building cost up to date (it decides how many rows a task builds). */
  function measureRows(n, ms) {
    if (n < 16) return;
    const c = Math.min(5, Math.max(0.002, ms / n));
    rowCost = rowCost * 0.7 + c * 0.3;
  }

  function newChunk() {
    const c = document.createElement('div');
    c.className = 'chunk';
    return c;
  }

  /** Size estimate of a chunk while it is off screen (content-visibility). */
  function sizeChunk(c) {
    c.style.containIntrinsicSize = 'auto ' + (c.childElementCount * ROW_PX) + 'px';
  }

  /**
   * Appends rows for `list` after the last row, filling the last chunk first.
   * The DOM is written once per chunk (fragments), never once per row.
   */
  function appendRows(list) {
    if (!list.length) return;
    const t0 = performance.now();
    const log = el.log;
    const all = S.view === '*';
    const raw = S.mode === 'raw';
    const f = S.filter.empty || S.filter.exclude ? null : S.filter;
    const last = log.lastElementChild;
    let i = 0;
    if (last && last.childElementCount < CHUNK) {
      const k = Math.min(list.length, CHUNK - last.childElementCount);
      const part = document.createDocumentFragment();
      for (; i < k; i++) part.appendChild(buildRow(list[i], all, raw, f));
      last.appendChild(part);
      sizeChunk(last);
    }
    if (i < list.length) {
      const frag = document.createDocumentFragment();
      while (i < list.length) {
        const c = newChunk();
        const end = Math.min(list.length, i + CHUNK);
        for (; i < end; i++) c.appendChild(buildRow(list[i], all, raw, f));
        sizeChunk(c);
        frag.appendChild(c);
      }
      log.appendChild(frag);
    }
    S.rowCount += list.length;
    measureRows(list.length, performance.now() - t0);
  }

  function replaceRows(list) {
    hideCopy();
    el.log.replaceChildren();
    S.rowCount = 0;
    appendRows(list);
  }

  /** Removes the n oldest rows. */
  function trimTop(n) {
    if (n <= 0) return;
    const log = el.log;
    if (n >= S.rowCount) { replaceRows([]); return; }
    if (copyRow) hideCopy();
    S.rowCount -= n;
    while (n > 0) {
      const c = log.firstElementChild;
      const k = c.childElementCount;
      if (k <= n) {
        c.remove();
        n -= k;
      } else {
        const r = document.createRange();
        r.setStart(c, 0);
        r.setEnd(c, n);
        r.deleteContents();
        sizeChunk(c);
        n = 0;
      }
    }
  }

  /** Rebuilds the DOM from the store of the current view. */
  function rebuild() {
    S.pending = [];
    const ring = viewStore();
    const items = ring.items;
    const from = ring.first();
    const cut = S.holding ? S.shownUpTo : Infinity;
    const out = [];
    // Only a screenful now; older rows follow in top-up slices.
    const first = Math.min(S.rowsCap, floodRows());
    let unseen = 0;
    for (let i = items.length - 1; i >= from; i--) {
      const e = items[i];
      if (e.n > cut) { if (e.k === LINE && matches(e)) unseen++; continue; }
      if (out.length >= first) break;
      if (matches(e)) out.push(e);
    }
    out.reverse();
    if (!S.holding) {
      S.shownUpTo = items.length ? items[items.length - 1].n : S.shownUpTo;
      S.unseen = 0;
    } else {
      S.unseen = unseen;
    }
    el.log.classList.toggle('all', S.view === '*');
    el.log.classList.toggle('raw', S.mode === 'raw');
    replaceRows(out);
    if (out.length >= first && first < S.rowsCap) scheduleTopUp(0); else S.sparse = false;
    renderColhead();
    if (S.following) scrollToEnd();
    updateNewlines();
    updateEmpty();
    renderFooter();
  }

  let settleRaf = 0;
  function scrollToEnd() {
    const log = el.log;
    log.scrollTop = log.scrollHeight;
    el.colhead.scrollLeft = log.scrollLeft;
    // Rows that come into view get their real size (wrapped raw lines are
    // taller than estimated): stick to the end until the height settles.
    if (!settleRaf) {
      let tries = 20;
      let stable = 0;
      let last = -1;
      const settle = () => {
        settleRaf = 0;
        if (!S.following || S.holding) return;
        const h = log.scrollHeight;
        if (log.scrollTop + log.clientHeight < h - 1) log.scrollTop = h;
        stable = h === last ? stable + 1 : 0;
        last = h;
        if (stable < 3 && --tries > 0) settleRaf = requestAnimationFrame(settle);
      };
      settleRaf = requestAnimationFrame(settle);
    }
  }

  function span(cls, text) {
    const s = document.createElement('span');
    s.className = cls;
    if (text !== undefined) s.textContent = text;
    return s;
  }

  /** Appends text[a,b) to parent, wrapping the parts inside `ranges` in <mark>. */
  function appendText(parent, text, a, b, ranges) {
    if (!ranges || !ranges.length) {
      if (b > a) parent.appendChild(document.createTextNode(text.slice(a, b)));
      return;
    }
    let pos = a;
    for (let i = 0; i < ranges.length; i++) {
      const r0 = Math.max(ranges[i][0], a), r1 = Math.min(ranges[i][1], b);
      if (r1 <= r0) continue;
      if (r0 > pos) parent.appendChild(document.createTextNode(text.slice(pos, r0)));
      const m = document.createElement('mark');
      m.textContent = text.slice(r0, r1);
      parent.appendChild(m);
      pos = r1;
    }
    if (pos < b) parent.appendChild(document.createTextNode(text.slice(pos, b)));
  }

  function buildRow(e, all, raw, f) {
    const row = document.createElement('div');
    row._e = e;
    if (e.k !== LINE) {
      const kind = e.k === GAP ? 'gap' : e.k === EVENT ? 'event' : 'note';
      row.className = 'row mark-row ' + kind + (e.s ? ' c' + e.s.color : '');
      if (all) row.appendChild(span('c-stream', e.s ? e.s.id : 'logmon'));
      row.appendChild(span('mark-icon', e.k === GAP ? '⋯' : e.k === EVENT ? '↻' : '•'));
      row.appendChild(span('mark-text', e.k === EVENT && e.s ? e.s.id + ' ' + e.t : e.t));
      return row;
    }
    const st = e.s;
    const sevClass = P.severityClass(e.v);
    const text = e.t;
    const ranges = f ? f.ranges(text) : null;
    const fields = raw ? null : P.fields(st.format, text);
    row.className = 'row c' + st.color + (sevClass ? ' ' + sevClass : '') + (fields ? ' fmt-' + st.format : ' plain');
    if (all) row.appendChild(span('c-stream', st.id));
    if (fields) {
      for (let i = 0; i < fields.length; i++) {
        const fd = fields[i];
        const s = span('c-' + fd.c);
        if (fd.b > fd.a) appendText(s, text, fd.a, fd.b, ranges);
        else if (fd.c === 'method') s.textContent = '-';
        row.appendChild(s);
      }
      return row;
    }
    const s = span('c-raw');
    const tm = P.TRUNCATED.exec(text);
    if (tm) {
      appendText(s, text, 0, tm.index, ranges);
      const t = span('trunc');
      appendText(t, text, tm.index, text.length, ranges);
      s.appendChild(t);
    } else {
      appendText(s, text, 0, text.length, ranges);
    }
    row.appendChild(s);
    return row;
  }

  function renderColhead() {
    const fmts = new Set();
    for (const st of S.streams) if (S.view === '*' || st.id === S.view) fmts.add(st.format);
    const head = el.colhead;
    head.replaceChildren();
    let cols = null;
    if (S.mode === 'columns') {
      if (fmts.has('nginx-combined')) cols = COLUMNS['nginx-combined'];
      else if (fmts.has('nginx-error')) cols = COLUMNS['nginx-error'];
    }
    head.hidden = !cols;
    if (!cols) return;
    const row = document.createElement('div');
    row.className = 'row head-row fmt-' + (fmts.has('nginx-combined') ? 'nginx-combined' : 'nginx-error');
    if (S.view === '*') row.appendChild(span('c-stream', 'stream'));
    for (const [c, label] of cols) row.appendChild(span('c-' + c, label));
    head.appendChild(row);
  }

  function renderTabs() {
    const frag = document.createDocumentFragment();
    const mk = (id, label, color, title) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'tab' + (color === null ? '' : ' c' + color);
      b.setAttribute('role', 'tab');
      b.dataset.view = id;
      b.title = title;
      if (color !== null) b.appendChild(span('dot'));
      b.appendChild(span('tab-name', label));
      const r = span('tab-rate', '');
      b.appendChild(r);
      frag.appendChild(b);
      return r;
    };
    mk('*', 'all streams', null, 'All streams, merged');
    for (const st of S.streams) {
      st.tabRate = mk(st.id, st.id, st.color, st.path + ' (' + st.format + ')');
    }
    el.tabs.replaceChildren(frag);
    syncTabs();
    renderStats();
  }

  function syncTabs() {
    for (const b of el.tabs.children) {
      const sel = b.dataset.view === S.view;
      b.setAttribute('aria-selected', sel ? 'true' : 'false');
      b.classList.toggle('active', sel);
    }
  }

  function updateNewlines() {
    const b = el.newlines;
    if (S.holding && S.unseen > 0) {
      b.hidden = false;
      b.textContent = S.unseen.toLocaleString('en-US') + (S.unseen === 1 ? ' new line' : ' new lines')
        + (S.paused ? ' · resume' : ' · follow');
    } else {
      b.hidden = true;
    }
    el.pause.textContent = S.paused ? 'Resume' : 'Pause';
    el.pause.setAttribute('aria-pressed', S.paused ? 'true' : 'false');
    el.pause.classList.toggle('on', S.paused);
    el.follow.setAttribute('aria-pressed', S.following ? 'true' : 'false');
    el.follow.classList.toggle('on', S.following && !S.paused);
    document.documentElement.dataset.paused = S.paused ? '1' : '0';
    document.documentElement.dataset.following = S.following ? '1' : '0';
  }

  function updateEmpty() {
    const none = S.rowCount === 0;
    el.empty.hidden = !none;
    if (none) {
      el.empty.textContent = S.filter.empty && !S.quickFn
        ? (S.connState === 'live' ? 'No lines yet. Waiting for new lines…' : 'Waiting for lines…')
        : 'No lines match the filter.';
    }
  }

  function renderFooter() {
    el.footRows.textContent = S.rowCount.toLocaleString('en-US') + ' rows shown (max '
      + S.rowsCap.toLocaleString('en-US') + ')';
    el.footStore.textContent = viewStore().length.toLocaleString('en-US') + ' lines in memory';
  }

  // ---------------------------------------------------------------- controls

  function setFilterText(text, updateHash) {
    S.filterText = text;
    S.filter = P.compileFilter(text);
    el.filterError.textContent = S.filter.error ? 'invalid regex' : '';
    el.filter.classList.toggle('invalid', !!S.filter.error);
    el.filter.title = S.filter.error || '';
    if (updateHash !== false) writeHash(300);
  }

  function setRowsCap(n, updateHash) {
    S.rowsCap = n;
    S.storeCap = Math.max(STORE_PER_VIEW, n);
    S.all.setCap(S.storeCap);
    for (const st of S.streams) st.store.setCap(S.storeCap);
    if (updateHash !== false) writeHash();
  }

  function syncControls() {
    el.filter.value = S.filterText;
    for (const c of el.chips) c.setAttribute('aria-pressed', S.quick.has(c.dataset.quick) ? 'true' : 'false');
    el.modeColumns.setAttribute('aria-pressed', S.mode === 'columns' ? 'true' : 'false');
    el.modeRaw.setAttribute('aria-pressed', S.mode === 'raw' ? 'true' : 'false');
    const opt = [...el.rows.options].find((o) => +o.value === S.rowsCap);
    if (!opt) {
      const o = document.createElement('option');
      o.value = String(S.rowsCap);
      o.textContent = S.rowsCap.toLocaleString('en-US');
      el.rows.appendChild(o);
    }
    el.rows.value = String(S.rowsCap);
    syncTabs();
    updateNewlines();
  }

  function setPaused(p) {
    if (p === S.paused) return;
    S.paused = p;
    if (p) {
      S.holding = true;
      if (S.sparse) scheduleTopUp(0);
    } else {
      S.following = true;
      S.holding = false;
      rebuild();
    }
    updateNewlines();
  }

  function setFollowing(f) {
    if (f === S.following && !(f && S.holding && !S.paused)) return;
    S.following = f;
    if (!f && S.sparse) scheduleTopUp(0);
    if (f) {
      userScrollAt = -Infinity;
      if (S.paused) S.paused = false;
      if (S.holding) { S.holding = false; rebuild(); }
      scrollToEnd();
    }
    updateNewlines();
  }

  let filterTimer = 0;
  el.filter.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      if (el.filter.value === S.filterText) return;
      setFilterText(el.filter.value);
      rebuild();
    }, 60);
  });

  function clearFilter() {
    clearTimeout(filterTimer);
    const had = S.filterText !== '' || el.filter.value !== '';
    el.filter.value = '';
    if (had) {
      setFilterText('');
    } else if (S.quick.size) {
      S.quick.clear();
      S.quickFn = null;
      syncControls();
      writeHash();
    } else {
      return;
    }
    rebuild();
  }

  for (const c of el.chips) {
    c.addEventListener('click', () => {
      const q = c.dataset.quick;
      if (S.quick.has(q)) S.quick.delete(q); else S.quick.add(q);
      S.quickFn = P.compileQuick(S.quick);
      syncControls();
      writeHash();
      rebuild();
    });
  }

  function setMode(mode) {
    if (mode === S.mode) return;
    S.mode = mode;
    syncControls();
    writeHash();
    rebuild();
  }
  el.modeColumns.addEventListener('click', () => setMode('columns'));
  el.modeRaw.addEventListener('click', () => setMode('raw'));

  el.rows.addEventListener('change', () => {
    const n = Math.max(MIN_ROWS, Math.min(MAX_ROWS, parseInt(el.rows.value, 10) || DEFAULT_ROWS));
    setRowsCap(n);
    rebuild();
  });

  el.tabs.addEventListener('click', (ev) => {
    const b = ev.target.closest('.tab');
    if (!b) return;
    const v = b.dataset.view;
    if (v === S.view) return;
    S.view = v;
    syncTabs();
    writeHash();
    rebuild();
    renderStats();
  });

  el.pause.addEventListener('click', () => setPaused(!S.paused));
  el.follow.addEventListener('click', () => setFollowing(true));
  el.newlines.addEventListener('click', () => { setPaused(false); setFollowing(true); });
  el.conn.addEventListener('click', () => { if (S.reconnectTimer) { S.attempt = 0; connect(); } });

  // Follow turns off when the reader scrolls up, and on again at the bottom.
  let userScrollAt = -Infinity; // time of the last wheel, touch, pointer or key on the log
  const markUserScroll = () => { userScrollAt = performance.now(); };
  el.log.addEventListener('wheel', markUserScroll, { passive: true });
  el.log.addEventListener('touchmove', markUserScroll, { passive: true });
  el.log.addEventListener('pointerdown', markUserScroll, { passive: true });
  el.log.addEventListener('keydown', markUserScroll);
  el.log.addEventListener('scroll', () => {
    const log = el.log;
    el.colhead.scrollLeft = log.scrollLeft;
    const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    if (performance.now() - userScrollAt > 1000) {
      // Not the reader: rows changed size or were added above. Stay at the end.
      if (S.following && !S.holding && !atEnd) scrollToEnd();
      return;
    }
    if (S.following && !atEnd) setFollowing(false);
    else if (!S.following && atEnd && !S.paused) setFollowing(true);
  }, { passive: true });

  new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    viewRows = Math.max(1, Math.ceil(box.height / ROW_PX));
    if (S.following) scrollToEnd();
  }).observe(el.log);

  // ---------------------------------------------------------------- keyboard

  function isTyping(t) {
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }

  document.addEventListener('keydown', (ev) => {
    S.lastInput = { type: 'keydown', key: ev.key, at: performance.now(), latency: performance.now() - ev.timeStamp };
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const typing = isTyping(ev.target);
    if (ev.key === 'Escape') {
      if (typing && ev.target !== el.filter) return;
      clearFilter();
      if (typing) el.filter.blur();
      ev.preventDefault();
      return;
    }
    if (typing) {
      if (ev.key === 'Enter' && ev.target === el.filter) el.filter.blur();
      return;
    }
    switch (ev.key) {
      case '/':
        ev.preventDefault();
        el.filter.focus();
        el.filter.select();
        break;
      case ' ':
      case 'Spacebar':
        ev.preventDefault();
        setPaused(!S.paused);
        break;
      case 'End':
        ev.preventDefault();
        setFollowing(true);
        break;
      case 'Home':
      case 'PageUp':
      case 'ArrowUp':
      case 'PageDown':
      case 'ArrowDown': {
        ev.preventDefault();
        const log = el.log;
        const step = ev.key.startsWith('Page') ? log.clientHeight * 0.9 : 40;
        markUserScroll();
        if (ev.key === 'Home') log.scrollTop = 0;
        else if (ev.key === 'PageUp' || ev.key === 'ArrowUp') log.scrollTop -= step;
        else log.scrollTop += step;
        break;
      }
      default:
    }
  });

  // Input latency (handler time minus event time), for diagnostics and tests.
  let downLatency = 0;
  document.addEventListener('pointerdown', (ev) => { downLatency = performance.now() - ev.timeStamp; }, true);
  document.addEventListener('click', (ev) => {
    const now = performance.now();
    S.lastInput = { type: 'click', at: now, latency: Math.max(now - ev.timeStamp, downLatency) };
    downLatency = 0;
  }, true);

  window.addEventListener('hashchange', () => applyHash(false));

  // ---------------------------------------------------------------- copy

  let copyRow = null;

  function hideCopy() {
    el.copy.hidden = true;
    if (el.copy.parentNode !== document.body) document.body.appendChild(el.copy);
    copyRow = null;
  }

  el.log.addEventListener('mouseover', (ev) => {
    const row = ev.target.closest && ev.target.closest('.row');
    if (ev.target.classList.contains('c-time') && !ev.target.title && row && row._e && row._e.s) {
      ev.target.title = P.fullTime(row._e.s.format, row._e.t);
    }
    if (!row || row === copyRow || !row._e || row._e.k !== LINE) return;
    copyRow = row;
    row.appendChild(el.copy);
    el.copy.hidden = false;
  });
  el.log.addEventListener('mouseleave', hideCopy);

  el.copy.addEventListener('click', (ev) => {
    ev.stopPropagation();
    if (copyRow && copyRow._e) copyText(copyRow._e.t);
  });

  function copyText(text) {
    const done = () => toast('Copied');
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text) && done());
    } else if (fallbackCopy(text)) {
      done();
    }
  }

  function fallbackCopy(text) {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.className = 'offscreen';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    ta.remove();
    return ok;
  }

  /** A selection across rows copies the lines as they are in the log, one a line. */
  document.addEventListener('copy', (ev) => {
    const sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    const range = sel.getRangeAt(0);
    const rowOf = (n) => {
      const x = n.nodeType === 1 ? n : n.parentElement;
      return x ? x.closest('#log .row') : null;
    };
    let a = rowOf(range.startContainer);
    let b = rowOf(range.endContainer);
    if (!a && !b) return;
    if (a === b) {
      // Within one row: plain text of the selection (columns joined by spaces).
      if (S.mode === 'raw') return;
      const text = sel.toString();
      if (a && a._e && range.toString() === a.textContent.replace(/copy$/, '')) {
        ev.clipboardData.setData('text/plain', a._e.t);
        ev.preventDefault();
      } else {
        ev.clipboardData.setData('text/plain', text);
        ev.preventDefault();
      }
      return;
    }
    if (!a) a = el.log.querySelector('.row');
    if (!b) b = el.log.lastElementChild && el.log.lastElementChild.lastElementChild;
    const next = (r) => r.nextElementSibling
      || (r.parentElement.nextElementSibling && r.parentElement.nextElementSibling.firstElementChild);
    const out = [];
    for (let r = a; r; r = next(r)) {
      if (r._e) out.push(r._e.k === LINE ? r._e.t : '# ' + (r._e.s ? r._e.s.id + ' ' : '') + r._e.t);
      if (r === b) break;
    }
    ev.clipboardData.setData('text/plain', out.join('\n') + '\n');
    ev.preventDefault();
  });

  let toastTimer = 0;
  function toast(text) {
    el.toast.textContent = text;
    el.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.toast.hidden = true; }, 1200);
  }

  // ---------------------------------------------------------------- start

  /** Read-only view of the client state, for diagnostics and tests. */
  window.logmon = {
    get epoch() { return S.epoch; },
    get rows() { return S.rowCount; },
    get unseen() { return S.unseen; },
    get paused() { return S.paused; },
    get following() { return S.following; },
    get connection() { return S.connState; },
    get filter() { return S.filterText; },
    get lastInput() { return S.lastInput; },
    /** Where the WebSocket runs: 'worker' (ingest.js) or 'page'. */
    get transport() { return worker ? 'worker' : 'page'; },
    counters() {
      return {
        received: S.received, gapLines: S.gapLines, frames: S.frames,
        ingestMs: Math.round(S.ingestMs), renderMs: Math.round(S.renderMs),
        maxIngestMs: Math.round(S.maxIngestMs), maxRenderMs: Math.round(S.maxRenderMs),
      };
    },
    positions() { return Object.fromEntries(S.streams.map((st) => [st.id, st.last])); },
    storeSize() { return { all: S.all.length, streams: Object.fromEntries(S.streams.map((st) => [st.id, st.store.length])) }; },
    /** Drops the connection as a network failure would (the client reconnects by itself). */
    drop() { if (S.ws) S.ws.close(4000, 'dropped'); },
  };

  applyHash(true);
  el.log.classList.toggle('all', S.view === '*');
  el.log.classList.toggle('raw', S.mode === 'raw');
  renderColhead();
  updateEmpty();
  renderFooter();
  setInterval(() => { tickStats(); updateReconnectText(); }, 1000);
  connect();
})();
