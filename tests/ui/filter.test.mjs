// Unit tests of static/filter.js: the filter box's language (words,
// regexes, field terms, negation, AND) and adding terms for clicks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addTerm, compileFilter, termText, tokenize, unquote } from '../../static/filter.js';
import { compileLayout, record } from '../../static/layout.js';

const VHOST = compileLayout({
  kind: 'text',
  escape: 'default',
  parts: ['', ' ', ' [', '] "', '" ', ' ', ' ', ' ', ' "', '" "', '" "', '"'],
  fields: ['host', 'remote_addr', 'time_local', 'request', 'status', 'body_bytes_sent', 'request_time',
    'upstream_response_time', 'upstream_addr', 'http_user_agent', 'http_x_forwarded_for'].map((name) => ({ name })),
});
const line = ({ host = 'shop.example.com', addr = '203.0.113.7', time = '30/Nov/2026:14:02:08 +0100', req = 'GET /api/orders?id=1 HTTP/1.1',
  status = 200, bytes = 912, rt = '0.013', ut = '0.012', up = '10.0.0.5:8080', ua = 'Mozilla/5.0 (X11; Linux x86_64)', xff = '-' } = {}) =>
  `${host} ${addr} [${time}] "${req}" ${status} ${bytes} ${rt} ${ut} "${up}" "${ua}" "${xff}"`;

/** Which of `lines` pass the filter text (each line split by VHOST). */
function pass(src, lines) {
  const f = compileFilter(src);
  assert.equal(f.error, null, `${src}: ${f.error}`);
  return lines.map((t) => f.test(t, f.fields ? record(VHOST, t) : null));
}

describe('compileFilter: text', () => {
  it('matches a substring, ignoring case when the text is lower case', () => {
    const f = compileFilter('get');
    assert.equal(f.empty, false);
    assert.equal(f.test('GET /a'), true);
    assert.equal(f.test('POST /a'), false);
    assert.deepEqual(f.ranges('GET /get/Get'), [[0, 3], [5, 8], [9, 12]]);
  });

  it('minds case when the text has an upper-case letter', () => {
    const f = compileFilter('GET');
    assert.equal(f.test('GET /a'), true);
    assert.equal(f.test('get /a'), false);
    assert.deepEqual(f.ranges('GET /get'), [[0, 3]]);
  });

  it('is no filter when empty, blank or a lone "!"', () => {
    for (const s of ['', '   ', '!', ' ! ', undefined, null]) {
      const f = compileFilter(s);
      assert.equal(f.empty, true, JSON.stringify(s));
      assert.equal(f.error, null);
      assert.equal(f.test('anything'), true);
      assert.deepEqual(f.ranges('anything'), []);
    }
  });

  it('excludes with a leading "!", and highlights nothing then', () => {
    const f = compileFilter('!healthz');
    assert.equal(f.highlights, false);
    assert.equal(f.test('GET /healthz'), false);
    assert.equal(f.test('GET /HEALTHZ'), false);
    assert.equal(f.test('GET /'), true);
    assert.deepEqual(f.ranges('GET /healthz'), []);
  });

  it('treats regex-looking text without the closing slash as text', () => {
    const f = compileFilter('/api/v1');
    assert.equal(f.test('GET /api/v1/orders'), true);
    assert.equal(f.test('GET /api/v2'), false);
  });
});

