// Load: 50,000 lines/s for 10 s appended to the followed access log. The page
// must keep handling input quickly, keep the DOM at the row cap and keep the
// JS heap bounded, with the statistics panel open (charts and tables redrawn
// every second from the server's stats, switched off and on midway). Figures
// are printed.
//
// LOAD_TRACE=FILE also records a Chromium trace of the run into FILE and
// prints where the page's main thread spent its time and its longest tasks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import fsp from 'node:fs/promises';
import {
  HERE, errorLine, launchBrowser, openPage, sleep, startDaemon, tempDir, waitFor,
} from './lib.mjs';
import { TRACE_CATEGORIES, summarizeTrace } from './trace.mjs';

const RATE = Number(process.env.LOAD_RATE || 50000);
const SECONDS = Number(process.env.LOAD_SECONDS || 10);
const ROWS = 5000;
const INPUT_LIMIT_MS = 200;
const HEAP_LIMIT_MB = 256;
// The longest render of the header figures and the panel, once a second:
// 17 ms on an idle 2-core machine, 53 ms with a compile running beside it,
// 108 ms once in a full test run. The target is printed against the figure;
// the test fails only on a freeze (input latency, the smoothness a user
// feels, has its own bound above).
const PANEL_TARGET_MS = 100;
const PANEL_FREEZE_MS = 250;
const TRACE = process.env.LOAD_TRACE || '';

