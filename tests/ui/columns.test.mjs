// Unit tests of static/columns.js and static/fields.js: display columns for
// any field list, cells as offsets into the line, clicks to filter terms, and
// what fields mean (short names, request parts, times, durations).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arrange, cellClass, cellOf, choices, clickFilter, columnsOf, setArrangement } from '../../static/columns.js';
import {
  clockTime, requestParts, requestPath, seconds, timeOfDay, valueOf, zoneOffset,
} from '../../static/fields.js';
import { compileLayout, record } from '../../static/layout.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CASES = JSON.parse(fs.readFileSync(path.join(HERE, '..', 'formats', 'cases.json'), 'utf8'));
const layoutOf = (name) => compileLayout(CASES.find((c) => c.name === name).layout, 'custom');
const lineOf = (name, i) => CASES.find((c) => c.name === name).lines[i].text;

/** {column class: cell text} of a line. */
function cells(lay, text) {
  const rec = record(lay, text);
  return columnsOf(rec).map((col) => {
    const c = cellOf(col, rec, text);
    return [col.cls, c.s !== undefined ? c.s : text.slice(c.a, c.b)];
  });
}

describe('columns', () => {
  it('shows combined as time, client, method, path, status, bytes, referrer, user agent', () => {
    const text = lineOf('combined', 0);
    assert.deepEqual(cells(layoutOf('combined'), text), [
      ['time', '14:02:03'], ['client', '203.0.113.7'], ['method', 'GET'], ['path', '/index.html?q=1'], ['status', '200'],
      ['bytes', '612'], ['ref', 'https://example.com/'], ['ua', 'curl/8.5.0'],
    ]);
    assert.deepEqual(columnsOf(layoutOf('combined')).map((c) => c.label),
      ['time', 'client', 'method', 'path', 'status', 'bytes', 'referrer', 'user agent']);
  });

  it('shows a vhost-first format with a host column, durations and the upstream', () => {
    const lay = layoutOf('vhost');
    assert.deepEqual(cells(lay, lineOf('vhost', 2)), [
      ['time', '14:02:10'], ['host', 'api.example.com'], ['client', '192.0.2.1'], ['method', 'GET'], ['path', '/retry'],
      ['status', '502'], ['bytes', '166'], ['dur', '1.250'], ['dur', '0.500, 0.700'], ['upstream', '10.0.0.5:8080, 10.0.0.6:8080'],
      ['ua', 'Go-http-client/1.1'],
    ]);
    assert.deepEqual(columnsOf(lay).map((c) => c.label),
      ['time', 'host', 'client', 'method', 'path', 'status', 'bytes', 'rt', 'ut', 'upstream', 'user agent']);
    const rec = record(lay, lineOf('vhost', 2));
    assert.deepEqual(columnsOf(lay).map((c) => cellClass(c, rec)).filter(Boolean), [' slow', ' slow'], 'a second or more');
  });

  it('shows unknown fields as text columns under their own names', () => {
    const lay = compileLayout({ kind: 'text', parts: ['', ' ', ' ', ' ', ''], fields: ['ssl_protocol', 'http_x_request_id', 'connection', 'upstream_status'].map((name) => ({ name })) });
    const text = 'TLSv1.3 abc123 42 502, 200';
    assert.deepEqual(cells(lay, text), [['text', 'TLSv1.3'], ['text', 'abc123'], ['num', '42'], ['ustatus', '502, 200']]);
    assert.deepEqual(columnsOf(lay).map((c) => c.label), ['ssl protocol', 'x request id', 'connection', 'upstream status']);
  });

  it('shows json lines by their keys, with values as text', () => {
    const lay = compileLayout({ kind: 'json' });
    const text = '{"time":"2026-11-30T14:02:11+00:00","remote_addr":"203.0.113.7","request":"GET /s?q=\\"x\\" HTTP/1.1","status":200,"request_time":0.004,"tags":{"a":1}}';
    assert.deepEqual(cells(lay, text), [
      ['time', '14:02:11'], ['client', '203.0.113.7'], ['method', 'GET'], ['path', '/s?q="x"'], ['status', '200'], ['dur', '0.004'],
      ['text', '{"a":1}'],
    ]);
  });

  it('cells of text lines are offsets into the line, so that matches can be highlighted there', () => {
    const lay = layoutOf('combined');
    const text = lineOf('combined', 1);
    const rec = record(lay, text);
    const path = columnsOf(rec).find((c) => c.cls === 'path');
    const c = cellOf(path, rec, text);
    assert.equal(text.slice(c.a, c.b), '/api/orders');
  });

  it('shows a request that is not "METHOD PATH PROTO" whole as the path, with no method', () => {
    assert.deepEqual(cells(layoutOf('combined'), lineOf('combined', 2)).slice(2, 4), [['method', ''], ['path', '\\x16\\x03\\x01']]);
  });
});

