/**
 * Dispatcher benchmark: `npx tsx bench/dispatcher.ts [--quick] [--backend native|js] [--out file.json]
 * [--only throughput,same,latency,idle] [--kind bestBidAsk|fullBidOffer] [--variants poll,pollBook,drain,lossless,payload,slot]
 * [--repeats n]`. E.g. FullBidOffer push(event) + poll() against postMessage only:
 * `--only throughput --kind fullBidOffer --variants poll`.
 *
 * 1. worker -> main events/s through the ring (consumer: poll() objects and drain() views)
 *    vs the same events sent with postMessage, both kinds: lossless (reject-newest, the
 *    producer retrying when full, every event delivered as with postMessage) and under
 *    overload with drop-oldest (the producer evicting, the consumer taking what it can);
 *    and with the producer decoding encoded books into the ring (pushPayload, lossless),
 *    as the feed's worker does;
 * 2. same-thread push + poll ns/event;
 * 3. hand-off latency worker -> main at 100k events/s offered (p50/p99), with a
 *    spinning consumer and with a sleeping one (events() / Atomics.waitAsync);
 *    The same latency run with a ring that is not pre-touched (preTouchMemory:
 *    false: its first lap page-faults every 4 KiB) shows what pre-touching buys;
 * 4. idle consumer CPU while events() waits on an empty ring, and the event-loop
 *    utilization of a sleeping consumer at 10k events/s (sparser than its spin
 *    window) with the default adaptive spin and with none;
 * 5. the platform's own stalls: one thread spinning on the clock records every
 *    gap > 5 us (its vCPU was taken away). The share of time spent more than
 *    10 us into such a gap is the share of events a consumer on that vCPU
 *    delivers late by more than 10 us whatever the code does: above 1%, a p99
 *    <= 10 us cannot be measured on this machine.
 * 6. the floor: in each latency round, right before each spinning-consumer run,
 *    native/tools/handoff_floor (a C++ producer thread and a C++ consumer
 *    thread handing off through the same ring code, at the same rate, pacing
 *    and slot kind) measures what no JS consumer can beat on this machine in
 *    that minute; the report gives our p50/p99/p99.9 as ratios to it (median
 *    of the per-round ratios). Built with cmake into build-cpp/bench on first
 *    use; skipped with a message when cmake or a compiler is missing.
 * Repeats the throughput/latency runs and flags CV > 15%. Prints JSON.
 *
 * Which throughput ratio answers "how much faster than postMessage": the
 * lossless one (speedupLosslessPollVsPostMessage). postMessage delivers every
 * event; so does a lossless run, and both count events delivered per second.
 * The drop-oldest runs (speedupPollVsPostMessage) also count only delivered
 * events, but the producer evicts what the consumer has not taken, so they
 * show how the ring behaves under overload, not a like-for-like rate.
 * Each throughput run also reports, per thread (Linux), CPU ns per event and
 * the time spent runnable but not running (cpuPerEventMedians; see
 * threadTimes): on a loaded machine the wall-clock rates move by 2x from run
 * to run while CPU per event stays put. cpuBoundRatioVsPostMessage compares
 * the costlier thread of each pipeline: the ratio a machine with a free CPU
 * per thread would show.
 *
 * Environment: BENCH_RING=<slots> sets the throughput runs' ring size (default
 * 65,536); BENCH_DEBUG=1 prints, per throughput run, how often and how long the
 * consumer waited (a consumer that waits most of the time means the producer
 * is the limit).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Dispatcher, type DispatcherHandle } from '../src/dispatcher/index.js';
import type { EventKind, SlotMemory } from '../src/events/slot-layout.js';
import { SlotLayout as L, slotMemory, slotSize } from '../src/events/slot-layout.js';
import { writeEvent } from '../src/events/slot-writer.js';
import type { BidOfferEvent } from '../src/events/types.js';
import { backend as loadedBackend } from '../src/native.js';
import { monoNsNumber } from '../src/codec/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { percentile, summarize } from './lib/ring-stats.js';
import { startModuleWorker as startWorker } from '../src/util/worker-script.js';

type Mode = 'ring' | 'post' | 'latency';
interface WorkerJob {
  readonly mode: Mode;
  readonly kind: EventKind;
  readonly count: number;
  readonly handle?: DispatcherHandle;
  readonly backend: 'native' | 'js';
  readonly done: Int32Array;
  readonly rate?: number;
  /**
   * latency mode pacing: 'spin' busy-waits for each event's due time (one core
   * fully busy); 'tick' sleeps until each 0.5 ms tick and then pushes that
   * tick's events back to back, leaving the core free for everything else.
   */
  readonly pacing?: 'spin' | 'tick';
  /**
   * ring mode: push(event) objects (default), pushSlot() copying a pre-written
   * slot, or pushPayload() decoding BidOfferV3 bytes into the ring (what the
   * feed's worker does with every MQTT message).
   */
  readonly producer?: 'event' | 'slot' | 'payload';
  /**
   * ring mode, lossless: the ring refuses when full (reject-newest) and the
   * producer retries until the event gets in, so every event is delivered, as
   * with postMessage (which buffers without bound). Otherwise drop-oldest
   * under overload: the producer evicts, the consumer gets what it can.
   */
  readonly lossless?: boolean;
  /** ring and post modes: the producer thread's [cpu ns, run-queue wait ns] over its loop (threadTimes). */
  readonly times?: Float64Array;
}

