/**
 * How much of a FullBidOffer push(event) costs the producer thread because a
 * consumer thread reads the ring at the same time: `npx tsx bench/fbo-contention.ts`.
 * A worker pushes N events (lossless: reject-newest, retrying while full)
 * while this thread takes them with drain() either eagerly (a tight loop,
 * as a consumer keeping up does) or in bursts (everything queued every
 * `--burst-us` microseconds, a ring that never fills). Reports each run's
 * producer CPU ns per event (/proc/thread-self/schedstat), median of rounds.
 */
import { readFileSync } from 'node:fs';
import { isMainThread, workerData } from 'node:worker_threads';
import { Dispatcher, type DispatcherHandle } from '../src/dispatcher/index.js';
import type { FullBidOffer } from '../src/events/types.js';
import { silentLogger } from '../src/util/logger.js';
import { startModuleWorker } from '../src/util/worker-script.js';

const N = 1_000_000;

function cpuNs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
}

interface Job {
  readonly handle: DispatcherHandle<'fullBidOffer'>;
  readonly out: Float64Array;
  readonly done: Int32Array;
}

if (!isMainThread) {
  const job = workerData as Job;
  const d = Dispatcher.attach(job.handle, { logger: silentLogger });
  const lv = (f: (k: number) => number): number[] => Array.from({ length: 10 }, (_, k) => f(k));
  const bidVolumes = lv((k) => k);
  const event: FullBidOffer = {
    symbol: 'PTT', bidFlag: 1, askFlag: 1, recvTs: 1_700_000_000_000_000_000n, recvMonoNs: 1n, connectionEpoch: 0,
    bidPrices: lv((k) => 33.25 - k / 4), askPrices: lv((k) => 33.5 + k / 4), bidVolumes, askVolumes: lv((k) => 1000 * k),
  };
  const c0 = cpuNs();
  for (let i = 0; i < N; i++) {
    bidVolumes[0] = i;
    while (!d.push(event)) {
      /* full: retry */
    }
  }
  job.out[0] = (cpuNs() - c0) / N;
  Atomics.store(job.done, 0, 1);
} else {
  const args = process.argv.slice(2);
  const burstUs = args.includes('--burst-us') ? Number(args[args.indexOf('--burst-us') + 1]) : 2000;
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;
  const results: Record<string, number[]> = { eager: [], bursts: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['eager', 'bursts'] as const) {
      // Bursts: a ring that holds a burst's worth of events at any rate (N slots would be 384 MB).
      const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 65_536, overflow: 'reject-newest', logger: silentLogger });
      const out = new Float64Array(new SharedArrayBuffer(8));
      const done = new Int32Array(new SharedArrayBuffer(4));
      const w = startModuleWorker(new URL(import.meta.url), { workerData: { handle: d.handle, out, done } });
      let got = 0;
      const noop = (): void => {};
      while (got < N) {
        if (mode === 'bursts') {
          const until = performance.now() + burstUs / 1000;
          while (performance.now() < until) {
            /* leave the ring alone */
          }
        }
        got += d.drain(noop);
      }
      await new Promise((resolve) => w.once('exit', resolve));
      results[mode]!.push(out[0]!);
    }
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(JSON.stringify({ bench: 'fbo-contention', burstUs, producerCpuNsPerEvent: { eager: Number(med(results.eager!).toFixed(1)), bursts: Number(med(results.bursts!).toFixed(1)) }, runs: results }));
}
