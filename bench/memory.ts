/**
 * The tuning guide's memory-constrained profile: 3 symbols, a 5,000-event
 * queue, target "< 50 MB". The simulator runs in its own process; each
 * consumer runs in a fresh process against dist/ (as a user's would),
 * draining for --seconds (default 20), beside a bare Node process measured
 * the same way in the same run. Rows:
 *
 *   bare, inThread, worker        library defaults, plain `node`
 *   inThreadProfile, workerProfile the documented memory-constrained profile
 *                                  (PROFILE below: node flags, environment,
 *                                  worker resource limits)
 *   nodeFloor                      Node's own floor for any feed client, no feed code
 *                                  loaded (bench/runtime-floor.ts explains it)
 *   --sweep adds one row per single setting, to attribute the profile's gain.
 *   --compare DIR adds inThreadCompare and workerCompare: the same defaults
 *                 against DIR/dist/index.js (another build of the package,
 *                 e.g. an older commit's), interleaved with the rows above.
 *
 *   npm run build:ts && npx tsx bench/memory.ts [--seconds 20] [--rate 100] [--repeats 3] [--sweep]
 *
 * With --repeats N every row is N fresh processes, run interleaved, and each
 * figure is the median over them. Prints one JSON object; also measures the
 * root import's time and RSS beside `import('mqtt')` alone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '100' },
    repeats: { type: 'string', default: '1' },
    sweep: { type: 'boolean', default: false },
    only: { type: 'string' },
    compare: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);
const symbols = ['AOT', 'PTT', 'KBANK'];

/** One consumer configuration: a mode plus what the user's process may set. */
interface Row {
  mode: 'bare' | 'in-thread' | 'worker';
  nodeArgs?: string[];
  env?: Record<string, string>;
  workerResourceLimits?: Record<string, number>;
  /** The package entry the consumer imports (default: this checkout's dist/). */
  entry?: string;
}

/** The memory-constrained profile as docs/tuning-guide.md documents it. */
const PROFILE: { nodeArgs: string[]; env: Record<string, string>; workerResourceLimits?: Record<string, number> } = {
  nodeArgs: ['--max-semi-space-size=1'],
  env: {},
};

const rows: Record<string, Row> = {
  bare: { mode: 'bare' },
  inThread: { mode: 'in-thread' },
  worker: { mode: 'worker' },
  inThreadProfile: { mode: 'in-thread', nodeArgs: PROFILE.nodeArgs, env: PROFILE.env },
  workerProfile: { mode: 'worker', nodeArgs: PROFILE.nodeArgs, env: PROFILE.env, workerResourceLimits: PROFILE.workerResourceLimits },
};
if (values.sweep) {
  for (const mb of [1, 2, 4]) rows[`inThreadSemiSpace${mb}`] = { mode: 'in-thread', nodeArgs: [`--max-semi-space-size=${mb}`] };
  rows.inThreadArenas2 = { mode: 'in-thread', env: { MALLOC_ARENA_MAX: '2' } };
  rows.workerArenas2 = { mode: 'worker', env: { MALLOC_ARENA_MAX: '2' } };
  rows.workerSemiSpace1 = { mode: 'worker', nodeArgs: ['--max-semi-space-size=1'] };
  for (const mb of [1, 2, 4]) rows[`workerYoung${mb}`] = { mode: 'worker', workerResourceLimits: { maxYoungGenerationSizeMb: mb } };
  rows.workerOld16 = { mode: 'worker', workerResourceLimits: { maxOldGenerationSizeMb: 16 } };
  rows.workerCodeRange8 = { mode: 'worker', workerResourceLimits: { codeRangeSizeMb: 8 } };
}
if (values.compare) {
  const entry = `${root}/${values.compare}/dist/index.js`.replace(/\/+/g, '/');
  if (!existsSync(entry)) throw new Error(`--compare: ${entry} does not exist`);
  rows.inThreadCompare = { mode: 'in-thread', entry };
  rows.workerCompare = { mode: 'worker', entry };
}
if (values.only) for (const k of Object.keys(rows)) if (k !== 'bare' && !values.only.split(',').includes(k)) delete rows[k];