/**
 * This thread's CPU time and time spent runnable but waiting for a CPU, in ns
 * (Linux: /proc/thread-self/schedstat), or undefined elsewhere. CPU time per
 * event is what the code costs whatever the load; the wait is what the
 * machine took away (on this shared 2-vCPU VM it often exceeds the CPU time).
 */
function threadTimes(): { cpuNs: number; waitNs: number } | undefined {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { cpuNs: Number(cpu), waitNs: Number(wait) };
  } catch {
    return undefined;
  }
}

// The event the producer sends over and over, and how it changes it each time
// (bid volume 1 carries the sequence number: one level of one side changes).
function sampleEvent(kind: EventKind): { readonly event: BidOfferEvent; setSeq(seq: number): void } {
  const base = { symbol: 'PTT', bidFlag: 1, askFlag: 1, recvTs: 1_700_000_000_000_000_000n, recvMonoNs: 1n, connectionEpoch: 0 };
  if (kind === 'bestBidAsk') {
    const event = { ...base, bid: 33.25, ask: 33.5, bidVol: 0, askVol: 120_000 };
    return { event, setSeq: (seq) => void (event.bidVol = seq) };
  }
  const lv = (f: (k: number) => number): number[] => Array.from({ length: 10 }, (_, k) => f(k));
  const bidVolumes = lv((k) => k);
  const event = { ...base, bidPrices: lv((k) => 33.25 - k / 4), askPrices: lv((k) => 33.5 + k / 4), bidVolumes, askVolumes: lv((k) => 1000 * k) };
  return { event, setSeq: (seq) => void (bidVolumes[0] = seq) };
}

// Encoded BidOfferV3 books as the feed receives them: one level of one side
// changes from one message to the next (bid volume 1 carries a counter).
function samplePayloads(): Uint8Array[] {
  const root = protobuf.loadSync(fileURLToPath(new URL('../proto/bidofferv3.proto', import.meta.url)));
  const BidOfferV3 = root.lookupType('settrade.v3.BidOfferV3');
  const out: Uint8Array[] = [];
  for (let i = 0; i < 1024; i++) {
    const o: Record<string, unknown> = { symbol: 'PTT', bidFlag: 1, askFlag: 1 };
    for (let k = 1; k <= 10; k++) {
      o[`bidPrice${k}`] = { units: 33, nanos: 250_000_000 - (k - 1) * 10_000_000 };
      o[`askPrice${k}`] = { units: 33, nanos: 500_000_000 + (k - 1) * 10_000_000 };
      o[`bidVolume${k}`] = k === 1 ? 100_000 + i : 1_000 * k;
      o[`askVolume${k}`] = 2_000 * k;
    }
    out.push(BidOfferV3.encode(BidOfferV3.fromObject(o)).finish());
  }
  return out;
}

// ---------------- worker side ----------------
function runWorker(job: WorkerJob): void {
  const t0 = threadTimes();
  runProducer(job);
  const t1 = threadTimes();
  if (job.times !== undefined && t0 !== undefined && t1 !== undefined) {
    job.times[0] = t1.cpuNs - t0.cpuNs;
    job.times[1] = t1.waitNs - t0.waitNs;
  }
  Atomics.store(job.done, 0, 1);
  Atomics.notify(job.done, 0);
}

