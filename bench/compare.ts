/**
 * Compares two benchmark result files written by the suites (--json / --out):
 * every numeric figure present in both, with the after/before ratio.
 * Per-run arrays are skipped (their medians are compared).
 *
 *   npx tsx bench/compare.ts bench/results/before.json bench/results/after.json
 */
import { readFileSync } from 'node:fs';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function figures(doc: Json, path: string, out: Map<string, number>): Map<string, number> {
  if (typeof doc === 'number') out.set(path, doc);
  else if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc)) figures(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

const [beforePath, afterPath] = process.argv.slice(2);
if (!beforePath || !afterPath) {
  console.error('usage: npx tsx bench/compare.ts BEFORE.json AFTER.json');
  process.exit(2);
}
const load = (p: string): Map<string, number> => figures(JSON.parse(readFileSync(p, 'utf8')) as Json, '', new Map());
const before = load(beforePath);
const after = load(afterPath);
const width = Math.max(10, ...[...before.keys()].filter((k) => after.has(k)).map((k) => k.length));
console.log(`${'figure'.padEnd(width)}  ${'before'.padStart(14)}  ${'after'.padStart(14)}  after/before`);
for (const [key, b] of before) {
  const a = after.get(key);
  if (a === undefined) continue;
  const ratio = b === 0 ? (a === 0 ? '1.00' : 'n/a') : (a / b).toFixed(2);
  console.log(`${key.padEnd(width)}  ${b.toPrecision(6).padStart(14)}  ${a.toPrecision(6).padStart(14)}  ${ratio}`);
}
