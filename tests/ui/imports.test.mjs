// The UI's modules import one another without a circle: each static/*.js
// module's imports are read from its source, and the graph they make must be
// acyclic (a circle means two modules own parts of one concept, and the
// module loaded first sees the other's exports uninitialised).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STATIC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');
const IMPORT = /^\s*import\s+(?:[^'";]*?\s+from\s+)?['"]\.\/([\w.-]+\.js)['"]/gm;

/** module name -> names of the static/ modules it imports. */
function graph() {
  const g = new Map();
  for (const f of fs.readdirSync(STATIC).filter((f) => f.endsWith('.js'))) {
    const src = fs.readFileSync(path.join(STATIC, f), 'utf8');
    g.set(f, [...src.matchAll(IMPORT)].map((m) => m[1]));
  }
  return g;
}

/** Every circle of `g`, each as a path that starts and ends with the same module. */
function cycles(g) {
  const state = new Map(); // undefined: not seen, 1: on the path, 2: done
  const stack = [];
  const found = [];
  const visit = (m) => {
    state.set(m, 1);
    stack.push(m);
    for (const d of g.get(m) || []) {
      if (state.get(d) === 1) found.push([...stack.slice(stack.indexOf(d)), d].join(' → '));
      else if (!state.get(d)) visit(d);
    }
    stack.pop();
    state.set(m, 2);
  };
  for (const m of [...g.keys()].sort()) if (!state.get(m)) visit(m);
  return found;
}

test('the cycle finder finds a circle, and none where there is none', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a → b → c → a']);
  assert.deepEqual(cycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

test('the import reader sees the modules the entry module imports', () => {
  const g = graph();
  assert.ok(g.get('app.js').includes('store.js') && g.get('app.js').includes('view.js'), JSON.stringify(g.get('app.js')));
  for (const [m, deps] of g) for (const d of deps) assert.ok(g.has(d), `${m} imports ${d}, which is not in static/`);
});

test('no circle among the UI\'s modules', () => {
  assert.deepEqual(cycles(graph()), []);
});
