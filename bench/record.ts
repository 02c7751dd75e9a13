/**
 * The recording's cost on the live path (issue 16): the client pipeline
 * (createFeed: SettradeClient + BidOfferAdapter + ring + a consumer draining)
 * on identical frames from the loopback replay server, with and without
 * `record` as a user has it (`createFeed({ record: { path, fsync } })`),
 * alternating in one run, in the worker and in-thread; and the recording's
 * bytes per message on disk.
 *
 * Two views per mode, both over `--runs` alternating pairs after a warm-up
 * pair that is discarded:
 *   - throughput (the issue's metric): the median of the per-pair ratios
 *     with/without, its distribution-free 95% confidence interval (order
 *     statistics; "< 10%" is met reliably when the interval's upper end
 *     is) and the pairs' interquartile range;
 *   - CPU per message: process.cpuUsage() (user + system of every thread of
 *     the feed's process: receiving thread, feed worker, consumer, libuv's
 *     pool doing the writes, the kernel's copy) from the first event until
 *     the feed is shut down (the recording's last writes and fsync
 *     included), over the messages. The replay server runs in a child
 *     process by default (`--server process`), so none of its CPU is in it;
 *     `--server thread` puts it in a worker thread of this process as before.
 *
 * Each mode also lists this thread's major GCs per run, with and without:
 * in-thread, the receiving thread's. After the first recording feed of this
 * process shut down, V8 marks again right after every mark-compact (3-4 a
 * 0.4 s run, both variants alike), a regime a process with one feed does not
 * enter: the in-thread ratio is measured under it (docs/performance.md,
 * session 5).
 *
 *   npx tsx bench/record.ts [--total 400000] [--runs 11] [--kind full|best] [--modes worker,in-thread]
 *                           [--fsync 1000|0|never] [--sink file|null] [--server process|thread] [--fresh] [--json out.json]
 *   npx tsx bench/record.ts --live [--live-rate 150000] [--live-ms 3000] [--runs 5]
 *
 * `--live`: instead, the simulator's burst at a realistic rate (`--live-rate`,
 * default 150,000 msg/s, the soak's peak) through a worker feed, with and
 * without `record`, alternating: the process's CPU time per message is the
 * recording's cost where throughput is not the limit.
 *
 * `--fresh`: every run (warm-up pair included) in a fresh child process of
 * its own, as a deployed feed runs one feed per process: nothing carried
 * from run to run (the GC regime above, JIT state). Use more messages a run
 * (`--total 2000000`): each process warms up from cold.
 *
 * `--sink null` records to /dev/null: the live path's own cost (stamping,
 * encoding, CRC, batching, write calls) without the disk's bandwidth, which
 * at these rates (100-400 MB/s of recording) is the other half of the cost.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { createFeed } from '../src/feed/feed.js';
import type { RecordingStats } from '../src/record/writer.js';
import { silentLogger } from '../src/util/logger.js';
import { median, percentile } from './lib/stats.js';
import { startReplayServerProcess, startReplayServerWorker } from './replay-server.js';
import { arg } from './lib/args.js';
import { BENCH_SYMBOLS, benchMessages } from './lib/book-stream.js';

const TOTAL = Number(arg('total', '400000'));
const RUNS = Number(arg('runs', '11'));
const SERVER = arg('server', 'process') === 'thread' ? 'thread' : 'process';
const KIND = arg('kind', 'full') === 'best' ? 'best' : 'full';
const MODES = arg('modes', 'worker,in-thread').split(',') as ('worker' | 'in-thread')[];
const FSYNC_ARG = arg('fsync', '1000');
const FSYNC: number | 'never' = FSYNC_ARG === 'never' ? 'never' : Number(FSYNC_ARG);
const NULL_SINK = arg('sink', 'file') === 'null';
// Each run in a fresh process of its own (one feed per process, as deployed):
// no GC regime or JIT state carried from one run to the next.
const FRESH = process.argv.includes('--fresh');
const SYMBOLS = BENCH_SYMBOLS;


/**
 * A distribution-free confidence interval of the median of `values`: the
 * order statistics x(k) and x(n-k+1) for the largest k whose coverage,
 * 1 - 2 P(Binomial(n, 1/2) <= k - 1), is at least `level`. Undefined for
 * fewer than 6 values (no such k at 95%).
 */
function medianCi(values: readonly number[], level = 0.95): { lo: number; hi: number; coverage: number } | undefined {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  let best: { lo: number; hi: number; coverage: number } | undefined;
  let tail = 0; // P(Bin(n, 1/2) <= k - 1)
  let choose = 1; // C(n, k - 1)
  for (let k = 1; 2 * k <= n; k++) {
    tail += choose / 2 ** n;
    choose = (choose * (n - k + 1)) / k;
    const coverage = 1 - 2 * tail;
    if (coverage < level) break;
    best = { lo: sorted[k - 1]!, hi: sorted[n - k]!, coverage };
  }
  return best;
}

