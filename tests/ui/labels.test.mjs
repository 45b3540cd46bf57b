// Unit tests of static/labels.js: numbers and words shown by the page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeReason, fmtCount, fmtPct, fmtRate, gapText, newLinesLabel } from '../../static/labels.js';

describe('labels', () => {
  it('formats rates short', () => {
    assert.deepEqual([0, 0.25, 3.5, 9.94, 10, 42.4, 999, 1000, 1234, 9999, 10000, 15499, 250000].map(fmtRate),
      ['0', '0.3', '3.5', '9.9', '10', '42', '999', '1.0k', '1.2k', '10.0k', '10k', '15k', '250k']);
  });

  it('formats shares with one decimal below 10%', () => {
    assert.equal(fmtPct(0, 0), '0%');
    assert.equal(fmtPct(5, 0), '0%');
    assert.equal(fmtPct(0, 7), '0%');
    assert.equal(fmtPct(1, 40), '2.5%');
    assert.equal(fmtPct(1, 8), '13%');
    assert.equal(fmtPct(3, 3), '100%');
  });

  it('counts with thousands separators', () => {
    assert.equal(fmtCount(0), '0');
    assert.equal(fmtCount(999), '999');
    assert.equal(fmtCount(1234567), '1,234,567');
  });

  it('describes gaps with their sequence numbers', () => {
    assert.equal(gapText(42, 1), '1 line skipped (seq 42)');
    assert.equal(gapText(1042, 120), '120 lines skipped (seq 1042–1161)');
    assert.equal(gapText(1, 12345), '12,345 lines skipped (seq 1–12345)');
  });

  it('names close codes', () => {
    assert.equal(closeReason(1001), 'server going away');
    assert.equal(closeReason(1006), 'network');
    assert.equal(closeReason(4000), 'code 4000');
  });

  it('labels the new lines button by what ends the hold', () => {
    assert.equal(newLinesLabel(1, true), '1 new line · resume');
    assert.equal(newLinesLabel(7, false), '7 new lines · follow');
    assert.equal(newLinesLabel(2500, true), '2,500 new lines · resume');
  });
});
