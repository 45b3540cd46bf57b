// Summary of a Chromium trace (browser.startTracing / stopTracing): where the
// page's main thread spent its time, and what its longest tasks were made of.
// Used by the load test when LOAD_TRACE=FILE is set; also runs on its own:
//   node trace.mjs FILE
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TRACE_CATEGORIES = [
  'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'toplevel', 'blink.user_timing',
];

const TASK = 'ThreadControllerImpl::RunTask';

/** Self time of each event name, from complete events sorted by start time. */
function selfTimes(events) {
  const self = new Map();
  const stack = [];
  for (const e of events) {
    while (stack.length && stack[stack.length - 1].end <= e.ts) stack.pop();
    const node = { name: e.name, end: e.ts + e.dur, self: e.dur };
    if (stack.length) stack[stack.length - 1].self -= e.dur;
    stack.push(node);
    e.node = node;
  }
  for (const e of events) self.set(e.name, (self.get(e.name) || 0) + e.node.self);
  return [...self].sort((a, b) => b[1] - a[1]);
}

export function summarizeTrace(file, { top = 12, tasks = 5 } = {}) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const all = raw.traceEvents || raw;
  const threads = new Map();
  for (const e of all) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  // The renderer main thread with the most events is the page's.
  const counts = new Map();
  for (const e of all) {
    const k = `${e.pid}:${e.tid}`;
    if (e.ph === 'X' && threads.get(k) === 'CrRendererMain') counts.set(k, (counts.get(k) || 0) + 1);
  }
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const events = all.filter((e) => e.ph === 'X' && typeof e.dur === 'number' && `${e.pid}:${e.tid}` === main)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const runTasks = events.filter((e) => e.name === TASK);
  if (!runTasks.length) return 'no main-thread tasks in the trace';
  const span = runTasks[runTasks.length - 1].ts + runTasks[runTasks.length - 1].dur - runTasks[0].ts;
  const busy = runTasks.reduce((s, t) => s + t.dur, 0);
  const ms = (us) => (us / 1000).toFixed(0);
  const out = [`main thread busy ${ms(busy)} of ${ms(span)} ms; self time by event:`];
  for (const [name, us] of selfTimes(events.map((e) => ({ ...e }))).slice(0, top)) out.push(`  ${ms(us).padStart(6)} ${name}`);
  out.push('longest tasks (ms, at ms from the first task: self time of their parts):');
  for (const t of [...runTasks].sort((a, b) => b.dur - a.dur).slice(0, tasks)) {
    const inner = events.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur).map((e) => ({ ...e }));
    const parts = selfTimes(inner).filter(([name, us]) => us >= 1000 && name !== TASK).slice(0, 8);
    out.push(`  ${ms(t.dur)} at ${ms(t.ts - runTasks[0].ts)}: ${parts.map(([name, us]) => `${name} ${ms(us)}`).join(', ')}`);
  }
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(summarizeTrace(process.argv[2]));