describe('compileFilter: /regex/', () => {
  it('matches a regular expression and highlights every match', () => {
    const f = compileFilter('/\\b[45]\\d\\d\\b/');
    assert.equal(f.test('" 404 153'), true);
    assert.equal(f.test('" 200 153'), false);
    assert.deepEqual(f.ranges('404 and 502 and 200'), [[0, 3], [8, 11]]);
  });

  it('takes the flags i, m, s, u; testing has no memory', () => {
    const i = compileFilter('/orders/i');
    assert.equal(i.test('GET /ORDERS'), true);
    const path = compileFilter('/api/orders');
    assert.equal(path.error, null, 'other letters: a path, not a regex with flags');
    assert.equal(path.test('GET /api/orders?id=1'), true);
    assert.equal(path.test('GET /api/order'), false);
    const g = compileFilter('/a/');
    // a global regex would alternate true/false on the same line
    assert.deepEqual([g.test('xa'), g.test('xa'), g.test('xa')], [true, true, true]);
    assert.deepEqual(g.ranges('xaa'), [[1, 2], [2, 3]]);
    assert.deepEqual(g.ranges('xaa'), [[1, 2], [2, 3]], 'ranges start over on every line');
  });

  it('skips empty matches when highlighting', () => {
    const f = compileFilter('/x*/');
    assert.equal(f.test('abc'), true);
    assert.deepEqual(f.ranges('axxbx'), [[1, 3], [4, 5]]);
  });

  it('excludes with "!/re/"', () => {
    const f = compileFilter('!/^10\\./');
    assert.equal(f.highlights, false);
    assert.equal(f.test('10.0.0.1 - -'), false);
    assert.equal(f.test('192.0.2.1 - -'), true);
    assert.deepEqual(f.ranges('192.0.2.1'), []);
  });

  it('reports an invalid expression and filters nothing', () => {
    const f = compileFilter('/(unclosed/');
    assert.equal(typeof f.error, 'string');
    assert.match(f.error, /unclosed|Unterminated|Invalid/i);
    assert.equal(f.empty, true);
    assert.equal(f.test('anything'), true);
    assert.equal(compileFilter('/a/q').error, null, 'a word, not a regex with an unknown flag');
  });
});

describe('tokenize', () => {
  it('splits at spaces, keeping quoted text and /regexes with spaces/ whole', () => {
    assert.deepEqual(tokenize('  a  !b ua:"x y" "c d" /e f/i !/g h/ k').map((t) => t.text),
      ['a', '!b', 'ua:"x y"', '"c d"', '/e f/i', '!/g h/', 'k']);
    assert.deepEqual(tokenize('ua:"a \\" b" c').map((t) => t.text), ['ua:"a \\" b"', 'c']);
    assert.deepEqual(tokenize('/a/b c').map((t) => t.text), ['/a/b', 'c'], 'a path, not a regex with flags');
    const t = tokenize('x  yz');
    assert.deepEqual([t[1].start, t[1].end], [3, 5]);
    assert.equal(unquote('"a \\"q\\" b"'), 'a "q" b');
    assert.equal(unquote('plain'), 'plain');
  });
});

describe('compileFilter: several terms', () => {
  it('ANDs words, each matching the raw line', () => {
    const f = compileFilter('get orders');
    assert.equal(f.test('GET /api/orders'), true);
    assert.equal(f.test('GET /api/users'), false);
    assert.deepEqual(f.ranges('GET /orders'), [[0, 3], [5, 11]]);
    assert.equal(compileFilter('"GET /api"').test('GET /api/x'), true);
    assert.equal(compileFilter('"GET /api"').test('GET /x /api'), false);
  });
  it('mixes exclusions, regexes and words', () => {
    const f = compileFilter('api !healthz /5\\d\\d/');
    assert.equal(f.test('GET /api/x 503'), true);
    assert.equal(f.test('GET /api/healthz 503'), false);
    assert.equal(f.test('GET /api/x 200'), false);
    assert.equal(f.highlights, true);
  });
  it('reports a term that does not compile', () => {
    assert.match(compileFilter('api rt>fast').error, /not a number/);
    assert.match(compileFilter('api /(/').error, /invalid regex/);
  });
});