function runProducer(job: WorkerJob): void {
  const { event: ev, setSeq } = sampleEvent(job.kind);
  if (job.mode === 'post') {
    for (let i = 0; i < job.count; i++) {
      setSeq(i);
      parentPort!.postMessage(ev);
    }
    return;
  }
  const d = Dispatcher.attach(job.handle!, { backend: job.backend, logger: silentLogger });
  if (job.mode === 'ring' && job.producer === 'payload') {
    const payloads = samplePayloads();
    if (job.lossless) {
      for (let i = 0; i < job.count; i++) while (!d.pushPayload(payloads[i & (payloads.length - 1)]!)) {}
    } else {
      for (let i = 0; i < job.count; i++) d.pushPayload(payloads[i & (payloads.length - 1)]!);
    }
  } else if (job.mode === 'ring' && job.producer === 'slot') {
    // The pipeline's shape: the event is already a slot (pushPayload decodes straight into one).
    const template = slotMemory(new ArrayBuffer(slotSize(job.kind)));
    writeEvent(job.kind, ev, template, 0);
    let seq = 0;
    const volIndex = (job.kind === 'bestBidAsk' ? L.bbaBidVolOffset : L.fboBidVolumesOffset) >> 2;
    const fill = (mem: SlotMemory): void => {
      mem.u8.set(template.u8, 0);
      mem.i32[volIndex] = seq;
    };
    for (; seq < job.count; seq++) d.pushSlot(fill);
  } else if (job.mode === 'ring' && job.lossless) {
    for (let i = 0; i < job.count; i++) {
      setSeq(i);
      while (!d.tryPush(ev)) {
        /* full: the consumer is behind; retry (backpressure instead of loss) */
      }
    }
  } else if (job.mode === 'ring') {
    for (let i = 0; i < job.count; i++) {
      setSeq(i);
      d.push(ev);
    }
  } else {
    // Paced at `rate`/s; the push stamps recvMonoNs (hrtime, same clock in every thread).
    const interval = 1e9 / job.rate!;
    let t = 0;
    const fill = (mem: SlotMemory): void => {
      mem.i32[L.recvMonoNsOffset >> 2] = t % 4294967296;
      mem.i32[(L.recvMonoNsOffset >> 2) + 1] = Math.floor(t / 4294967296);
    };
    const start = monoNsNumber();
    const nap = new Int32Array(new SharedArrayBuffer(4));
    const tickNs = 500_000;
    for (let i = 0; i < job.count; i++) {
      const due = start + i * interval;
      if (job.pacing === 'tick') {
        const ahead = due - monoNsNumber();
        if (ahead > 0) Atomics.wait(nap, 0, 0, Math.max(ahead, tickNs) / 1e6);
        t = monoNsNumber();
      } else {
        while ((t = monoNsNumber()) < due) {
          /* pace */
        }
      }
      d.pushSlot(fill);
    }
  }
}

// ---------------- main side ----------------
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const backendArg = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : undefined;
const ringBackend: 'native' | 'js' = backendArg === 'js' || backendArg === 'native' ? backendArg : loadedBackend;
const outFile = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
// --repeats N: rounds of the throughput and latency runs (default 3, --quick 2).
const repeatsArg = args.includes('--repeats') ? Number(args[args.indexOf('--repeats') + 1]) : undefined;
if (repeatsArg !== undefined && !(Number.isInteger(repeatsArg) && repeatsArg >= 1)) throw new Error('--repeats must be a whole number >= 1');
const REPEATS = repeatsArg ?? (quick ? 2 : 3);
const WARMUP_SECONDS = 0.25;
// --only throughput,same,latency,idle (default: all)
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined;
const want = (part: string): boolean => only === undefined || only.has(part);
// Throughput part only: --kind bestBidAsk|fullBidOffer (default both), and
// --variants poll,pollBook,drain,lossless,payload,slot (default all but pollBook:
// poll() with the consumer reading every level array; postMessage always runs,
// each round back to back with the ring variants, for the per-round ratios).
const kindArg = args.includes('--kind') ? args[args.indexOf('--kind') + 1] : undefined;
const kinds = (['bestBidAsk', 'fullBidOffer'] as const).filter((k) => kindArg === undefined || k === kindArg);
const variantSet = args.includes('--variants') ? new Set(args[args.indexOf('--variants') + 1]!.split(',')) : undefined;
const variant = (v: string): boolean => (variantSet === undefined ? v !== 'pollBook' : variantSet.has(v));

function spawn(job: WorkerJob): { exited: Promise<void> } & ReturnType<typeof startWorker> {
  const w = startWorker(new URL(import.meta.url), { workerData: job });
  const exited = new Promise<void>((resolve, reject) => {
    w.once('error', reject);
    w.once('exit', () => resolve());
  });
  return Object.assign(w, { exited });
}