// This thread's major (mark-compact) collections, by start time: a run
// counts those that started inside it. Reported beside the figures because
// the process's GC regime moves them: once V8's old-generation limit leaves
// less room than the young generation holds, it marks again right after
// every mark-compact, for both variants alike (docs/performance.md, session 5).
const majorGcStarts: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
    if (e.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcStarts.push(e.startTime);
  }
}).observe({ entryTypes: ['gc'] });

async function majorGcsBetween(t0: number, t1: number): Promise<number> {
  // GC entries are delivered asynchronously: let the observer catch up first.
  await new Promise((r) => setImmediate(r));
  return majorGcStarts.filter((t) => t >= t0 && t <= t1).length;
}

interface RunResult {
  rate: number;
  /** Major collections of this thread during the run (the receiving thread's in-thread, the consumer's in worker mode). */
  majorGcs: number;
  /** Process CPU (all threads, user + system) per message, ns: first event to shutdown done. */
  cpuNsPerMessage: number;
  drops: number;
  recording?: RecordingStats;
  fileBytes?: number;
}

/** The median CI of `ratios` mapped to percentages (low, high), or [] with too few pairs. */
function ciPct(ratios: readonly number[], toPct: (r: number) => number): number[] {
  const ci = medianCi(ratios);
  if (ci === undefined) return [];
  const a = toPct(ci.lo);
  const b = toPct(ci.hi);
  return [Number(Math.min(a, b).toFixed(1)), Number(Math.max(a, b).toFixed(1))];
}

async function run(port: number, worker: boolean, recordDir: string | undefined): Promise<RunResult> {
  const path = recordDir ? (NULL_SINK ? '/dev/null' : join(recordDir, `run-${Date.now()}-${Math.random().toString(36).slice(2)}.stfrec`)) : undefined;
  const feed = await createFeed({
    endpoint: `mqtt://127.0.0.1:${port}`,
    // Subscribed before connecting: the replay server streams after the first SUBACK.
    symbols: SYMBOLS,
    fullDepth: KIND === 'full',
    maxSize: 65_536,
    worker,
    logger: silentLogger,
    ...(path ? { record: { path, fsync: FSYNC } } : {}),
  });
  const d = feed.dispatcher;
  let sink = 0;
  // The first event marks the start (identical for both variants).
  while (d.stats().totalPushed === 0) await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (;;) {
    while (d.drain((v) => (sink += v.bidFlag), 4096) > 0) {
      /* keep draining */
    }
    const s = d.stats();
    if (s.totalPolled + s.totalDropped >= TOTAL) break;
    if (worker) await d.waitForEvents(100);
    else await new Promise((r) => setImmediate(r));
  }
  const t1 = performance.now();
  const majorGcs = await majorGcsBetween(t0, t1);
  const drops = d.stats().totalDropped;
  const recording = path ? (await feed.stats()).recording : undefined;
  await feed.shutdown();
  const cpu = process.cpuUsage(cpu0);
  let fileBytes: number | undefined;
  if (path && !NULL_SINK) {
    fileBytes = statSync(path).size;
    rmSync(path, { force: true });
  }
  if (sink < 0) console.log(sink);
  return { rate: TOTAL / ((t1 - t0) / 1000), majorGcs, cpuNsPerMessage: ((cpu.user + cpu.system) * 1000) / TOTAL, drops, recording, fileBytes };
}

/**
 * {@link run} in a fresh child process (`--one-run`): this script again,
 * with the same runtime flags, printing its result as the last line.
 */
function runInChild(port: number, worker: boolean, recordDir: string | undefined): Promise<RunResult> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--one-run', '--port', String(port), '--mode', worker ? 'worker' : 'in-thread'];
  if (recordDir) args.push('--record-dir', recordDir);
  for (const name of ['total', 'kind', 'fsync', 'sink']) {
    const i = process.argv.indexOf(`--${name}`);
    if (i >= 0 && i + 1 < process.argv.length) args.push(`--${name}`, process.argv[i + 1]!);
  }
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as RunResult);
      } catch {
        reject(new Error(`--one-run printed no result: ${stdout.slice(-500)}`));
      }
    });
  });
}

interface LiveResult {
  cpuMs: number;
  elapsedMs: number;
  published: number;
  received: number;
  recordingDrops: number;
}

