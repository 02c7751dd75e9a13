/**
 * Dispatcher.close(): "the producer is gone for good". Consumers drain what
 * is queued, then waitForEvents resolves false and events() ends, in the
 * same thread and in another thread sleeping on the ring.
 */
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Dispatcher, ShardedDispatcher } from '../src/dispatcher/index.js';
import { W } from '../src/dispatcher/ring-layout.js';
import { startModuleWorker } from '../src/util/worker-script.js';
import type { BestBidAsk } from '../src/events/types.js';
import { silentLogger } from '../src/util/logger.js';
import { consumerThread as startConsumer, identityHolds, within } from './helpers/feed-checks.js';
import { until } from './helpers/until.js';

const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.terminate();
});

const event = (i: number): BestBidAsk => ({
  symbol: 'AOT',
  bid: 10 + i,
  ask: 11 + i,
  bidVol: i,
  askVol: i,
  bidFlag: 0,
  askFlag: 0,
  recvTs: 1n,
  recvMonoNs: 1n,
  connectionEpoch: 0,
});

function consumerThread(d: Dispatcher): ReturnType<typeof startConsumer> {
  const c = startConsumer(d);
  workers.push(c.worker);
  return c;
}

describe('Dispatcher.close()', () => {
  it('a waiting events() in this thread ends; what was queued is delivered first', async () => {
    const d = new Dispatcher({ maxSize: 16, logger: silentLogger });
    const seen: number[] = [];
    const done = (async () => {
      for await (const e of d.events()) seen.push((e as BestBidAsk).bidVol);
    })();
    d.push(event(1));
    d.push(event(2));
    await new Promise((r) => setImmediate(r)); // let the iterator take them and go to sleep
    d.push(event(3));
    expect(d.closed).toBe(false);
    d.close();
    await within(done, 2000, 'the iterator ending');
    expect(seen).toEqual([1, 2, 3]);
    expect(d.closed).toBe(true);
    expect(await d.waitForEvents()).toBe(false);
    // Closed for good: clear() keeps it, and an attached view sees it.
    d.clear();
    expect(Dispatcher.attach(d.handle, { logger: silentLogger }).closed).toBe(true);
    const s = d.stats();
    expect(s.totalPushed - s.totalDropped - s.totalPolled).toBe(s.queueLen);
  });

  it('waitForEvents: true while events remain after close, false once drained', async () => {
    const d = new Dispatcher({ maxSize: 4, logger: silentLogger });
    d.push(event(1));
    d.close();
    expect(await d.waitForEvents(10_000)).toBe(true);
    expect(d.poll()).toHaveLength(1);
    expect(await d.waitForEvents(10_000)).toBe(false);
  });

  it('a consumer thread sleeping on the ring wakes and ends, after draining; every shard of a ShardedDispatcher', async () => {
    const rings = new ShardedDispatcher({ shards: 2, maxSize: 64, logger: silentLogger });
    const consumers = rings.shards.map((d) => consumerThread(d));
    await Promise.all(consumers.map((c) => c.ready));
    for (let i = 0; i < 5; i++) rings.shards[0]!.push(event(i));
    rings.close();
    const ended = await within(Promise.all(consumers.map((c) => c.ended)), 2000, 'both consumer threads ending');
    expect(ended).toEqual([
      { type: 'ended', n: 5, closed: true },
      { type: 'ended', n: 0, closed: true },
    ]);
  });

  it('no lost wake-up: closing at any moment around the consumer going to sleep ends it (repeated)', async () => {
    for (let round = 0; round < 6; round++) {
      const d = new Dispatcher({ maxSize: 8, logger: silentLogger, spinBeforeSleepUs: 0 });
      const c = consumerThread(d);
      // Listened for from the start: a worker that ends while this thread is
      // busy has its last message and its 'exit' emitted in one go, before
      // a listener added after the message could see the exit.
      const exited = once(c.worker, 'exit');
      await c.ready;
      // Close right away in some rounds (the consumer may be between its last check and its sleep), later in others.
      if (round % 2 === 1) await new Promise((r) => setImmediate(r));
      d.close();
      expect(await within(c.ended, 2000, `round ${round}: the consumer ending`)).toMatchObject({ n: 0, closed: true });
      await within(exited, 10_000, `round ${round}: the consumer thread exiting`);
    }
  });
});

describe('Dispatcher.settleDeadProducer()', () => {
  it('uncounts a push counted but never published (what a producer stopped mid-push leaves), and nothing else', () => {
    for (const overflow of ['drop-oldest', 'reject-newest'] as const) {
      const d = new Dispatcher({ maxSize: 4, overflow, logger: silentLogger });
      for (let i = 0; i < 6; i++) d.push(event(i)); // full: evictions or refusals
      d.poll(1);
      expect(d.settleDeadProducer(), overflow).toBe(false);
      const f64 = new Float64Array(d.handle.buffer, 0, 64);
      f64[W.pushed] = f64[W.pushed]! + 1; // counted, then stopped before the write index moved
      expect(identityHolds(d.stats()), overflow).toBe(false);
      expect(d.settleDeadProducer(), overflow).toBe(true);
      expect(identityHolds(d.stats()), overflow).toBe(true);
      expect(d.settleDeadProducer(), overflow).toBe(false);
    }
  });

  it('a producer thread terminated while pushing flat out: after settling, the counts agree every time', async () => {
    const backend = process.env.SETTRADE_FEED_BACKEND === 'js' ? 'js' : 'native';
    for (let kill = 0; kill < 12; kill++) {
      const d = new Dispatcher({ maxSize: 64, logger: silentLogger, preTouchMemory: false });
      const done = new Int32Array(new SharedArrayBuffer(4));
      const worker = startModuleWorker(new URL('./workers/ring-producer.ts', import.meta.url), {
        workerData: { handle: d.handle, backend, count: Number.MAX_SAFE_INTEGER, done },
      });
      workers.push(worker);
      // Past its start-up and evicting (the ring is full), killed at a different point each round.
      await until(() => d.stats().totalPushed > 2000 + kill * 997, 'the producer pushing', 20_000);
      await worker.terminate();
      d.settleDeadProducer();
      expect(identityHolds(d.stats()), `kill ${kill}`).toBe(true);
    }
  });
});