async function ringThroughput(
  kind: EventKind,
  count: number,
  consumer: 'poll' | 'pollBook' | 'drain',
  producer: 'event' | 'slot' | 'payload' = 'event',
  lossless = false,
): Promise<RunResult> {
  const d = new Dispatcher({
    kind,
    maxSize: Number(process.env.BENCH_RING ?? 65_536),
    backend: ringBackend,
    logger: silentLogger,
    pollBatchSize: 1024,
    overflow: lossless ? 'reject-newest' : 'drop-oldest',
  });
  const done = new Int32Array(new SharedArrayBuffer(4));
  const times = new Float64Array(new SharedArrayBuffer(16));
  const w = spawn({ mode: 'ring', kind, count, handle: d.handle, backend: ringBackend, done, producer, lossless, times });
  await d.waitForEvents(30_000);
  const t0 = performance.now();
  const c0 = threadTimes();
  let received = 0;
  let sink = 0;
  let waits = 0;
  let waitedMs = 0;
  const onView = (v: { bidVol: number }): void => {
    sink += v.bidVol;
  };
  for (;;) {
    let n: number;
    if (consumer === 'drain') n = d.drain(onView, 4096);
    else if (consumer === 'pollBook') {
      // A consumer that reads the whole book (FullBidOffer) or every field (BestBidAsk).
      const batch = d.poll(1024);
      n = batch.length;
      for (let k = 0; k < n; k++) sink += bookSum(batch[k]!);
    } else {
      const batch = d.poll(1024);
      n = batch.length;
      for (let k = 0; k < n; k++) sink += (batch[k] as { symbol: string }).symbol.length;
    }
    received += n;
    if (n === 0) {
      if (Atomics.load(done, 0) === 1 && d.stats().queueLen === 0) break;
      const tw = performance.now();
      await d.waitForEvents(5);
      waits++;
      waitedMs += performance.now() - tw;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const c1 = threadTimes();
  await w.exited;
  if (sink < 0) console.log(sink);
  if (process.env.BENCH_DEBUG) console.error(`${kind} ${consumer} ${producer} lossless=${lossless}: ${received} in ${(secs * 1000).toFixed(0)} ms, ${waits} waits, ${waitedMs.toFixed(0)} ms waiting`);
  if (lossless && received !== count) throw new Error(`lossless run delivered ${received} of ${count}`);
  // reject-newest counts each refused attempt as a drop; lossless runs retried every one.
  return { eps: received / secs, dropped: lossless ? 0 : d.stats().totalDropped, ...cpuPerEvent(times, count, c0, c1, received) };
}

interface RunResult {
  /** Events delivered to the consumer per second (wall clock). */
  readonly eps: number;
  readonly dropped: number;
  /** Producer thread CPU ns per event it sent (lossless: retries while full included). */
  readonly producerCpuNs?: number;
  /** Consumer thread CPU ns per event delivered (its spin while the ring is empty included). */
  readonly consumerCpuNs?: number;
  /** Run-queue wait of each thread, as a share of its CPU time (what the machine's load took away). */
  readonly producerWaitShare?: number;
  readonly consumerWaitShare?: number;
}

function cpuPerEvent(
  times: Float64Array,
  sent: number,
  c0: ReturnType<typeof threadTimes>,
  c1: ReturnType<typeof threadTimes>,
  received: number,
): Omit<RunResult, 'eps' | 'dropped'> {
  if (c0 === undefined || c1 === undefined || times[0] === 0) return {};
  const r = (x: number): number => Number(x.toFixed(1));
  return {
    producerCpuNs: r(times[0]! / sent),
    consumerCpuNs: r((c1.cpuNs - c0.cpuNs) / received),
    producerWaitShare: Number((times[1]! / times[0]!).toFixed(2)),
    consumerWaitShare: Number(((c1.waitNs - c0.waitNs) / (c1.cpuNs - c0.cpuNs)).toFixed(2)),
  };
}

// Touches every number of an event (a consumer that reads the book).
function bookSum(e: BidOfferEvent): number {
  if (!('bidPrices' in e)) return e.bid + e.ask + e.bidVol + e.askVol;
  let s = 0;
  for (let i = 0; i < 10; i++) s += e.bidPrices[i]! + e.askPrices[i]! + e.bidVolumes[i]! + e.askVolumes[i]!;
  return s;
}

async function postThroughput(kind: EventKind, count: number): Promise<RunResult> {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const times = new Float64Array(new SharedArrayBuffer(16));
  const w = spawn({ mode: 'post', kind, count, backend: ringBackend, done, times });
  let received = 0;
  let t0 = 0;
  let c0: ReturnType<typeof threadTimes>;
  let sink = 0;
  await new Promise<void>((resolve) => {
    w.on('message', (m: { symbol: string }) => {
      if (received++ === 0) {
        t0 = performance.now();
        c0 = threadTimes();
      }
      sink += m.symbol.length;
      if (received === count) resolve();
    });
  });
  const secs = (performance.now() - t0) / 1000;
  const c1 = threadTimes();
  await w.exited;
  if (sink < 0) console.log(sink);
  return { eps: (count - 1) / secs, dropped: 0, ...cpuPerEvent(times, count, c0, c1, count - 1) };
}

async function latency(
  rate: number,
  seconds: number,
  sleeping: boolean,
  pacing: 'spin' | 'tick' = 'spin',
  ring: { preTouchMemory?: boolean; spinBeforeSleepUs?: number } = {},
): Promise<{ p50: number; p99: number; p999: number; max: number; samples: number; minorPageFaults: number; eventLoopUtilization: number }> {
  const count = Math.round(rate * (seconds + WARMUP_SECONDS));
  const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 65_536, backend: ringBackend, logger: silentLogger, ...ring });
  const done = new Int32Array(new SharedArrayBuffer(4));
  const w = spawn({ mode: 'latency', kind: 'bestBidAsk', count, handle: d.handle, backend: ringBackend, done, rate, pacing });
  const lat = new Float64Array(count);
  let n = 0;
  // Page faults of the whole process (both threads) over the measured part:
  // the ring's first lap takes one per 4 KiB unless the ring was pre-touched.
  const warmCount = Math.round(rate * WARMUP_SECONDS);
  // And the share of that time this thread was busy (spinning included).
  let faults0 = -1;
  let elu0: EventLoopUtilization | undefined;
  const markWarm = (): void => {
    if (faults0 < 0 && n >= warmCount) {
      faults0 = process.resourceUsage().minorPageFault;
      elu0 = performance.eventLoopUtilization();
    }
  };
  const onView = (v: { mem: SlotMemory; offset: number }): void => {
    const i = (v.offset + L.recvMonoNsOffset) >> 2;
    const sent = v.mem.i32[i + 1]! * 4294967296 + v.mem.u32[i]!;
    lat[n++] = monoNsNumber() - sent;
  };
  if (sleeping) {
    while (n < count) {
      markWarm();
      if (d.drain(onView, 1024) === 0) {
        if (Atomics.load(done, 0) === 1 && d.stats().queueLen === 0) break;
        await d.waitForEvents(1000);
      }
    }
  } else {
    await d.waitForEvents(30_000);
    while (n < count) {
      markWarm();
      if (d.drain(onView, 1024) === 0 && Atomics.load(done, 0) === 1 && d.stats().queueLen === 0) break;
    }
  }
  const minorPageFaults = faults0 < 0 ? 0 : process.resourceUsage().minorPageFault - faults0;
  const eventLoopUtilization = elu0 === undefined ? 0 : Number(performance.eventLoopUtilization(elu0).utilization.toFixed(4));
  await w.exited;
  // The first quarter second is warm-up (JIT compilation on both threads,
  // first-touch page faults in the ring): not counted.
  const warm = Math.min(n, warmCount);
  const s = lat.subarray(warm, n);
  const us = (q: number): number => Number((percentile(s, q) / 1000).toFixed(2));
  return { p50: us(0.5), p99: us(0.99), p999: us(0.999), max: us(1), samples: n, minorPageFaults, eventLoopUtilization };
}

