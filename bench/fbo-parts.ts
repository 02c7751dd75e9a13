/**
 * Where a FullBidOffer push(event) + poll() spends its time, one thread, per
 * part (ns/event, median of rounds): `npx tsx bench/fbo-parts.ts [--backend native|js] [--rounds n]`.
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
const N = 200 * BATCH;

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

const parts: Record<string, (round: number) => number> = {
  writeCheckedEvent(): number {
    const mem = slotMemory(new ArrayBuffer(slotSize('fullBidOffer')));
    const t = performance.now();
    for (let i = 0; i < N; i++) {
      bidVolumes[0] = i;
      writeCheckedEvent('fullBidOffer', event, mem, 0);
    }
    return ((performance.now() - t) * 1e6) / N;
  },
  readFullBidOffer(): number {
    // A batch of slots as poll() sees them, read over and over.
    const mem = slotMemory(new ArrayBuffer(slotSize('fullBidOffer') * BATCH));
    for (let k = 0; k < BATCH; k++) {
      bidVolumes[0] = k;
      writeCheckedEvent('fullBidOffer', event, mem, k * slotSize('fullBidOffer'));
    }
    let sink = 0;
    const t = performance.now();
    for (let i = 0; i < N / BATCH; i++) {
      for (let k = 0; k < BATCH; k++) sink += readFullBidOffer(mem, k * 384).bidVolumes[0]!;
    }
    if (sink < 0) console.log(sink);
    return ((performance.now() - t) * 1e6) / N;
  },
};

function dispatcherParts(): { push: number; pushSlot: number; poll: number } {
  const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: RING, backend, logger: silentLogger, pollBatchSize: BATCH, overflow: 'reject-newest' });
  let push = 0;
  let pushSlot = 0;
  let poll = 0;
  let sink = 0;
  const noop = (): void => {};
  for (let i = 0; i < N / BATCH; i++) {
    let t = performance.now();
    for (let k = 0; k < BATCH; k++) {
      bidVolumes[0] = i * BATCH + k;
      d.push(event);
    }
    push += performance.now() - t;
    t = performance.now();
    sink += d.poll(BATCH).length;
    poll += performance.now() - t;
    t = performance.now();
    for (let k = 0; k < BATCH; k++) d.pushSlot(noop);
    pushSlot += performance.now() - t;
    sink -= d.poll(BATCH).length;
  }
  if (sink !== 0) throw new Error(`polled ${sink} of ${N}`);
  return { push: (push * 1e6) / N, pushSlot: (pushSlot * 1e6) / N, poll: (poll * 1e6) / N };
}

const results: Record<string, number[]> = {};
const keep = (k: string, v: number): void => void (results[k] ??= []).push(v);
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of Object.entries(parts)) keep(name, run(r));
  const d = dispatcherParts();
  keep('push(event)', d.push);
  keep('pushSlot(noop)', d.pushSlot);
  keep('poll()', d.poll);
}
const out: Record<string, number> = {};
for (const [k, v] of Object.entries(results)) out[k] = Number(median(v.slice(1)).toFixed(1));
console.log(JSON.stringify({ bench: 'fbo-parts', backend, node: process.version, nsPerEvent: out }));