if (!existsSync(`${root}/dist/index.js`)) {
  console.error('bench/memory: dist/ is not built; run `npm run build:ts` first');
  process.exit(1);
}

function run(cmd: string, args: string[], input?: string, env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').at(-1)!) : reject(new Error(`${args.join(' ')} exited ${code}`))));
    child.stdin.end(input ?? '');
  });
}

/** Starts the simulator CLI in its own process; resolves with its start line and a stop function. */
function startSimulator(): Promise<{ line: string; stop: () => void }> {
  const child = spawn(process.execPath, ['bin/settrade-feed.js', 'sim', '--json', '--symbols', symbols.join(','), '--rate', values.rate!], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ line: out.slice(0, nl), stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`simulator exited ${code}`)));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Per numeric field (nested one level), the median over runs; other fields from the first run. */
function medianOf(runs: Record<string, unknown>[]): Record<string, unknown> {
  const first = runs[0]!;
  const out: Record<string, unknown> = { runs: runs.length };
  for (const [k, v] of Object.entries(first)) {
    if (typeof v === 'number') out[k] = median(runs.map((r) => r[k] as number));
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.keys(v).map((kk) => [kk, median(runs.map((r) => (r[k] as Record<string, number>)[kk]!))]));
    } else out[k] = v;
  }
  return out;
}

const importProbe = (spec: string): string =>
  `const t0 = performance.now(); await import(${JSON.stringify(spec)}); const ms = performance.now() - t0; ` +
  `console.log(JSON.stringify({ ms: Math.round(ms), rssMb: Math.round(process.memoryUsage().rss / 104857.6) / 10 }));`;

async function importFigures(spec: string, n = 5): Promise<{ medianMs: number; medianRssMb: number }> {
  const runs: { ms: number; rssMb: number }[] = [];
  for (let i = 0; i < n; i++) runs.push(JSON.parse(await run(process.execPath, ['--input-type=module', '-e', importProbe(spec)])));
  return { medianMs: median(runs.map((r) => r.ms)), medianRssMb: median(runs.map((r) => r.rssMb)) };
}

const sim = await startSimulator();
try {
  const info = JSON.parse(sim.line) as { baseUrl: string; credentials: Record<string, string> };
  const consumer = (row: Row): Promise<Record<string, unknown>> => {
    const input = JSON.stringify({ mode: row.mode, seconds, baseUrl: info.baseUrl, credentials: info.credentials, symbols, workerResourceLimits: row.workerResourceLimits, entry: row.entry });
    return run(process.execPath, [...(row.nodeArgs ?? []), 'bench/lib/memory-consumer.mjs'], input, row.env).then((l) => JSON.parse(l));
  };
  // Node's own floor for any feed client (bench/runtime-floor.ts): optimized
  // code, net/crypto/http used, a login's signature; no feed code loaded.
  const floor = (): Promise<Record<string, unknown>> =>
    run(process.execPath, ['--expose-gc', 'bench/lib/runtime-floor-probe.mjs', 'hot', 'load:node:net,node:crypto,node:http', 'http', 'sign']).then((l) => JSON.parse(l));
  const results: Record<string, Record<string, unknown>[]> = {};
  for (let i = 0; i < repeats; i++) {
    for (const [name, row] of Object.entries(rows)) (results[name] ??= []).push(await consumer(row));
    (results.nodeFloor ??= []).push(await floor());
  }
  const summary = Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, { ...medianOf(runs), ...(rows[name] ? { settings: { ...rows[name], mode: undefined } } : {}) }]));
  const rootImport = await importFigures('./dist/index.js');
  const mqttImport = await importFigures('mqtt');
  console.log(JSON.stringify({ date: new Date().toISOString(), seconds, ratePerSymbol: Number(values.rate), symbols, repeats, profile: PROFILE, ...summary, rootImport, mqttImport }, null, 2));
} finally {
  sim.stop();
}