interface LatencyPercentiles {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const floorBuildDir = `${repoRoot}build-cpp/bench`;
const floorTool = `${floorBuildDir}/handoff_floor`;

/**
 * Builds native/tools/handoff_floor (plain -O2, no sanitizers) with cmake,
 * incrementally. Returns why it could not, or undefined when the tool is ready.
 */
function buildFloorTool(): string | undefined {
  try {
    const run = (args: string[]): void => {
      execFileSync('cmake', args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    };
    if (!existsSync(`${floorBuildDir}/CMakeCache.txt`)) run(['-S', 'native', '-B', floorBuildDir, '-DSANITIZE=']);
    run(['--build', floorBuildDir, '--target', 'handoff_floor']);
    return undefined;
  } catch (e) {
    return `handoff_floor could not be built with cmake (${(e as Error).message.split('\n')[0]})`;
  }
}

/** The C++ floor at `rate` for `seconds` (plus the same warm-up the JS run skips). */
function floorLatency(rate: number, seconds: number, pacing: 'spin' | 'tick'): LatencyPercentiles & { max: number; samples: number } {
  const count = Math.round(rate * (seconds + WARMUP_SECONDS));
  const warm = Math.round(rate * WARMUP_SECONDS);
  const out = execFileSync(floorTool, [String(rate), String(count), 'bestBidAsk', pacing, String(warm)], { encoding: 'utf8' });
  return JSON.parse(out) as LatencyPercentiles & { max: number; samples: number };
}

/**
 * Median over rounds of ours / floor, per percentile (each round's pair ran
 * back to back), and the p99 ratio of every round to show how much it moved.
 */
function floorRatios(
  ours: readonly LatencyPercentiles[],
  floor: readonly LatencyPercentiles[],
): { p50: number; p99: number; p999: number; p99Rounds: number[] } {
  const rounds = (q: 'p50' | 'p99' | 'p999'): number[] => ours.map((o, i) => Number((o[q] / floor[i]![q]).toFixed(2)));
  const ratio = (q: 'p50' | 'p99' | 'p999'): number => {
    const r = rounds(q).sort((x, y) => x - y);
    const mid = r.length >> 1;
    const m = r.length % 2 === 1 ? r[mid]! : (r[mid - 1]! + r[mid]!) / 2;
    return Number(m.toFixed(2));
  };
  return { p50: ratio('p50'), p99: ratio('p99'), p999: ratio('p999'), p99Rounds: rounds('p99') };
}

function sameThread(kind: EventKind, backend: 'native' | 'js', events: number): Record<string, number> {
  const d = new Dispatcher({ kind, maxSize: 4096, backend, logger: silentLogger, pollBatchSize: 256 });
  const { event: ev, setSeq } = sampleEvent(kind);
  let sink = 0;
  const onView = (v: { bidVol: number }): void => {
    sink += v.bidVol;
  };
  // Ring cost alone: the event is already a slot (as after pushPayload's decode).
  const template = slotMemory(new ArrayBuffer(slotSize(kind)));
  writeEvent(kind, ev, template, 0);
  const fill = (mem: SlotMemory): void => {
    mem.u8.set(template.u8, 0);
  };
  // CPU time of this thread's process as well as wall time: on a shared,
  // oversubscribed machine the wall clock also counts the time the vCPU ran
  // something else; CPU time (ns/event) compares builds far more steadily.
  let cpuNs = 0;
  const run = (drain: boolean, slot = false): number => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < events; i += 256) {
      if (slot) for (let k = 0; k < 256; k++) d.pushSlot(fill);
      else {
        // One level changes from one event to the next, as in the worker -> main runs.
        for (let k = 0; k < 256; k++) {
          setSeq(i + k);
          d.push(ev);
        }
      }
      if (drain) d.drain(onView, 256);
      else sink += d.poll(256).length;
    }
    const c = process.cpuUsage(c0);
    cpuNs = ((c.user + c.system) * 1000) / events;
    return Number(process.hrtime.bigint() - t0) / events;
  };
  run(false);
  run(true); // warm-up
  const pushPollNs = run(false);
  const pushPollCpuNs = cpuNs;
  const pushDrainNs = run(true);
  run(true, true);
  const slotDrainNs = run(true, true);
  if (sink < 0) console.log(sink);
  return {
    pushPollNs: Number(pushPollNs.toFixed(1)),
    pushPollCpuNs: Number(pushPollCpuNs.toFixed(1)),
    pushDrainNs: Number(pushDrainNs.toFixed(1)),
    slotPushDrainNs: Number(slotDrainNs.toFixed(1)),
  };
}