describe('clickFilter', () => {
  const lay = layoutOf('vhost');
  const text = lineOf('vhost', 0);
  const rec = record(lay, text);
  const click = (cls, n = 0) => {
    const col = columnsOf(rec).filter((c) => c.cls === cls)[n];
    return clickFilter(col, rec);
  };
  it('filters by the short name of the field the cell shows', () => {
    assert.deepEqual(click('status'), { key: 'status', value: '200' });
    assert.deepEqual(click('path'), { key: 'path', value: '/cart' });
    assert.deepEqual(click('method'), { key: 'method', value: 'GET' });
    assert.deepEqual(click('host'), { key: 'host', value: 'shop.example.com' });
    assert.deepEqual(click('client'), { key: 'addr', value: '203.0.113.7' });
    assert.deepEqual(click('dur'), { key: 'rt', value: '0.013' });
    assert.deepEqual(click('dur', 1), { key: 'ut', value: '0.012' });
    assert.deepEqual(click('upstream'), { key: 'upstream', value: '10.0.0.5:8080' });
    assert.deepEqual(click('ua'), { key: 'ua', value: 'Mozilla/5.0' });
    assert.deepEqual(click('time'), { key: 'time', value: '14:02:08' });
  });
  it('filters the path without its query, and not by a field without value', () => {
    const t2 = lineOf('combined', 0);
    const r2 = record(layoutOf('combined'), t2);
    assert.deepEqual(clickFilter(columnsOf(r2).find((c) => c.cls === 'path'), r2), { key: 'path', value: '/index.html' });
    const r3 = record(lay, lineOf('vhost', 1));
    assert.equal(clickFilter(columnsOf(r3).filter((c) => c.cls === 'dur')[1], r3), null, 'ut is -');
  });
  it('filters other fields by their own names', () => {
    const l = compileLayout({ kind: 'text', parts: ['', ' ', ''], fields: [{ name: 'server_name' }, { name: 'host' }] });
    const r = record(l, 'a.example b.example');
    assert.deepEqual(columnsOf(r).map((c) => clickFilter(c, r)), [{ key: 'server_name', value: 'a.example' }, { key: 'host', value: 'b.example' }]);
  });
});

