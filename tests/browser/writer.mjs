// Appends realistic nginx "combined" lines to a file at a steady rate, in
// batches every 10 ms. Usage: node writer.mjs FILE RATE_PER_SEC SECONDS
// Prints one JSON line with the figures when done.
import fs from 'node:fs';
import { randomCombined } from './lib.mjs';

const [file, rateArg, secsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const secs = Number(secsArg);
const fd = fs.openSync(file, 'a');

// Deterministic pseudo-random numbers (xorshift32).
let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 0x100000000;
};

const start = performance.now();
let written = 0;
let bytes = 0;
let batches = 0;

function tick() {
  const elapsed = (performance.now() - start) / 1000;
  const due = Math.min(Math.floor(rate * elapsed), Math.floor(rate * secs));
  if (due > written) {
    const lines = [];
    for (let i = written; i < due; i++) lines.push(randomCombined(i, rnd));
    const buf = lines.join('\n') + '\n';
    fs.writeSync(fd, buf);
    bytes += Buffer.byteLength(buf);
    written = due;
    batches++;
  }
  if (elapsed >= secs && written >= Math.floor(rate * secs)) {
    fs.closeSync(fd);
    const took = (performance.now() - start) / 1000;
    process.stdout.write(JSON.stringify({ lines: written, bytes, batches, seconds: +took.toFixed(2), avgLineBytes: Math.round(bytes / written) }) + '\n');
    return;
  }
  const next = start + (batches + 1) * 10;
  setTimeout(tick, Math.max(0, next - performance.now()));
}
tick();