async function liveRun(recordDir: string | undefined, rate: number, durationMs: number): Promise<LiveResult> {
  const { Simulator } = await import('../src/sim/index.js');
  const sim = new Simulator({ symbols: SYMBOLS, ratePerSymbol: 1 });
  const { baseUrl, credentials } = await sim.start();
  const path = recordDir ? join(recordDir, `live-${Date.now()}.stfrec`) : undefined;
  const feed = await createFeed({
    ...credentials,
    baseUrl,
    symbols: SYMBOLS,
    fullDepth: KIND === 'full',
    maxSize: 1 << 20,
    worker: true,
    logger: silentLogger,
    ...(path ? { record: { path, fsync: FSYNC } } : {}),
  });
  const d = feed.dispatcher;
  let sink = 0;
  const drainLoop = setInterval(() => {
    while (d.drain((v) => (sink += v.bidFlag), 4096) > 0) {
      /* drain */
    }
  }, 1);
  await new Promise((r) => setTimeout(r, 300));
  const published0 = sim.stats().totalPublished;
  const parsed0 = (await feed.stats()).adapter.messagesParsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = new Promise((r) => sim.once('burstEnd', r));
  sim.burst(rate, durationMs);
  await end;
  await new Promise((r) => setTimeout(r, 300));
  const cpu = process.cpuUsage(cpu0);
  const elapsedMs = performance.now() - t0;
  const st = await feed.stats();
  clearInterval(drainLoop);
  const published = sim.stats().totalPublished - published0;
  await feed.shutdown();
  await sim.stop();
  if (path) rmSync(path, { force: true });
  if (sink < 0) console.log(sink);
  return { cpuMs: (cpu.user + cpu.system) / 1000, elapsedMs, published, received: st.adapter.messagesParsed - parsed0, recordingDrops: st.recording?.droppedRecords ?? 0 };
}

async function live(dir: string): Promise<void> {
  const rate = Number(arg('live-rate', '150000'));
  const durationMs = Number(arg('live-ms', '3000'));
  await liveRun(undefined, rate, 500); // warm-up
  const off: number[] = [];
  const on: number[] = [];
  const lost: number[] = [];
  const drops: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const rec of i % 2 === 0 ? [false, true] : [true, false]) {
      const r = await liveRun(rec ? dir : undefined, rate, durationMs);
      // CPU of the whole process (simulator, worker, consumer, I/O threads) per message received.
      (rec ? on : off).push((r.cpuMs * 1000) / Math.max(1, r.received));
      lost.push(r.published - r.received);
      if (rec) drops.push(r.recordingDrops);
    }
  }
  const a = median(off);
  const b = median(on);
  console.log(
    `live ${rate.toLocaleString()} msg/s for ${durationMs} ms (worker feed, simulator in-process): process CPU per message ` +
      `${a.toFixed(2)} us without record, ${b.toFixed(2)} us with: +${(b - a).toFixed(2)} us/message ` +
      `(= ${(((b - a) * rate) / 1e4).toFixed(1)}% of a core at ${rate.toLocaleString()} msg/s); lost ${lost.join('/')}; recording drops ${drops.join('/')}`,
  );
}

