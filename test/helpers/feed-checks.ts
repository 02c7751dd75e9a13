/** Shared checks of the feed supervision tests. */
import type { Worker } from 'node:worker_threads';
import type { Dispatcher, DispatcherStats } from '../../src/dispatcher/index.js';
import type { FullBidOffer } from '../../src/events/types.js';
import type { PublishedMessage } from '../../src/sim/index.js';
import { startModuleWorker } from '../../src/util/worker-script.js';

/** The ring's counter identity, which holds whenever neither side is mid-operation. */
export function identityHolds(s: DispatcherStats): boolean {
  return s.totalPushed - s.totalDropped - s.totalPolled === s.queueLen;
}

/** Resolves with `p`'s value, or rejects naming `what` after `ms` (a bound on the wait, not a sleep). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The book of a FullBidOffer event, in the simulator's PublishedMessage.book shape. */
export const bookOf = (e: FullBidOffer) => ({
  bidPrices: [...e.bidPrices],
  askPrices: [...e.askPrices],
  bidVolumes: [...e.bidVolumes],
  askVolumes: [...e.askVolumes],
  bidFlag: e.bidFlag,
  askFlag: e.askFlag,
});

/**
 * Symbols whose events are NOT an in-order subsequence of what the simulator
 * published for them (a torn, duplicated, reordered or invented event breaks it;
 * messages missed while no worker was subscribed do not).
 */
export function notPublishedInOrder(events: readonly FullBidOffer[], published: ReadonlyMap<string, readonly PublishedMessage[]>): string[] {
  const bad: string[] = [];
  const symbols = new Set(events.map((e) => e.symbol));
  for (const symbol of symbols) {
    const pub = (published.get(symbol) ?? []).map((m) => JSON.stringify(m.book));
    let j = 0;
    for (const e of events) {
      if (e.symbol !== symbol) continue;
      const book = JSON.stringify(bookOf(e));
      while (j < pub.length && pub[j] !== book) j++;
      if (j === pub.length) {
        bad.push(symbol);
        break;
      }
      j++;
    }
  }
  return bad;
}

/** A thread consuming one ring through `events()` (test/workers/shard-consumer.ts): resolves `ended` when its iterator ends. */
export function consumerThread(d: Dispatcher): { worker: Worker; ready: Promise<unknown>; ended: Promise<{ n: number; closed: boolean }> } {
  const worker = startModuleWorker(new URL('../workers/shard-consumer.ts', import.meta.url), { workerData: { handle: d.handle } });
  const message = (type: string) =>
    new Promise<{ type: string; n: number; closed: boolean }>((resolve, reject) => {
      worker.on('message', (m: { type: string; n: number; closed: boolean }) => m.type === type && resolve(m));
      worker.once('error', reject);
    });
  return { worker, ready: message('ready'), ended: message('ended') };
}
