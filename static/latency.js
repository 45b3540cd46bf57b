/* latency.js: the percentile lines of the statistics panel, live
 * (series.js latency) and of a report (report-model.js): "request p50 12 ms
 * p95 48 ms p99 131 ms", and the same for upstream times; on a merged view
 * (stats-merge.js latencyBound) each an upper bound, "p99 ≤ 212 ms", the
 * tooltip naming the highest host. Owns no state.
 */
import { boundLabel } from './stats-merge.js';
import { span } from './rows.js';

/**
 * The lines of `lat` ({rt, ut}: [p50, p95, p99] in seconds, or null), one
 * per kind of time that has a value; with `lat.bound`, each value is the
 * highest of several hosts' (`lat.from` names them), shown as a bound.
 */
export function percentileLines(lat) {
  const frag = document.createDocumentFragment();
  for (const k of ['rt', 'ut']) {
    const p = lat && Array.isArray(lat[k]) ? lat[k] : null;
    if (!p || p.every((x) => x === null)) continue;
    const item = span('lat-item');
    item.append(span('lat-name', k === 'rt' ? 'request' : 'upstream'));
    ['p50', 'p95', 'p99'].forEach((name, i) => {
      const from = lat.bound && lat.from && lat.from[k] ? lat.from[k][i] : null;
      const l = boundLabel(i, p[i] === undefined ? null : p[i], from, !!lat.bound);
      const v = span('lat-v', l.text);
      if (l.title) v.title = (k === 'rt' ? 'request time ' : 'upstream time ') + l.title;
      item.append(span('lat-p', name), v);
    });
    frag.append(item);
  }
  return frag;
}
