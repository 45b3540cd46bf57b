// Unit tests of the pure parts of static/connection.js: the socket URL and the backoff.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, socketUrl } from '../../static/connection.js';

describe('socketUrl', () => {
  it('is /ws next to the page, ws: or wss: like the page', () => {
    assert.equal(socketUrl('http://127.0.0.1:5051/', 5000, []), 'ws://127.0.0.1:5051/ws?backlog=5000');
    assert.equal(socketUrl('https://ops.example.com/logmon/#filter=x', 100, []), 'wss://ops.example.com/logmon/ws?backlog=100');
    assert.equal(socketUrl('http://h/logmon/index.html?x=1', 1, []), 'ws://h/logmon/ws?backlog=1');
  });

  it('asks to resume every stream after its last line', () => {
    assert.equal(socketUrl('http://h/', 5000, [['access', 21], ['error', 1], ['a b', 0]]),
      'ws://h/ws?backlog=5000&since=access:21&since=error:1&since=a%20b:0');
  });
});

describe('backoffDelay', () => {
  it('grows from half a second to 15 s, with ±20% jitter', () => {
    const base = [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000];
    base.forEach((b, n) => {
      assert.equal(backoffDelay(n, 0.5), b, `attempt ${n}`);
      assert.equal(backoffDelay(n, 0), Math.round(b * 0.8));
      assert.ok(backoffDelay(n, 0.999999) <= Math.round(b * 1.2));
      assert.ok(backoffDelay(n, 0.999999) > b);
    });
  });
});