describe('fields', () => {
  it('splits requests into method, path and protocol', () => {
    assert.deepEqual(requestParts('GET /a HTTP/1.1'), [0, 3, 4, 6, 7, 15]);
    assert.deepEqual(requestParts('GET /a'), [0, 3, 4, 6, 6, 6]);
    assert.deepEqual(requestParts('junk'), [0, 0, 0, 4, 4, 4]);
    assert.equal(requestPath('GET /a/b?x=1&y HTTP/2.0'), '/a/b');
  });
  it('reads short names, preferring as the server does', () => {
    const l = compileLayout({ kind: 'text', parts: ['', ' ', ' ', ' ', ''], fields: ['http_host', 'host', 'http_x_forwarded_for', 'remote_addr'].map((name) => ({ name })) });
    const r = record(l, 'h1 h2 203.0.113.9,10.0.0.2 -');
    assert.equal(valueOf(r, 'host'), 'h2');
    assert.equal(valueOf(r, 'addr'), '203.0.113.9', 'no $remote_addr: the first forwarded address');
    assert.equal(valueOf(r, 'http_x_forwarded_for'), '203.0.113.9,10.0.0.2');
    assert.equal(valueOf(r, 'ua'), null);
    const j = record(compileLayout({ kind: 'json' }), '{"request_uri":"/a?b","uri":"/c","request_method":"PUT"}');
    assert.equal(valueOf(j, 'path'), '/a');
    assert.equal(valueOf(j, 'method'), 'PUT');
    const both = record(compileLayout({ kind: 'json' }), '{"request":"GET /r?x HTTP/1.1","uri":"/u","request_method":"HEAD"}');
    assert.equal(valueOf(both, 'path'), '/u', '$uri before $request, as the server reads it');
    assert.equal(valueOf(both, 'method'), 'HEAD');
    const req = record(compileLayout({ kind: 'json' }), '{"request":"GET /r?x HTTP/1.1"}');
    assert.deepEqual([valueOf(req, 'path'), valueOf(req, 'method')], ['/r', 'GET']);
  });
  it('finds the time of day, as written', () => {
    assert.equal(timeOfDay('30/Nov/2026:14:02:03 +0000'), '14:02:03');
    assert.equal(timeOfDay('2026-11-30T14:02:03+01:00'), '14:02:03');
    const d = new Date(1764511323 * 1000);
    const p = (n) => String(n).padStart(2, '0');
    assert.equal(timeOfDay('1764511323.123'), `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`);
    assert.equal(timeOfDay('yesterday'), 'yesterday');
  });
  it('reads zones and tells the time of day in one', () => {
    assert.equal(zoneOffset('30/Nov/2026:14:02:03 +0100'), 60);
    assert.equal(zoneOffset('2026-11-30T14:02:03-05:30'), -330);
    assert.equal(zoneOffset('2026-11-30T14:02:03Z'), 0);
    assert.equal(zoneOffset('1764511323.123'), null);
    const t = Date.UTC(2026, 10, 30, 13, 2, 3) / 1000;
    assert.equal(clockTime(t, 60), '14:02:03');
    assert.equal(clockTime(t, 0), '13:02:03');
    assert.equal(clockTime(t, null), timeOfDay(String(t)));
  });
  it('reads durations, adding several upstream times', () => {
    assert.equal(seconds('0.013'), 0.013);
    assert.equal(seconds('-'), null);
    assert.equal(seconds(''), null);
    assert.ok(Math.abs(seconds('0.010, 0.020 : 0.005') - 0.035) < 1e-9);
    assert.equal(seconds('0.5, -'), 0.5);
    assert.equal(seconds('abc'), null);
  });
});

describe('the reader\'s arrangement of the columns', () => {
  const cols = ['time', 'client', 'method', 'path', 'status'].map((label) => ({ label }));
  const labels = (list) => list.map((c) => c.label);

  it('puts the chosen order first, the rest after in theirs, and leaves out the hidden', () => {
    assert.deepEqual(labels(arrange(cols, { hidden: [], order: [] })), ['time', 'client', 'method', 'path', 'status']);
    assert.deepEqual(labels(arrange(cols, { hidden: ['client'], order: ['status', 'path'] })), ['status', 'path', 'time', 'method']);
    assert.deepEqual(labels(arrange(cols, { hidden: labels(cols), order: [] })), labels(cols), 'never no column at all');
  });

  it('applies to the columns of a field list, and lists every column with whether it is shown', () => {
    const rec = { names: ['remote_addr', 'time_local', 'request', 'status'], types: ['address', 'time', 'request', 'status'], vals: [] };
    setArrangement({ hidden: ['client'], order: ['status'] });
    try {
      assert.deepEqual(labels(columnsOf(rec)), ['status', 'time', 'method', 'path']);
      assert.deepEqual(choices(rec), [
        { label: 'status', shown: true }, { label: 'time', shown: true }, { label: 'client', shown: false },
        { label: 'method', shown: true }, { label: 'path', shown: true },
      ]);
      setArrangement('not an arrangement');
      assert.deepEqual(labels(columnsOf(rec)), ['time', 'client', 'method', 'path', 'status']);
    } finally {
      setArrangement(null);
    }
  });
});