function runWriter(file) {
  const child = spawn(process.execPath, [path.join(HERE, 'writer.mjs'), file, String(RATE), String(SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}`))));
  });
}

const mb = (b) => +(b / 1048576).toFixed(1);
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

/** Acts (a key press, a click) and waits for the page to handle it: {at, latency, roundTrip}. */
async function measured(page, act, what) {
  const before = await page.evaluate(() => window.logmon.lastInput?.at || 0);
  const t = Date.now();
  await act();
  const x = await waitFor(() => page.evaluate(({ b, click }) => {
    const y = window.logmon.lastInput;
    return y && y.at > b && (!click || y.type === 'click') ? y : null;
  }, { b: before, click: what !== 'key' }), { timeout: 5000, interval: 5, what: `${what} handled` });
  return { ...x, roundTrip: Date.now() - t };
}

/** One sample of the page: rows, counts, frames since the last one, heap. */
async function sample(page, cdp, t0) {
  const s = await page.evaluate(() => {
    const fps = window.__fps; window.__fps = 0;
    const c = window.logmon.counters();
    return { rows: document.querySelectorAll('#log .row').length, received: c.received, gapLines: c.gapLines, fps, paused: window.logmon.paused };
  });
  s.t = (Date.now() - t0) / 1000;
  s.heap = (await cdp.send('Runtime.getHeapUsage')).usedSize;
  return s;
}

/** The statistics panel under load: its figures, and switching it off and on (measured into `input`). */
async function panelUnderLoad(page, input) {
  const check = await page.evaluate(() => ({
    header: document.getElementById('stats').textContent,
    rows: document.querySelectorAll('#panel-tables .top-row').length,
  }));
  for (let k = 0; k < 2; k++) input.push(await measured(page, () => page.click('#panel-toggle', { timeout: 5000 }), 'panel switch'));
  check.shownAgain = await page.evaluate(() => !document.getElementById('panel').hidden);
  return check;
}

/** Pausing under load: nothing rendered, new lines counted; then resuming. */
async function pauseUnderLoad(page) {
  const lastRow = () => page.evaluate(() => ({
    paused: window.logmon.paused, last: [...document.querySelectorAll('#log .row')].pop()?._e?.n,
    unseen: window.logmon.unseen, label: document.getElementById('newlines').textContent,
  }));
  await page.keyboard.press('Escape');
  await page.focus('#log'); // a click on a cell's text would add a filter (cells.js)
  await page.keyboard.press('Space');
  const a = await lastRow();
  await sleep(700);
  const b = await lastRow();
  const t = Date.now();
  await page.keyboard.press('Space');
  await waitFor(() => page.evaluate(() => !window.logmon.paused), { timeout: 5000, interval: 5, what: 'resume' });
  return { paused: a.paused, sameRows: a.last === b.last, unseen: b.unseen, label: b.label, resumeMs: Date.now() - t };
}

/** Drives the page while the writer writes: input measured every 400 ms, the panel and a pause midway. */
async function drive(page, cdp) {
  const t0 = Date.now();
  const run = { samples: [], input: [], pause: null, panel: null };
  for (let i = 1; Date.now() - t0 < (SECONDS + 1) * 1000; i++) {
    await sleep(400);
    run.input.push(await measured(page, () => page.keyboard.press(i % 2 ? '/' : 'Escape'), 'key'));
    run.input.push(await measured(page, () => page.click('#follow', { timeout: 5000 }), 'click'));
    const s = await sample(page, cdp, t0);
    run.samples.push(s);
    assert.ok(s.rows <= ROWS, `DOM rows ${s.rows} exceed the cap ${ROWS}`);
    if (!run.panel && s.t > SECONDS / 3) run.panel = await panelUnderLoad(page, run.input);
    if (!run.pause && s.t > SECONDS / 2) run.pause = await pauseUnderLoad(page);
  }
  return run;
}

/** The figures printed for a run. */
function figuresOf(w, end, run, heap0, heapEnd) {
  const lat = run.input.map((x) => x.latency), trips = run.input.map((x) => x.roundTrip);
  const heaps = run.samples.map((s) => s.heap);
  const long = end.longTasks;
  return {
    written: `${w.lines} lines, ${mb(w.bytes)} MiB, ${w.avgLineBytes} B/line, in ${w.seconds} s (${Math.round(w.lines / w.seconds)} lines/s)`,
    delivered: `${end.received} lines received, ${end.gapLines} reported skipped (gap), ${end.frames} render batches`,
    mainThreadMs: `ingest (JSON + store) ${end.ingestMs} (longest message ${end.maxIngestMs}), render ${end.renderMs} (longest batch ${end.maxRenderMs})`,
    inputLatencyMs: `p50 ${pct(lat, 50).toFixed(1)}, p95 ${pct(lat, 95).toFixed(1)}, max ${Math.max(...lat).toFixed(1)} (handler time - event time, n=${lat.length})`,
    inputRoundTripMs: `p50 ${pct(trips, 50)}, p95 ${pct(trips, 95)}, max ${Math.max(...trips)} (test dispatch -> handled, incl. CDP)`,
    longTasksMs: `count ${long.length}, max ${long.length ? Math.max(...long).toFixed(0) : 0}, longest ${[...long].sort((a, b) => b - a).slice(0, 5).map((d) => d.toFixed(0)).join(' ')}`,
    transport: end.transport,
    fps: run.samples.map((s) => s.fps).join(' '),
    domRows: `${run.samples.map((s) => s.rows).join(' ')} (cap ${ROWS}); when quiet ${end.rows}`,
    statsPanel: `${end.statsRenders} renders, ${end.statsMs} ms in all, longest ${end.maxStatsMs} ms; midway ${JSON.stringify(run.panel)}`,
    heapMiB: `start ${mb(heap0)}, during ${heaps.map(mb).join(' ')}, end ${mb(heapEnd)}`,
    pause: run.pause,
  };
}

/** Once the writer is done: every line delivered (or skipped by a gap), the DOM back at the cap. */
async function settle(page, w) {
  await waitFor(() => page.evaluate((n) => {
    const c = window.logmon.counters();
    return c.received + c.gapLines >= n;
  }, w.lines), { timeout: 30000, interval: 200, what: 'all lines delivered' });
  const end = await page.evaluate(() => ({ ...window.logmon.counters(), longTasks: window.__longTasks, transport: window.logmon.transport }));
  await waitFor(() => page.evaluate((cap) => document.querySelectorAll('#log .row').length === cap, ROWS), { timeout: 10000, what: 'rows at the cap when quiet' })
    .catch(() => {});
  end.rows = await page.evaluate(() => document.querySelectorAll('#log .row').length);
  return end;
}

describe('load', () => {
  let dir, access, daemon, browser, page, problems, cdp;

  before(async () => {
    dir = await tempDir();
    access = path.join(dir, 'access.log');
    const error = path.join(dir, 'error.log');
    await fsp.writeFile(access, '');
    await fsp.writeFile(error, errorLine({ level: 'notice', msg: 'start' }) + '\n');
    daemon = await startDaemon([access, error]);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, daemon.url));
    cdp = await page.context().newCDPSession(page);
    await page.evaluate(() => {
      window.__fps = 0;
      window.__longTasks = [];
      const loop = () => { window.__fps++; requestAnimationFrame(loop); };
      requestAnimationFrame(loop);
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); })
        .observe({ type: 'longtask', buffered: false });
    });
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it(`stays responsive at ${RATE.toLocaleString('en-US')} lines/s for ${SECONDS} s`, async () => {
    if (TRACE) await browser.startTracing(page, { path: path.resolve(TRACE), categories: TRACE_CATEGORIES });
    const heap0 = (await cdp.send('Runtime.getHeapUsage')).usedSize;
    const writer = runWriter(access);
    const run = await drive(page, cdp);
    const end = await settle(page, await writer.then((w) => { run.w = w; return w; }));
    await sleep(1000);
    const heapEnd = (await cdp.send('Runtime.getHeapUsage')).usedSize;
    const figures = figuresOf(run.w, end, run, heap0, heapEnd);
    console.log('load figures ' + JSON.stringify(figures, null, 2));
    if (TRACE) {
      await browser.stopTracing();
      console.log(`trace ${path.resolve(TRACE)}\n${summarizeTrace(path.resolve(TRACE))}`);
    }

    const { pause, panel, samples } = run;
    const lat = run.input.map((x) => x.latency), trips = run.input.map((x) => x.roundTrip);
    const heaps = samples.map((s) => s.heap);
    assert.ok(pause && pause.paused && pause.sameRows && pause.unseen > 0, `pause under load: ${JSON.stringify(pause)}`);
    assert.match(pause.label, /new lines/);
    assert.ok(panel && /access\s*[\d.]+k? req\/s/.test(panel.header) && panel.rows > 5 && panel.shownAgain, `the panel shows the load: ${figures.statsPanel}`);
    const met = end.maxStatsMs < PANEL_TARGET_MS ? 'met' : 'missed';
    console.log(`longest panel render ${end.maxStatsMs} ms; target under ${PANEL_TARGET_MS} ms: ${met}`);
    assert.ok(end.statsRenders >= SECONDS && end.maxStatsMs < PANEL_FREEZE_MS, `panel renders: ${figures.statsPanel}`);
    assert.ok(Math.max(...lat) < INPUT_LIMIT_MS, `input handled within ${INPUT_LIMIT_MS} ms: ${figures.inputLatencyMs}`);
    assert.ok(pct(trips, 50) < INPUT_LIMIT_MS * 5, `round trips: ${figures.inputRoundTripMs}`);
    assert.equal(end.rows, ROWS, 'DOM holds exactly the row cap once quiet');
    assert.ok(Math.max(...heaps, heapEnd) < HEAP_LIMIT_MB * 1048576, `heap stays under ${HEAP_LIMIT_MB} MiB: ${figures.heapMiB}`);
    assert.ok(heapEnd < heaps[Math.floor(heaps.length / 3)] + 64 * 1048576, `heap does not keep growing: ${figures.heapMiB}`);
    assert.deepEqual(problems.errors, []);
  });
});
