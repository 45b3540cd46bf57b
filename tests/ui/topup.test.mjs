// topup.js: the entries next to the rows shown, over lines from disk, their
// boundary and the store's ring taken as one sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countNewer, newerSlice, olderSlice, part } from '../../static/topup.js';

const e = (n, ok = true) => ({ n, ok });
const disk = [e(-4), e(-3, false), e(-2), e(-1)];
const boundary = e(0);
const ring = [e(1), e(2), e(3, false), e(4), e(5)];
const parts = [part(disk), part([boundary]), part(ring, 1)];   // the ring's first item left the store
const keep = (x) => x.ok;
const ns = (list) => list.map((x) => x.n);

test('older entries come from the ring, then the boundary, then the lines from disk', () => {
  assert.deepEqual(ns(olderSlice(parts, Infinity, 2, keep)), [4, 5]);
  assert.deepEqual(ns(olderSlice(parts, 4, 2, keep)), [0, 2], 'the ring\'s left item is not shown, filtered ones neither');
  assert.deepEqual(ns(olderSlice(parts, 0, 10, keep)), [-4, -2, -1]);
  assert.deepEqual(ns(olderSlice(parts, -4, 10, keep)), [], 'nothing above the oldest line read');
});

test('newer entries go the other way, across the boundary into the ring', () => {
  assert.deepEqual(ns(newerSlice(parts, -2, 3, keep)), [-1, 0, 2]);
  assert.deepEqual(ns(newerSlice(parts, 4, 3, keep)), [5]);
  assert.deepEqual(ns(newerSlice(parts, 5, 3, keep)), []);
});

test('newer entries are counted, past the ring\'s left items', () => {
  assert.equal(countNewer([part(ring, 1)], 0, keep), 3);
  assert.equal(countNewer([part(ring, 1)], 4, keep), 1);
  assert.equal(countNewer(parts, -5, () => true), 9);
});