describe('compileFilter: field terms', () => {
  const L = [
    line(),
    line({ status: 404, req: 'GET /api/users/42 HTTP/1.1', ua: 'Googlebot/2.1', rt: '0.700', ut: '-' }),
    line({ status: 502, req: 'POST /cart HTTP/2.0', host: 'API.example.com', addr: '192.0.2.1', rt: '1.250', ut: '0.500, 0.700', bytes: 166, xff: '203.0.113.9, 10.0.0.2' }),
    line({ status: 304, req: 'GET /static/app.js HTTP/1.1', bytes: 0, rt: '0.000', ut: '-', up: '-', time: '30/Nov/2026:14:03:01 +0100' }),
    'not a line of this format',
  ];

  it('status: codes, classes and digits with x', () => {
    assert.deepEqual(pass('status:5xx', L), [false, false, true, false, false]);
    assert.deepEqual(pass('status:404', L), [false, true, false, false, false]);
    assert.deepEqual(pass('status:4xx', L), [false, true, false, false, false]);
    assert.deepEqual(pass('status:30x', L), [false, false, false, true, false]);
    assert.deepEqual(pass('status:2', L), [true, false, false, false, false]);
    assert.deepEqual(pass('status>=400', L), [false, true, true, false, false]);
  });

  it('path: a glob on the path without its query', () => {
    assert.deepEqual(pass('path:/api/*', L), [true, true, false, false, false]);
    assert.deepEqual(pass('path:/api/orders', L), [true, false, false, false, false], 'exact without wildcards, query ignored');
    assert.deepEqual(pass('path:/api', L), [false, false, false, false, false]);
    assert.deepEqual(pass('path:/static/*.js', L), [false, false, false, true, false]);
    assert.deepEqual(pass('path:/API/*', L), [false, false, false, false, false], 'paths mind case');
  });

  it('host, addr, ip, upstream: exact or glob, any case', () => {
    assert.deepEqual(pass('host:api.example.com', L), [false, false, true, false, false]);
    assert.deepEqual(pass('host:*.example.com', L), [true, true, true, true, false]);
    assert.deepEqual(pass('addr:203.0.113.7', L), [true, true, false, true, false]);
    assert.deepEqual(pass('ip:192.0.2.1', L), [false, false, true, false, false]);
    assert.deepEqual(pass('ip:203.0.113.*', L), [true, true, false, true, false]);
    assert.deepEqual(pass('addr:203.0.113', L), [false, false, false, false, false], 'not a prefix');
    assert.deepEqual(pass('upstream:10.0.0.5:8080', L), [true, true, true, false, false]);
  });

  it('ua: contains, any case; method: exact, any case', () => {
    assert.deepEqual(pass('ua:bot', L), [false, true, false, false, false]);
    assert.deepEqual(pass('ua:"linux x86"', L), [true, false, true, true, false]);
    assert.deepEqual(pass('method:POST', L), [false, false, true, false, false]);
    assert.deepEqual(pass('method:get', L), [true, true, false, true, false]);
  });

  it('rt, ut, bytes: numbers compared, in seconds or ms; several upstream times add up; - has none', () => {
    assert.deepEqual(pass('rt>0.5', L), [false, true, true, false, false]);
    assert.deepEqual(pass('rt<0.1', L), [true, false, false, true, false]);
    assert.deepEqual(pass('rt>=700ms', L), [false, true, true, false, false]);
    assert.deepEqual(pass('ut>1', L), [false, false, true, false, false], '0.500 + 0.700');
    assert.deepEqual(pass('ut<0.1', L), [true, false, false, false, false], 'no upstream time matches no bound');
    assert.deepEqual(pass('bytes>500', L), [true, true, false, false, false]);
    assert.deepEqual(pass('bytes:0', L), [false, false, false, true, false]);
    assert.deepEqual(pass('rt:0.7', L), [false, true, false, false, false]);
  });

  it('any field by its own name, by its type', () => {
    assert.deepEqual(pass('http_x_forwarded_for:10.0.0.2', L), [false, false, true, false, false], 'any address of a list');
    assert.deepEqual(pass('addr:203.0.113.9', L), [false, false, false, false, false], 'addr is $remote_addr first');
    assert.deepEqual(pass('http_user_agent:googlebot', L), [false, true, false, false, false]);
    assert.deepEqual(pass('upstream_response_time>0.6', L), [false, false, true, false, false]);
    assert.deepEqual(pass('time_local:14:03', L), [false, false, false, true, false]);
  });

  it('time: the time of day starts with it', () => {
    assert.deepEqual(pass('time:14:02', L), [true, true, true, false, false]);
    assert.deepEqual(pass('time:14:03:01', L), [false, false, false, true, false]);
  });

  it('negates with "!" and ANDs with other terms', () => {
    assert.deepEqual(pass('!ua:bot', L), [true, false, true, true, true]);
    assert.deepEqual(pass('!status:5xx path:/api/*', L), [true, true, false, false, false]);
    assert.deepEqual(pass('status:4xx ua:bot', L), [false, true, false, false, false]);
    assert.deepEqual(pass('api !status:404', L), [true, false, true, false, false]);
  });

  it('a name that is no field of the line searches the text; URLs stay words', () => {
    const f = compileFilter('localhost:8080');
    assert.equal(f.test('GET http://localhost:8080/', record(VHOST, 'x')), true);
    assert.equal(f.test('GET /', null), false);
    assert.equal(compileFilter('http://example.com/').test('ref http://example.com/ x', null), true);
    assert.equal(compileFilter('status:').test('status: ok', null), true, 'no value: a word');
    assert.deepEqual(pass('nosuchfield:1', L), [false, false, false, false, false]);
  });

  it('needs records only with field terms; highlights only words and regexes', () => {
    assert.equal(compileFilter('api').fields, false);
    const f = compileFilter('api status:200');
    assert.equal(f.fields, true);
    assert.deepEqual(f.ranges('/api/x'), [[1, 4]]);
    assert.equal(compileFilter('status:200').highlights, false);
  });
});

