/* topup.js: pure: which entries lie next to the rows shown. Owns no state,
 * no DOM (unit tested in tests/ui/topup.test.mjs).
 *
 * What a view can show is one sequence in arrival order made of parts, each
 * sorted by arrival number (`n`) and each older than the next: the lines read
 * from disk above the live ones (history.js 'back', numbered below every live
 * one), the boundary row between them ("older lines from disk"), and the
 * store's ring of the view (store.js). The rows in the DOM are a contiguous
 * stretch of that sequence's entries that `keep` (the view's filters); the
 * functions below give the entries just above or just below that stretch.
 */
import { lowerBound } from './store.js';

/** A part of the sequence: `items` sorted by `n`, from index `from` on. */
export function part(items, from = 0) {
  return { items, from };
}

/** Up to `want` kept entries of `parts` older than arrival number `before`, oldest first. */
export function olderSlice(parts, before, want, keep) {
  const out = [];
  for (let p = parts.length - 1; p >= 0 && out.length < want; p--) {
    const { items, from } = parts[p];
    for (let i = lowerBound(items, from, before) - 1; i >= from && out.length < want; i--) {
      if (keep(items[i])) out.push(items[i]);
    }
  }
  return out.reverse();
}

/** Up to `want` kept entries of `parts` newer than arrival number `after`, oldest first. */
export function newerSlice(parts, after, want, keep) {
  const out = [];
  for (let p = 0; p < parts.length && out.length < want; p++) {
    const { items, from } = parts[p];
    for (let i = lowerBound(items, from, after + 1); i < items.length && out.length < want; i++) {
      if (keep(items[i])) out.push(items[i]);
    }
  }
  return out;
}

/** How many entries of `parts` newer than `after` `count` says to count (lines matching the view). */
export function countNewer(parts, after, count) {
  let n = 0;
  for (const { items, from } of parts) {
    for (let i = lowerBound(items, from, after + 1); i < items.length; i++) if (count(items[i])) n++;
  }
  return n;
}