/** Spins on the clock for `seconds`; every gap > 5 us is time this thread's vCPU did not run it. */
function platformStalls(seconds: number): Record<string, number> {
  const bounds = [10_000, 20_000, 50_000, 100_000, 1_000_000];
  const hist = new Array<number>(bounds.length + 1).fill(0);
  let gaps = 0;
  let lostNs = 0;
  let beyond10usNs = 0;
  let maxNs = 0;
  const t0 = monoNsNumber();
  const end = t0 + seconds * 1e9;
  let prev = t0;
  for (;;) {
    const t = monoNsNumber();
    const g = t - prev;
    prev = t;
    if (g > 5_000) {
      gaps++;
      lostNs += g;
      if (g > 10_000) beyond10usNs += g - 10_000;
      if (g > maxNs) maxNs = g;
      let b = 0;
      while (b < bounds.length && g >= bounds[b]!) b++;
      hist[b]!++;
    }
    if (t >= end) break;
  }
  const wall = prev - t0;
  return {
    stallsPerSec: Math.round(gaps / (wall / 1e9)),
    timeLostPct: Number(((100 * lostNs) / wall).toFixed(2)),
    // Events arriving then wait > 10 us for this vCPU: the floor of the share of late events.
    timeMoreThan10usIntoAStallPct: Number(((100 * beyond10usNs) / wall).toFixed(2)),
    maxStallUs: Number((maxNs / 1000).toFixed(1)),
    'stalls5to10us': hist[0]!,
    'stalls10to20us': hist[1]!,
    'stalls20to50us': hist[2]!,
    'stalls50to100us': hist[3]!,
    'stalls100usTo1ms': hist[4]!,
    stallsOver1ms: hist[5]!,
  };
}

