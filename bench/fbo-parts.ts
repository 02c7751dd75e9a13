/**
 * Where a FullBidOffer push(event) + poll() spends its time, one thread, per
 * part: `npx tsx bench/fbo-parts.ts [--backend native|js] [--rounds n] [--ring n]`.
 * CPU ns per event (the process's: process.cpuUsage), median of the rounds
 * after the first: on a shared VM the wall clock also counts the time the
 * thread waited for a CPU.
 * The event is the one bench/dispatcher.ts sends (bid volume 1 carries a
 * sequence number: one array of four changes per event).
 */
import { Dispatcher } from '../src/dispatcher/index.js';
import { slotMemory, slotSize } from '../src/events/slot-layout.js';
import { readFullBidOffer } from '../src/events/slot-reader.js';
import { writeCheckedEvent } from '../src/events/slot-writer.js';
import type { FullBidOffer } from '../src/events/types.js';
import { backend as loadedBackend } from '../src/native.js';
import { silentLogger } from '../src/util/logger.js';

const args = process.argv.slice(2);
const backendArg = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : undefined;
const backend: 'native' | 'js' = backendArg === 'js' || backendArg === 'native' ? backendArg : loadedBackend;
const ROUNDS = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 7;
// --ring n: ring size of the push/poll parts (default 65,536, as bench/dispatcher.ts: 25 MB of slots, beyond the caches).
const RING = args.includes('--ring') ? Number(args[args.indexOf('--ring') + 1]) : 65_536;
const BATCH = 1024;
const N = 4 * RING;

// The process's CPU time (getrusage: current to the call, unlike schedstat,
// which the kernel updates at scheduler ticks). Includes V8's GC helper
// threads, whose work the events cause too.
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

const lv = (f: (k: number) => number): number[] => Array.from({ length: 10 }, (_, k) => f(k));
const bidVolumes = lv((k) => k);
const event: FullBidOffer = {
  symbol: 'PTT', bidFlag: 1, askFlag: 1, recvTs: 1_700_000_000_000_000_000n, recvMonoNs: 1n, connectionEpoch: 0,
  bidPrices: lv((k) => 33.25 - k / 4), askPrices: lv((k) => 33.5 + k / 4), bidVolumes, askVolumes: lv((k) => 1000 * k),
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function writeParts(): number {
  const mem = slotMemory(new ArrayBuffer(slotSize('fullBidOffer') * BATCH));
  const t = cpuNs();
  for (let i = 0; i < N; i++) {
    bidVolumes[0] = i;
    writeCheckedEvent('fullBidOffer', event, mem, (i & (BATCH - 1)) * 384);
  }
  return (cpuNs() - t) / N;
}

function readParts(): number {
  // A batch of slots as poll() sees them, read over and over.
  const mem = slotMemory(new ArrayBuffer(slotSize('fullBidOffer') * BATCH));
  for (let k = 0; k < BATCH; k++) {
    bidVolumes[0] = k;
    writeCheckedEvent('fullBidOffer', event, mem, k * 384);
  }
  let sink = 0;
  const t = cpuNs();
  for (let i = 0; i < N / BATCH; i++) {
    const events: FullBidOffer[] = [];
    for (let k = 0; k < BATCH; k++) events.push(readFullBidOffer(mem, k * 384));
    sink += events.length;
  }
  const ns = (cpuNs() - t) / N;
  if (sink !== N) throw new Error('lost events');
  return ns;
}

// A ring's worth of push(event), then of poll(BATCH), then of pushSlot(noop) (ring push alone) and poll, four times.
function dispatcherParts(d: Dispatcher<'fullBidOffer'>): { push: number; pushSlot: number; poll: number } {
  let push = 0;
  let pushSlot = 0;
  let poll = 0;
  let seq = 0;
  const noop = (): void => {};
  for (let lap = 0; lap < N / RING; lap++) {
    let t = cpuNs();
    for (let i = 0; i < RING; i++) {
      bidVolumes[0] = seq++;
      d.push(event);
    }
    push += cpuNs() - t;
    t = cpuNs();
    let got = 0;
    while (got < RING) got += d.poll(BATCH).length;
    poll += cpuNs() - t;
    t = cpuNs();
    for (let i = 0; i < RING; i++) d.pushSlot(noop);
    pushSlot += cpuNs() - t;
    got = 0;
    while (got < RING) got += d.poll(BATCH).length;
  }
  return { push: push / N, pushSlot: pushSlot / N, poll: poll / N };
}

const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: RING, backend, logger: silentLogger, pollBatchSize: BATCH, overflow: 'reject-newest' });
const results: Record<string, number[]> = {};
const keep = (k: string, v: number): void => void (results[k] ??= []).push(v);
for (let r = 0; r < ROUNDS; r++) {
  keep('writeCheckedEvent', writeParts());
  keep('readFullBidOffer', readParts());
  const p = dispatcherParts(d);
  keep('push(event)', p.push);
  keep('pushSlot(noop)', p.pushSlot);
  keep('poll()', p.poll);
}
const out: Record<string, number> = {};
for (const [k, v] of Object.entries(results)) out[k] = Number(median(v.slice(1)).toFixed(1));
console.log(JSON.stringify({ bench: 'fbo-parts', backend, ring: RING, node: process.version, cpuNsPerEvent: out }));