describe('termText and addTerm', () => {
  it('quotes values that need it', () => {
    assert.equal(termText('status', '404'), 'status:404');
    assert.equal(termText('path', '/api/x'), 'path:/api/x');
    assert.equal(termText('ua', 'Mozilla/5.0 (X11)'), 'ua:"Mozilla/5.0 (X11)"');
    assert.equal(termText('ua', 'a "b" \\c'), 'ua:"a \\"b\\" \\\\c"');
    assert.equal(termText('path', '//x'), 'path:"//x"');
    assert.equal(termText('x', ''), 'x:""');
  });

  it('quoted terms filter by exactly their value', () => {
    const ua = 'Mozilla/5.0 (X11; "quoted") \\x22';
    const t = line({ ua });
    assert.equal(compileFilter(termText('ua', ua)).test(t, record(VHOST, t)), true);
    assert.equal(compileFilter(termText('ua', ua + '!')).test(t, record(VHOST, t)), false);
    const p = line({ req: 'GET //double HTTP/1.1' });
    assert.equal(compileFilter(termText('path', '//double')).test(p, record(VHOST, p)), true);
  });

  it('adds a term, replaces one on the same field, never twice', () => {
    assert.equal(addTerm('', 'status:404'), 'status:404');
    assert.equal(addTerm('api ', 'status:404'), 'api status:404');
    assert.equal(addTerm('api status:404', 'status:404'), 'api status:404');
    assert.equal(addTerm('status:404 api', 'status:500'), 'status:500 api');
    assert.equal(addTerm('!status:404', 'status:500'), '!status:404 status:500', 'an exclusion stays');
    assert.equal(addTerm('rt>1', 'rt:0.5'), 'rt>1 rt:0.5');
    assert.equal(addTerm('ua:"a b" x', 'ua:c'), 'ua:c x');
  });
});

describe('doubtful terms, said under the filter box', async () => {
  const { termWarnings } = await import('../../static/filter.js');
  const names = ['remote_addr', 'time_local', 'request', 'status', 'http_user_agent'];
  it('statuses no line can have', () => {
    assert.match(termWarnings('status:abc', names)[0], /^status:abc matches no line: a status is a code such as 404/);
    assert.match(termWarnings('status:999', names)[0], /no status 999 \(100 to 599\)/);
    assert.match(termWarnings('!status:099', names)[0], /no status 099/);
    assert.deepEqual(termWarnings('status:5xx status:404 status:2 status:40x', names), []);
  });
  it('a field with no value, a name that is no field', () => {
    assert.deepEqual(termWarnings('status:', names), ['status: has no value: matched as a word (as in status:5xx)']);
    assert.deepEqual(termWarnings('foo:bar', names), ['foo is not a field of these lines: foo:bar is matched as a word']);
    assert.deepEqual(termWarnings('request:GET remote_addr:10.0.0.1 ua:curl', names), [], 'fields of the lines and short names');
    assert.deepEqual(termWarnings('foo:bar', null), [], 'any name may be a field (JSON lines)');
    assert.deepEqual(termWarnings('http://example.com/ /a:b/ word', names), [], 'URLs, regexes and words');
  });
});
