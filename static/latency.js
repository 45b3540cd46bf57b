/* latency.js: the percentile lines of the statistics panel, live
 * (series.js latency) and of a report (report-model.js): "request p50 12 ms
 * p95 48 ms p99 131 ms", and the same for upstream times. Owns no state.
 */
import { fmtMs } from './labels.js';
import { span } from './rows.js';

/** The lines of `lat` ({rt, ut}: [p50, p95, p99] in seconds, or null), one per kind of time that has a value. */
export function percentileLines(lat) {
  const frag = document.createDocumentFragment();
  for (const k of ['rt', 'ut']) {
    const p = lat && Array.isArray(lat[k]) ? lat[k] : null;
    if (!p || p.every((x) => x === null)) continue;
    const item = span('lat-item');
    item.append(span('lat-name', k === 'rt' ? 'request' : 'upstream'));
    ['p50', 'p95', 'p99'].forEach((name, i) => {
      item.append(span('lat-p', name), span('lat-v', p[i] === null || p[i] === undefined ? '–' : fmtMs(p[i] * 1000)));
    });
    frag.append(item);
  }
  return frag;
}
