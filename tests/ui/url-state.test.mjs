// Unit tests of static/url-state.js: the view in the URL fragment.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatHash, parseHash } from '../../static/url-state.js';

const DEFAULTS = { filter: '', quick: [], rows: 5000, mode: 'columns', stream: '*', panel: true, range: 'live' };

describe('url state', () => {
  it('reads defaults from an empty fragment', () => {
    assert.deepEqual(parseHash(''), DEFAULTS);
    assert.deepEqual(parseHash('#'), DEFAULTS);
    assert.equal(formatHash(DEFAULTS), '');
  });

  it('reads every field', () => {
    assert.deepEqual(parseHash('#filter=%2Fapi%2Fv1%2F(orders%7Ccart)%2F&quick=4xx,error&stream=access&mode=raw&rows=2000'), {
      filter: '/api/v1/(orders|cart)/', quick: ['4xx', 'error'], rows: 2000, mode: 'raw', stream: 'access', panel: true,
      range: 'live',
    });
    assert.equal(parseHash('#stats=off').panel, false);
    assert.equal(parseHash('#stats=on').panel, true);
  });

  it('drops what it does not know, and keeps rows within bounds', () => {
    assert.deepEqual(parseHash('#quick=4xx,bogus,4xx,5xx&mode=fancy&rows=abc'), { ...DEFAULTS, quick: ['4xx', '5xx'] });
    assert.equal(parseHash('#rows=3').rows, 100);
    assert.equal(parseHash('#rows=999999').rows, 50000);
  });

  it('writes only what differs from the defaults, spaces as %20', () => {
    assert.equal(formatHash({ ...DEFAULTS, filter: 'GET /a b' }), 'filter=GET+%2Fa+b'.replace(/\+/g, '%20'));
    assert.equal(formatHash({ ...DEFAULTS, quick: ['5xx', 'warn'], mode: 'raw' }), 'quick=5xx%2Cwarn&mode=raw');
    assert.equal(formatHash({ ...DEFAULTS, stream: 'error', rows: 1000 }), 'stream=error&rows=1000');
    assert.equal(formatHash({ ...DEFAULTS, panel: false }), 'stats=off');
    assert.equal(formatHash({ ...DEFAULTS, filter: 'status:5xx ua:"x y"' }), 'filter=status%3A5xx%20ua%3A%22x%20y%22');
  });

  it('reads back what it writes', () => {
    const v = { filter: '!/\\d+ \\+ x/i', quick: ['error', '4xx'], rows: 20000, mode: 'raw', stream: 'my.app_log-1', panel: false, range: '1796220000-1796223600' };
    assert.deepEqual(parseHash('#' + formatHash(v)), v);
    assert.deepEqual(parseHash('#' + formatHash({ ...v, range: '6h' })), { ...v, range: '6h' });
  });

  it('keeps the statistics range: a span before now or a custom one, live for anything else', () => {
    assert.equal(formatHash({ ...DEFAULTS, range: '24h' }), 'range=24h');
    assert.equal(parseHash('#range=24h').range, '24h');
    assert.equal(parseHash('#range=1796220000-1796223600').range, '1796220000-1796223600');
    for (const bad of ['2h', '5-3', '1-x', 'live', '']) assert.equal(parseHash('#range=' + bad).range, 'live');
  });
});
