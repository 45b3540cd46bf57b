// Splits every line of a log file by a layout as the UI does (static/layout.js,
// the same algorithm as the server's, tested against the same cases), for
// tests/nginx/check.py to compare field by field with its own reading.
//
//   node split.mjs LAYOUT_JSON FILE
//
// Prints one JSON line per line of FILE: the array of its fields' values, or
// null when the line does not fit.
import fs from 'node:fs';
import { compileLayout, splitText } from '../../static/layout.js';

const [layoutJson, file] = process.argv.slice(2);
const layout = compileLayout(JSON.parse(layoutJson), 'custom');
if (layout.kind !== 'text') throw new Error(`not a text layout: ${layoutJson}`);
const lines = fs.readFileSync(file, 'utf8').split('\n');
if (lines[lines.length - 1] === '') lines.pop();
const out = lines.map((line) => {
  const offs = splitText(layout, line);
  if (!offs) return 'null';
  const vals = [];
  for (let i = 0; i < offs.length; i += 2) vals.push(line.slice(offs[i], offs[i + 1]));
  return JSON.stringify(vals);
});
process.stdout.write(out.join('\n') + '\n');