async function idleCpu(seconds: number): Promise<{ cpuMsPerSec: number }> {
  const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 1024, backend: ringBackend, logger: silentLogger });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for await (const _ of d.events({ timeoutMs: seconds * 1000 })) {
    /* nothing arrives */
  }
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  return { cpuMsPerSec: Number(((c.user + c.system) / 1000 / wall).toFixed(3)) };
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { bench: 'dispatcher', backend: ringBackend, node: process.version, quick, date: new Date().toISOString() };
  const throughput: Record<string, unknown> = {};
  for (const kind of want('throughput') ? kinds : []) {
    const ringN = quick ? 500_000 : kind === 'bestBidAsk' ? 2_000_000 : 1_000_000;
    const postN = quick ? 50_000 : 200_000;
    const poll: number[] = [];
    const drain: number[] = [];
    const pollBook: number[] = [];
    const post: number[] = [];
    const slot: number[] = [];
    let dropped = 0;
    const losslessPoll: number[] = [];
    const losslessDrain: number[] = [];
    const payloadPoll: number[] = [];
    const payloadDrain: number[] = [];
    // CPU per event of each side, per variant (threadTimes), for the report.
    const cpuRuns: Record<string, RunResult[]> = {};
    const keep = (name: string, run: RunResult): number => {
      (cpuRuns[name] ??= []).push(run);
      return run.eps;
    };
    for (let r = 0; r < REPEATS; r++) {
      if (variant('poll')) {
        const a = await ringThroughput(kind, ringN, 'poll');
        poll.push(keep('poll', a));
        dropped += a.dropped;
      }
      if (variant('pollBook')) pollBook.push(keep('pollBook', await ringThroughput(kind, ringN, 'pollBook')));
      if (variant('drain')) {
        const b = await ringThroughput(kind, ringN, 'drain');
        drain.push(keep('drain', b));
        dropped += b.dropped;
      }
      if (variant('lossless')) {
        losslessPoll.push(keep('losslessPoll', await ringThroughput(kind, ringN, 'poll', 'event', true)));
        losslessDrain.push(keep('losslessDrain', await ringThroughput(kind, ringN, 'drain', 'event', true)));
      }
      if (variant('payload')) {
        payloadPoll.push(keep('payloadPoll', await ringThroughput(kind, ringN, 'poll', 'payload', true)));
        payloadDrain.push(keep('payloadDrain', await ringThroughput(kind, ringN, 'drain', 'payload', true)));
      }
      if (variant('slot')) {
        const c = await ringThroughput(kind, ringN, 'drain', 'slot');
        slot.push(keep('slot', c));
        dropped += c.dropped;
      }
      post.push(keep('postMessage', await postThroughput(kind, postN)));
    }
    // Each round ran the ring variants and postMessage back to back: the median
    // of those per-round ratios follows the VM's phase changes less than a
    // ratio of two medians taken over different rounds would.
    const perRoundRatio = (ring: number[]): number => {
      const ratios = ring.map((eps, r) => eps / post[r]!).sort((x, y) => x - y);
      const mid = ratios.length >> 1;
      const median = ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
      return Number(median.toFixed(1));
    };
    const p = summarize(poll);
    const dr = summarize(drain);
    const pm = summarize(post);
    const sl = summarize(slot);
    const lp = summarize(losslessPoll);
    const ld = summarize(losslessDrain);
    const pp = summarize(payloadPoll);
    const pd = summarize(payloadDrain);
    const entries = Object.entries({
      payloadPollEventsPerSec: pp,
      payloadDrainEventsPerSec: pd,
      speedupPayloadPollVsPostMessage: perRoundRatio(payloadPoll),
      speedupPayloadDrainVsPostMessage: perRoundRatio(payloadDrain),
      losslessPollEventsPerSec: lp,
      losslessDrainEventsPerSec: ld,
      speedupLosslessPollVsPostMessage: perRoundRatio(losslessPoll),
      speedupLosslessDrainVsPostMessage: perRoundRatio(losslessDrain),
      ringPollEventsPerSec: p,
      ringDrainEventsPerSec: dr,
      postMessageEventsPerSec: pm,
      ringDropsTotal: dropped,
      speedupPollVsPostMessage: perRoundRatio(poll),
      speedupDrainVsPostMessage: perRoundRatio(drain),
      ringSlotProducerDrainEventsPerSec: sl,
      speedupSlotDrainVsPostMessage: perRoundRatio(slot),
      ringPollBookEventsPerSec: summarize(pollBook),
      speedupPollBookVsPostMessage: perRoundRatio(pollBook),
    });
    // Variants left out (--variants) have no runs: not reported.
    const reported: Record<string, unknown> = Object.fromEntries(entries.filter(([, v]) => typeof v === 'number' ? !Number.isNaN(v) : v.runs.length > 0));
    // Medians over the rounds of each thread's CPU ns per event and run-queue wait share (Linux only).
    const med = (xs: number[]): number => {
      const v = [...xs].sort((x, y) => x - y);
      return v.length === 0 ? Number.NaN : v.length % 2 === 1 ? v[v.length >> 1]! : (v[(v.length >> 1) - 1]! + v[v.length >> 1]!) / 2;
    };
    const field = (runs: RunResult[], k: 'producerCpuNs' | 'consumerCpuNs' | 'producerWaitShare' | 'consumerWaitShare'): number =>
      Number(med(runs.flatMap((x) => (x[k] === undefined ? [] : [x[k]]))).toFixed(2));
    // The rate each pipeline could reach if each thread had a CPU to itself
    // is set by its costlier side: postMessage's (max of its two threads' CPU
    // per event) over the ring variant's, per round, median over rounds.
    // Load-independent where the wall-clock ratios are not; a side that
    // spins while waiting for the other (lossless producer, consumer on an
    // empty ring) is counted at its spin, which can only lower the ratio.
    const costlier = (x: RunResult): number => Math.max(x.producerCpuNs ?? Number.NaN, x.consumerCpuNs ?? Number.NaN);
    const postRuns = cpuRuns.postMessage ?? [];
    reported.cpuBoundRatioVsPostMessage = Object.fromEntries(
      Object.entries(cpuRuns)
        .filter(([name]) => name !== 'postMessage')
        .map(([name, runs]) => [name, Number(med(runs.map((x, r) => costlier(postRuns[r]!) / costlier(x))).toFixed(1))]),
    );
    reported.cpuPerEventMedians = Object.fromEntries(
      Object.entries(cpuRuns).map(([name, runs]) => [
        name,
        {
          producerCpuNs: field(runs, 'producerCpuNs'),
          consumerCpuNs: field(runs, 'consumerCpuNs'),
          producerWaitShare: field(runs, 'producerWaitShare'),
          consumerWaitShare: field(runs, 'consumerWaitShare'),
        },
      ]),
    );
    throughput[kind] = reported;
    console.error(`throughput ${kind}:`, JSON.stringify(throughput[kind]));
  }
  result.workerToMain = throughput;
  const same: Record<string, unknown> = {};
  for (const b of !want('same') ? [] : loadedBackend === 'native' ? (['native', 'js'] as const) : (['js'] as const)) {
    for (const kind of ['bestBidAsk', 'fullBidOffer'] as const) same[`${b}/${kind}`] = sameThread(kind, b, quick ? 200_000 : 1_000_000);
  }
  result.sameThreadNsPerEvent = same;
  console.error('same thread:', JSON.stringify(same));
  const spin: LatencyPercentiles[] = [];
  const sleep: LatencyPercentiles[] = [];
  const spinTick: LatencyPercentiles[] = [];
  const sleepTick: LatencyPercentiles[] = [];
  const spinTickNoTouch: { p50: number; p99: number }[] = [];
  const stalls: Record<string, number>[] = [];
  const floorSpin: LatencyPercentiles[] = [];
  const floorTick: LatencyPercentiles[] = [];
  const floorMissing = want('latency') ? buildFloorTool() : undefined;
  if (floorMissing !== undefined) console.error(`latency: no C++ floor: ${floorMissing}`);
  const latencySeconds = quick ? 0.5 : 1;
  for (let r = 0; want('latency') && r < REPEATS; r++) {
    stalls.push(platformStalls(1));
    spinTickNoTouch.push(await latency(100_000, latencySeconds, false, 'tick', { preTouchMemory: false }));
    // Each floor run right before the JS run it is compared with: same minute, same load.
    if (floorMissing === undefined) floorSpin.push(floorLatency(100_000, latencySeconds, 'spin'));
    spin.push(await latency(100_000, latencySeconds, false));
    sleep.push(await latency(100_000, latencySeconds, true));
    if (floorMissing === undefined) floorTick.push(floorLatency(100_000, latencySeconds, 'tick'));
    spinTick.push(await latency(100_000, latencySeconds, false, 'tick'));
    sleepTick.push(await latency(100_000, latencySeconds, true, 'tick'));
  }
  result.handoffLatencyUs = {
    offeredEventsPerSec: 100_000,
    spinningConsumer: { runs: spin, p99: summarize(spin.map((s) => s.p99)) },
    sleepingConsumer: { runs: sleep, p99: summarize(sleep.map((s) => s.p99)) },
    // Producer paced in 0.5 ms ticks (sleeping between them) instead of spinning.
    tickPacedSpinningConsumer: { runs: spinTick, p99: summarize(spinTick.map((s) => s.p99)) },
    tickPacedSleepingConsumer: { runs: sleepTick, p99: summarize(sleepTick.map((s) => s.p99)) },
    // As tickPacedSpinningConsumer, but the ring is not pre-touched (preTouchMemory: false).
    tickPacedSpinningConsumerRingNotPreTouched: { runs: spinTickNoTouch, p99: summarize(spinTickNoTouch.map((s) => s.p99)) },
    // One thread spinning on the clock just before each round's runs (see 5. above).
    platformStalls: stalls,
    // C++ producer and consumer threads through the same ring (see 6. above), and
    // our runs' percentiles as ratios to the floor run just before them.
    cppFloor:
      floorMissing !== undefined
        ? { skipped: floorMissing }
        : {
            spinPaced: { runs: floorSpin, p99: summarize(floorSpin.map((s) => s.p99)) },
            tickPaced: { runs: floorTick, p99: summarize(floorTick.map((s) => s.p99)) },
            ratioToFloor: {
              spinningConsumer: floorRatios(spin, floorSpin),
              sleepingConsumer: floorRatios(sleep, floorSpin),
              tickPacedSpinningConsumer: floorRatios(spinTick, floorTick),
              tickPacedSleepingConsumer: floorRatios(sleepTick, floorTick),
            },
          },
  };
  console.error('latency:', JSON.stringify(result.handoffLatencyUs));
  if (want('idle')) {
    result.idleConsumer = await idleCpu(quick ? 1 : 3);
    // Sparse traffic: 10,000 events/s, ~100 us apart, longer than the spin window.
    const load: Record<string, number> = {};
    // Event-loop utilization of a sleeping consumer (drain + waitForEvents, as
    // events() does) fed by a tick-paced producer: spinning included; 0 never spins (the floor).
    for (const spinBeforeSleepUs of [50, 0]) {
      load[`spinBeforeSleepUs${spinBeforeSleepUs}`] = (await latency(10_000, quick ? 1 : 2, true, 'tick', { spinBeforeSleepUs })).eventLoopUtilization;
    }
    result.sleepingConsumerEventLoopUtilizationAt10kPerSec = load;
    console.error('consumer load at 10k/s:', JSON.stringify(load));
  }
  const json = JSON.stringify(result, null, 2);
  if (outFile) writeFileSync(outFile, json);
  console.log(json);
}

if (isMainThread) {
  await main();
} else {
  runWorker(workerData as WorkerJob);
}
