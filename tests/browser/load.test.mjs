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
const PANEL_LIMIT_MS = 50; // the longest render of the header figures and the panel
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
    const t0 = Date.now();
    const samples = [];
    const inputLatencies = []; // handler time minus event time, in the page
    const roundTrips = []; // from dispatch in the test to the handler having run
    let pauseCheck = null;
    let panelCheck = null;
    let i = 0;
    while (Date.now() - t0 < (SECONDS + 1) * 1000) {
      await sleep(400);
      i++;
      // A key press and a click, each measured.
      const key = i % 2 ? '/' : 'Escape';
      const before = await page.evaluate(() => window.logmon.lastInput?.at || 0);
      let t = Date.now();
      await page.keyboard.press(key);
      const li = await waitFor(() => page.evaluate((b) => {
        const x = window.logmon.lastInput;
        return x && x.at > b ? x : null;
      }, before), { timeout: 5000, interval: 5, what: 'key handled' });
      roundTrips.push(Date.now() - t);
      inputLatencies.push(li.latency);

      const beforeClick = li.at;
      t = Date.now();
      await page.click('#follow', { timeout: 5000 });
      const lc = await waitFor(() => page.evaluate((b) => {
        const x = window.logmon.lastInput;
        return x && x.at > b && x.type === 'click' ? x : null;
      }, beforeClick), { timeout: 5000, interval: 5, what: 'click handled' });
      roundTrips.push(Date.now() - t);
      inputLatencies.push(lc.latency);

      const s = await page.evaluate(() => {
        const fps = window.__fps; window.__fps = 0;
        return {
          rows: document.querySelectorAll('#log .row').length,
          received: window.logmon.counters().received,
          gapLines: window.logmon.counters().gapLines,
          fps,
          paused: window.logmon.paused,
        };
      });
      s.t = (Date.now() - t0) / 1000;
      s.heap = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      samples.push(s);
      assert.ok(s.rows <= ROWS, `DOM rows ${s.rows} exceed the cap ${ROWS}`);

      // The panel shows the load, and switches off and on at once.
      if (!panelCheck && s.t > SECONDS / 3) {
        panelCheck = await page.evaluate(() => ({
          header: document.getElementById('stats').textContent,
          rows: document.querySelectorAll('#panel-tables .top-row').length,
        }));
        for (let k = 0; k < 2; k++) {
          const b = await page.evaluate(() => window.logmon.lastInput?.at || 0);
          t = Date.now();
          await page.click('#panel-toggle', { timeout: 5000 });
          const lp = await waitFor(() => page.evaluate((b) => {
            const x = window.logmon.lastInput;
            return x && x.at > b && x.type === 'click' ? x : null;
          }, b), { timeout: 5000, interval: 5, what: 'panel switch handled' });
          roundTrips.push(Date.now() - t);
          inputLatencies.push(lp.latency);
        }
        panelCheck.shownAgain = await page.evaluate(() => !document.getElementById('panel').hidden);
      }

      // Pause in the middle of the run: nothing rendered, new lines counted.
      if (!pauseCheck && s.t > SECONDS / 2) {
        await page.keyboard.press('Escape');
        await page.focus('#log'); // a click on a cell's text would add a filter (cells.js)
        await page.keyboard.press('Space');
        const a = await page.evaluate(() => ({ paused: window.logmon.paused, last: [...document.querySelectorAll('#log .row')].pop()?._e?.n }));
        await sleep(700);
        const b = await page.evaluate(() => ({ last: [...document.querySelectorAll('#log .row')].pop()?._e?.n, unseen: window.logmon.unseen, label: document.getElementById('newlines').textContent }));
        t = Date.now();
        await page.keyboard.press('Space');
        await waitFor(() => page.evaluate(() => !window.logmon.paused), { timeout: 5000, interval: 5, what: 'resume' });
        pauseCheck = { paused: a.paused, sameRows: a.last === b.last, unseen: b.unseen, label: b.label, resumeMs: Date.now() - t };
      }
    }
    const w = await writer;
    // Everything written is delivered (or reported as skipped by a gap frame).
    await waitFor(() => page.evaluate((n) => {
      const c = window.logmon.counters();
      return c.received + c.gapLines >= n;
    }, w.lines), { timeout: 30000, interval: 200, what: 'all lines delivered' });
    const end = await page.evaluate(() => ({ ...window.logmon.counters(), longTasks: window.__longTasks, transport: window.logmon.transport }));
    // Once the stream is quiet the DOM is filled up to the cap again.
    await waitFor(() => page.evaluate((cap) => document.querySelectorAll('#log .row').length === cap, ROWS), { timeout: 10000, what: 'rows at the cap when quiet' })
      .catch(() => {});
    end.rows = await page.evaluate(() => document.querySelectorAll('#log .row').length);
    await sleep(1000);
    const heapEnd = (await cdp.send('Runtime.getHeapUsage')).usedSize;

    const heaps = samples.map((s) => s.heap);
    const midHeap = heaps[Math.floor(heaps.length / 3)];
    const figures = {
      written: `${w.lines} lines, ${mb(w.bytes)} MiB, ${w.avgLineBytes} B/line, in ${w.seconds} s (${Math.round(w.lines / w.seconds)} lines/s)`,
      delivered: `${end.received} lines received, ${end.gapLines} reported skipped (gap), ${end.frames} render batches`,
      mainThreadMs: `ingest (JSON + store) ${end.ingestMs} (longest message ${end.maxIngestMs}), render ${end.renderMs} (longest batch ${end.maxRenderMs})`,
      inputLatencyMs: `p50 ${pct(inputLatencies, 50).toFixed(1)}, p95 ${pct(inputLatencies, 95).toFixed(1)}, max ${Math.max(...inputLatencies).toFixed(1)} (handler time - event time, n=${inputLatencies.length})`,
      inputRoundTripMs: `p50 ${pct(roundTrips, 50)}, p95 ${pct(roundTrips, 95)}, max ${Math.max(...roundTrips)} (test dispatch -> handled, incl. CDP)`,
      longTasksMs: `count ${end.longTasks.length}, max ${end.longTasks.length ? Math.max(...end.longTasks).toFixed(0) : 0}, longest ${[...end.longTasks].sort((a, b) => b - a).slice(0, 5).map((d) => d.toFixed(0)).join(' ')}`,
      transport: end.transport,
      fps: samples.map((s) => s.fps).join(' '),
      domRows: `${samples.map((s) => s.rows).join(' ')} (cap ${ROWS}); when quiet ${end.rows}`,
      statsPanel: `${end.statsRenders} renders, ${end.statsMs} ms in all, longest ${end.maxStatsMs} ms; midway ${JSON.stringify(panelCheck)}`,
      heapMiB: `start ${mb(heap0)}, during ${heaps.map(mb).join(' ')}, end ${mb(heapEnd)}`,
      pause: pauseCheck,
    };
    console.log('load figures ' + JSON.stringify(figures, null, 2));
    if (TRACE) {
      await browser.stopTracing();
      console.log(`trace ${path.resolve(TRACE)}\n${summarizeTrace(path.resolve(TRACE))}`);
    }

    assert.ok(pauseCheck && pauseCheck.paused && pauseCheck.sameRows && pauseCheck.unseen > 0, `pause under load: ${JSON.stringify(pauseCheck)}`);
    assert.match(pauseCheck.label, /new lines/);
    assert.ok(panelCheck && /access\s*[\d.]+k? req\/s/.test(panelCheck.header) && panelCheck.rows > 5 && panelCheck.shownAgain,
      `the panel shows the load: ${figures.statsPanel}`);
    assert.ok(end.statsRenders >= SECONDS && end.maxStatsMs < PANEL_LIMIT_MS, `panel renders: ${figures.statsPanel}`);
    assert.ok(Math.max(...inputLatencies) < INPUT_LIMIT_MS, `input handled within ${INPUT_LIMIT_MS} ms: ${figures.inputLatencyMs}`);
    assert.ok(pct(roundTrips, 50) < INPUT_LIMIT_MS * 5, `round trips: ${figures.inputRoundTripMs}`);
    assert.ok(samples.every((s) => s.rows <= ROWS));
    assert.equal(end.rows, ROWS, 'DOM holds exactly the row cap once quiet');
    assert.ok(Math.max(...heaps, heapEnd) < HEAP_LIMIT_MB * 1048576, `heap stays under ${HEAP_LIMIT_MB} MiB: ${figures.heapMiB}`);
    assert.ok(heapEnd < midHeap + 64 * 1048576, `heap does not keep growing: ${figures.heapMiB}`);
    assert.deepEqual(problems.errors, []);
  });
});