async function main(): Promise<void> {
  if (process.argv.includes('--one-run')) {
    const dir = arg('record-dir', '');
    const result = await run(Number(arg('port', '0')), arg('mode', 'worker') === 'worker', dir === '' ? undefined : dir);
    console.log(JSON.stringify(result));
    return;
  }
  if (process.argv.includes('--live')) {
    const dir = mkdtempSync(join(tmpdir(), 'stf-bench-rec-'));
    try {
      await live(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const msgs = benchMessages();
  const avgPayload = msgs.reduce((a, m) => a + m.payload.length, 0) / msgs.length;
  const dir = mkdtempSync(join(tmpdir(), 'stf-bench-rec-'));
  const serverOptions = { messages: msgs, total: TOTAL, framesPerWrite: 2560 };
  const server = SERVER === 'process' ? await startReplayServerProcess(serverOptions) : await startReplayServerWorker(serverOptions);
  const results: Record<string, unknown> = {
    total: TOTAL,
    runs: RUNS,
    kind: KIND,
    fsync: FSYNC,
    sink: NULL_SINK ? '/dev/null' : 'file',
    server: SERVER,
    freshProcessPerRun: FRESH,
    avgPayloadBytes: Math.round(avgPayload),
    modes: {},
  };
  console.log(
    `${TOTAL.toLocaleString()} messages a run, ${RUNS} pairs a mode (+1 warm-up pair discarded), sink ${NULL_SINK ? '/dev/null' : 'file'}, replay server in a ${SERVER}` +
      (FRESH ? ', each run in a fresh process' : ''),
  );
  try {
    for (const mode of MODES) {
      const worker = mode === 'worker';
      const runOnce = FRESH ? runInChild : run;
      await runOnce(server.port, worker, undefined); // warm-up pair, discarded
      await runOnce(server.port, worker, dir);
      const off: number[] = [];
      const cpuOff: number[] = [];
      const cpuOn: number[] = [];
      const cpuRatios: number[] = [];
      const on: number[] = [];
      const ratios: number[] = [];
      const drops: number[] = [];
      const gcsOff: number[] = [];
      const gcsOn: number[] = [];
      const bytesPerMessage: number[] = [];
      const recordingDrops: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Alternate which goes first, so a drift in machine load hits both alike.
        const pair = i % 2 === 0 ? [false, true] : [true, false];
        const r: Record<string, RunResult> = {};
        for (const rec of pair) r[String(rec)] = await runOnce(server.port, worker, rec ? dir : undefined);
        off.push(r.false!.rate);
        on.push(r.true!.rate);
        ratios.push(r.true!.rate / r.false!.rate);
        cpuOff.push(r.false!.cpuNsPerMessage);
        cpuOn.push(r.true!.cpuNsPerMessage);
        cpuRatios.push(r.true!.cpuNsPerMessage / r.false!.cpuNsPerMessage);
        drops.push(r.false!.drops, r.true!.drops);
        gcsOff.push(r.false!.majorGcs);
        gcsOn.push(r.true!.majorGcs);
        // Bytes written (headers, topic definitions and feed events included) over the messages written.
        const rec = r.true!.recording!;
        bytesPerMessage.push(rec.bytes / Math.max(1, rec.messages));
        recordingDrops.push(r.true!.recording?.droppedRecords ?? -1);
      }
      const summary = {
        withoutRecordMedian: Math.round(median(off)),
        withRecordMedian: Math.round(median(on)),
        medianPairRatio: Number(median(ratios).toFixed(3)),
        throughputLossPct: Number(((1 - median(ratios)) * 100).toFixed(1)),
        // Interquartile range of the per-pair losses (%): the spread the median comes from.
        throughputLossIqrPct: [Number(((1 - percentile(ratios, 0.75)) * 100).toFixed(1)), Number(((1 - percentile(ratios, 0.25)) * 100).toFixed(1))],
        // The median loss's 95% interval: "under 10%" is met reliably when its upper end is.
        throughputLossCi95Pct: ciPct(ratios, (r) => (1 - r) * 100),
        cpuNsPerMessageWithout: Math.round(median(cpuOff)),
        cpuNsPerMessageWith: Math.round(median(cpuOn)),
        cpuExtraPct: Number(((median(cpuRatios) - 1) * 100).toFixed(1)),
        cpuExtraIqrPct: [Number(((percentile(cpuRatios, 0.25) - 1) * 100).toFixed(1)), Number(((percentile(cpuRatios, 0.75) - 1) * 100).toFixed(1))],
        cpuExtraCi95Pct: ciPct(cpuRatios, (r) => (r - 1) * 100),
        ratios: ratios.map((x) => Number(x.toFixed(3))),
        without: off.map(Math.round),
        with: on.map(Math.round),
        drops,
        recordingDrops,
        majorGcsWithout: gcsOff,
        majorGcsWith: gcsOn,
        bytesPerMessageOnDisk: Number(median(bytesPerMessage).toFixed(1)),
      };
      (results.modes as Record<string, unknown>)[mode] = summary;
      console.log(
        `${mode.padEnd(9)} without record ${summary.withoutRecordMedian.toLocaleString()} msg/s, with ${summary.withRecordMedian.toLocaleString()} msg/s: ` +
          `median pair ratio ${summary.medianPairRatio} (loss ${summary.throughputLossPct}%, 95% CI ${summary.throughputLossCi95Pct.join('..')}, IQR ${summary.throughputLossIqrPct.join('..')}%; target < 10%); ` +
          `CPU ${summary.cpuNsPerMessageWithout} -> ${summary.cpuNsPerMessageWith} ns/msg (median pair +${summary.cpuExtraPct}%, 95% CI ${summary.cpuExtraCi95Pct.join('..')}, IQR ${summary.cpuExtraIqrPct.join('..')}%); ` +
          `${summary.bytesPerMessageOnDisk} bytes/message on disk (payload ${Math.round(avgPayload)}); ring drops ${drops.join('/')}; recording drops ${recordingDrops.join('/')}; ` +
          `this thread's major GCs a run without ${gcsOff.join('/')}, with ${gcsOn.join('/')}`,
      );
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const out = arg('json', '');
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
}

await main();
