// A /report answer for the unit tests of report-model.js and csv.js.

/** A report as the server sends it (docs/protocol.md, "Reports"), smaller. */
export function sample(over = {}) {
  return {
    type: 'report', stream: 'access', from: 1000, to: 1100, filter: 'status:5xx', first: 1000, last: 1007,
    requests: 12, valid: 11, bad: 1, visitors: 3, visitors_exact: true, bytes: 5000,
    status: [[200, 8], [404, 2], [502, 1]], rt: [0.01, 0.2, 0.9], ut: null,
    hours: Array.from({ length: 24 }, (_, h) => ({ hits: h === 14 ? 11 : 0, bytes: h === 14 ? 5000 : 0 })),
    series: { start: 1000, step: 4, points: [{ n: 8, bad: 1, bytes: 4000, classes: [0, 6, 0, 2, 0] }, { n: 3, bad: 0, bytes: 1000, classes: [0, 2, 0, 0, 1] }] },
    panels: {
      requests: { items: [{ value: '/api?x=1', method: 'GET', protocol: 'HTTP/1.1', hits: 6, bytes: 3000 }], distinct: 4, untracked: 0 },
      not_found: { items: [{ value: '/gone', method: 'GET', protocol: 'HTTP/2', hits: 2, bytes: 10 }], distinct: 1, untracked: 0 },
      hosts: { items: [{ value: '10.0.0.1', hits: 11, bytes: 5000 }], distinct: 1, untracked: 0 },
      os: { items: [{ value: 'Linux', hits: 11, bytes: 5000 }], distinct: 1, untracked: 0 },
      bandwidth: { items: [{ value: '/big', hits: 1, bytes: 4000 }], distinct: 60000, untracked: 17 },
    },
    memory: 1, scanned: 800, total: 1000, truncated: false,
    ...over,
  };
}
