/**
 * The tuning guide's memory-constrained profile: 3 symbols, a 5,000-event
 * queue, target "< 50 MB". The simulator runs in its own process; each
 * consumer runs in a fresh process against dist/ (as a user's would),
 * draining for --seconds (default 20), in-thread and in worker mode (also
 * with `workerResourceLimits: { maxYoungGenerationSizeMb: 4 }`), beside a
 * bare Node process measured the same way in the same run.
 *
 *   npm run build:ts && npx tsx bench/memory.ts [--seconds 20] [--rate 100]
 *
 * Prints one JSON object; also measures the root import's time and RSS
 * beside `import('mqtt')` alone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, rate: { type: 'string', default: '100' } } });
const seconds = Number(values.seconds);
const symbols = ['AOT', 'PTT', 'KBANK'];

if (!existsSync(`${root}/dist/index.js`)) {
  console.error('bench/memory: dist/ is not built; run `npm run build:ts` first');
  process.exit(1);
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
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

const importProbe = (spec: string): string =>
  `const t0 = performance.now(); await import(${JSON.stringify(spec)}); const ms = performance.now() - t0; ` +
  `console.log(JSON.stringify({ ms: Math.round(ms), rssMb: Math.round(process.memoryUsage().rss / 104857.6) / 10 }));`;

async function importFigures(spec: string, repeats = 5): Promise<{ medianMs: number; medianRssMb: number }> {
  const runs: { ms: number; rssMb: number }[] = [];
  for (let i = 0; i < repeats; i++) runs.push(JSON.parse(await run(process.execPath, ['--input-type=module', '-e', importProbe(spec)])));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { medianMs: median(runs.map((r) => r.ms)), medianRssMb: median(runs.map((r) => r.rssMb)) };
}

const sim = await startSimulator();
try {
  const info = JSON.parse(sim.line) as { baseUrl: string; credentials: Record<string, string> };
  const input = JSON.stringify({ baseUrl: info.baseUrl, credentials: info.credentials, symbols });
  const consumer = (mode: string): Promise<unknown> => run(process.execPath, ['bench/lib/memory-consumer.mjs', mode, String(seconds)], input).then((l) => JSON.parse(l));
  const bare = await consumer('bare');
  const inThread = await consumer('in-thread');
  const worker = await consumer('worker');
  const workerLean = await consumer('worker-lean');
  const rootImport = await importFigures('./dist/index.js');
  const mqttImport = await importFigures('mqtt');
  console.log(JSON.stringify({ date: new Date().toISOString(), seconds, ratePerSymbol: Number(values.rate), symbols, bare, inThread, worker, workerLean, rootImport, mqttImport }, null, 2));
} finally {
  sim.stop();
}
