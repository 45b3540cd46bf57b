// Accessibility as a measured bar: axe-core (tests/browser/package.json) run
// in the page on the main views, live, filtered, statistics, a report from
// disk (with the custom range's boxes), search, history
// and help, in the light and the dark theme, against the real daemon: no
// serious or critical violation. The counts per view are printed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { appendLines, combined, errorLine, launchBrowser, openPage, renderedLines, startWithConfig, teardown, tempDir, waitFor } from './lib.mjs';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const T0 = Math.floor(Date.now() / 1000) - 3600;
const LINES = Array.from({ length: 300 }, (_, i) => combined({
  ip: `10.9.${i >> 8}.${i & 255}`, path: `/a/${i}${i % 30 === 5 ? '/needle' : ''}`, status: i % 10 === 3 ? 503 : i % 10 === 4 ? 404 : 200,
  time: new Date((T0 + i * 10) * 1000),
}));

/** Runs axe on the page: {critical, serious, moderate, minor} counts and the serious and critical violations. */
async function audit(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => (await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations'],
  })).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, at: v.nodes.slice(0, 60).map((n) => n.target.join(' ')) })));
  const counts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of violations) counts[v.impact] += v.nodes;
  return { counts, bad: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), all: violations };
}

/** The views, each reached from a fresh page: [name, hash, how to get there]. */
const VIEWS = [
  ['live', '', async () => {}],
  ['filtered', '#stream=access&filter=status%3A5xx', async (page) => {
    await waitFor(async () => (await renderedLines(page)).every((t) => t.includes('" 503 ')), { what: 'the filter applied' });
  }],
  ['statistics', '#stream=access', async (page) => {
    await waitFor(() => page.isVisible('#panel-body'), { what: 'the statistics', timeout: 15000 });
  }],
  ['report', '#stream=access&range=24h', async (page) => {
    await waitFor(() => page.evaluate(() => window.logmon.report().state === 'done'), { what: 'the report', timeout: 15000 });
    await page.selectOption('#range', 'custom');
  }],
  ['search', '#stream=access', async (page) => {
    await page.fill('#filter', '/needle');
    await page.press('#filter', 'Shift+Enter');
    await waitFor(() => page.evaluate(() => window.logmon.search().state === 'done'), { what: 'search done' });
  }],
  ['history', '#stream=access', async (page) => {
    await page.fill('#jump', '-50m');
    await page.press('#jump', 'Enter');
    await waitFor(() => page.$('#log .row.hl'), { what: 'a window of the history' });
  }],
  ['help', '', async (page) => {
    await page.click('#help-btn');
    await waitFor(() => page.isVisible('#help'), { what: 'the help screen' });
  }],
];

describe('accessibility (axe-core)', () => {
  let dir, daemon, browser, writer;

  before(async () => {
    dir = await tempDir();
    const access = path.join(dir, 'access.log');
    await fsp.writeFile(access, LINES.join('\n') + '\n');
    await fsp.writeFile(path.join(dir, 'error.log'), errorLine({ level: 'warn', msg: 'a warning' }) + '\n');
    daemon = await startWithConfig(dir, `[[stream]]\nid = "access"\npath = "${access}"\nformat = "nginx-combined"\n\n`
      + `[[stream]]\nid = "error"\npath = "${dir}/error.log"\nformat = "nginx-error"\n`);
    let i = 0;
    writer = setInterval(() => appendLines(access, [combined({ ip: '10.8.0.1', path: `/live/${i++}`, time: new Date() })]).catch(() => {}), 200);
    browser = await launchBrowser();
  });

  after(() => teardown({ writer, browser, daemon, dir }));

  for (const scheme of ['light', 'dark']) {
    for (const [name, hash, reach] of VIEWS) {
      it(`${name}, ${scheme}: no serious or critical violation`, async () => {
        const { page, problems, context } = await openPage(browser, daemon.url + hash, { colorScheme: scheme });
        await waitFor(async () => (await renderedLines(page)).length > 0, { what: 'rows' });
        await reach(page);
        const { counts, bad, all } = await audit(page);
        if (process.env.AXE_DETAIL) console.log(JSON.stringify(all.map((v) => [v.id, v.at, v.help])));
        console.log(`axe ${name} ${scheme}: critical ${counts.critical}, serious ${counts.serious}, moderate ${counts.moderate}, minor ${counts.minor}`
          + (all.length ? ' (' + all.map((v) => `${v.id}×${v.nodes}`).join(' ') + ')' : ''));
        assert.deepEqual(bad, [], JSON.stringify(bad, null, 1));
        assert.deepEqual(problems.errors, []);
        await context.close();
      });
    }
  }
});
