// Unit tests of static/labels.js: numbers and words shown by the page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseName, closeReason, fmtBytes, fmtCount, fmtPct, fmtRate, gapText, newLinesLabel, streamNotes, tabMark, tabTitle, viewNotes,
} from '../../static/labels.js';

describe('labels', () => {
  it('formats byte counts short', () => {
    assert.deepEqual([0, 1023, 1024, 5 * 2 ** 20, 3 * 2 ** 30].map(fmtBytes), ['0 B', '1023 B', '1.0 KiB', '5.0 MiB', '3.0 GiB']);
  });

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

describe('stream notes', () => {
  const st = (id, fields) => ({
    id, path: '/var/log/nginx/' + id + '.log', format: 'plain',
    state: 'following', stateDetail: '', formatSource: 'config', formatReason: '', ...fields,
  });
  const fifo = st('access', { state: 'unreadable', stateDetail: 'not a regular file (a FIFO)' });
  const gone = st('error', { state: 'missing' });
  const plain = st('shop', { formatSource: 'fallback', formatReason: 'nginx\'s configuration has no log_format "main"' });
  const fine = st('api', { format: 'nginx-combined', formatSource: 'guess' });

  it('names the file by the last part of its path', () => {
    assert.equal(baseName('/var/log/nginx/access.log'), 'access.log');
    assert.equal(baseName('access.log'), 'access.log');
    assert.equal(baseName('/var/log/'), '');
    assert.equal(baseName(undefined), '');
  });

  it('says why a file is not read, and why lines are plain', () => {
    assert.deepEqual(streamNotes(fifo), ['access.log is unreadable: not a regular file (a FIFO)']);
    assert.deepEqual(streamNotes(gone), ['error.log does not exist: waiting for it to appear']);
    assert.deepEqual(streamNotes(plain), ['shown as plain: nginx\'s configuration has no log_format "main"']);
    assert.deepEqual(streamNotes({ ...fifo, stateDetail: '', formatSource: 'fallback' }),
      ['access.log is unreadable', 'shown as plain']);
    assert.deepEqual(streamNotes({ ...gone, path: '' }), ['error does not exist: waiting for it to appear']);
  });

  it('says nothing of a stream that is well, or in a state it does not know', () => {
    assert.deepEqual(streamNotes(fine), []);
    assert.deepEqual(streamNotes({ ...fine, state: 'paused', formatSource: 'later' }), []);
  });

  it('gives the notes of the stream shown, or of every stream after its id', () => {
    const all = [fine, fifo, gone, plain];
    assert.deepEqual(viewNotes(all, 'access'), ['access.log is unreadable: not a regular file (a FIFO)']);
    assert.deepEqual(viewNotes(all, 'api'), []);
    assert.deepEqual(viewNotes(all, 'nope'), []);
    assert.deepEqual(viewNotes(all, '*'), [
      'access: access.log is unreadable: not a regular file (a FIFO)',
      'error: error.log does not exist: waiting for it to appear',
      'shop: shown as plain: nginx\'s configuration has no log_format "main"',
    ]);
  });

  it('marks a tab by what matters most, and lists the notes in its tooltip', () => {
    assert.deepEqual(tabMark(fifo), { text: 'unreadable', cls: 'tab-unreadable' });
    assert.deepEqual(tabMark({ ...gone, formatSource: 'fallback' }), { text: 'missing', cls: 'tab-missing' });
    assert.deepEqual(tabMark(plain), { text: 'plain', cls: 'tab-fallback' });
    assert.equal(tabMark(fine), null);
    assert.equal(tabTitle(fine), '/var/log/nginx/api.log (nginx-combined)');
    assert.equal(tabTitle(fifo),
      '/var/log/nginx/access.log (plain)\naccess.log is unreadable: not a regular file (a FIFO)');
  });
});
