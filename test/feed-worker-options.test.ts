/**
 * createFeed's options (one zod schema: each bad value names its field,
 * unknown keys are refused), `initialEpoch`, `subscribeError` forwarding and
 * its counter, and shutdown() ending every consumer's iterator, in worker
 * and in-thread mode. Real simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFeed, type Feed, type FeedOptions } from '../src/feed/feed.js';
import { feedInternals } from '../src/feed/feed-supervisor.js';
import { createMetrics } from '../src/metrics/index.js';
import { Simulator } from '../src/sim/index.js';
import { SettradeConfigError } from '../src/transport/errors.js';
import type { SubscribeErrorEvent } from '../src/protocol/subscribe-error.js';
import { silentLogger } from '../src/util/logger.js';
import { identityHolds, within } from './helpers/feed-checks.js';
import { until } from './helpers/until.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, connectTimeoutMs: 3000 };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startSim() {
  const sim = new Simulator({ symbols: [], ratePerSymbol: 200 });
  const info = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, ...info };
}

async function started(options: FeedOptions): Promise<Feed> {
  const feed = await createFeed(options);
  cleanups.push(() => feed.shutdown());
  return feed;
}

describe('createFeed options', () => {
  // Nothing here reaches a server: every case fails validation first.
  const base = { endpoint: 'mqtt://127.0.0.1:1', fullDepth: false, logger: silentLogger };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['symbols', { symbols: 'AOT' }, /^symbols: .*expected array/],
    ['symbols.0', { symbols: [42] }, /^symbols\.0: .*expected string/],
    ['worker', { worker: 'no' }, /^worker: .*expected boolean/],
    ['fullDepth', { fullDepth: undefined }, /^fullDepth: /],
    ['maxSize', { maxSize: 0 }, /^maxSize: /],
    ['shards', { shards: 65 }, /^shards: /],
    ['overflow', { overflow: 'drop-newest' }, /^overflow: /],
    ['preTouchMemory', { preTouchMemory: 'yes' }, /^preTouchMemory: /],
    ['maxWorkerRestarts', { maxWorkerRestarts: -1 }, /^maxWorkerRestarts: /],
    ['maxWorkerRestarts', { maxWorkerRestarts: 1.5 }, /^maxWorkerRestarts: /],
    ['workerRestartWindowMs', { workerRestartWindowMs: 0 }, /^workerRestartWindowMs: /],
    ['workerResourceLimits.maxYoungGenerationSizeMb', { workerResourceLimits: { maxYoungGenerationSizeMb: -4 } }, /^workerResourceLimits\.maxYoungGenerationSizeMb: /],
    ['workerResourceLimits.youngGenMb', { workerResourceLimits: { youngGenMb: 4 } }, /^workerResourceLimits\.youngGenMb: unknown option/],
    ['symbol', { symbol: ['AOT'] }, /^symbol: unknown option \(did you mean 'symbols'\?\)/],
    ['colour', { colour: 'red' }, /^colour: unknown option$/],
    ['logger', { logger: { info() {} } }, /^logger: must have debug, info, warn and error methods/],
    // A client key: the client validates it.
    ['initialEpoch', { initialEpoch: -1 }, /^initialEpoch: /],
  ];
  for (const [field, over, message] of cases) {
    it(`${JSON.stringify(over)} is refused, naming ${field}`, async () => {
      const err = (await createFeed({ ...base, ...over } as FeedOptions).catch((e: unknown) => e)) as SettradeConfigError;
      expect(err).toBeInstanceOf(SettradeConfigError);
      expect(err).toMatchObject({ field, code: 'ERR_CONFIG_INVALID' });
      expect(err.message).toMatch(message);
    });
  }

  it('a symbol that is not valid is refused before anything starts', async () => {
    await expect(createFeed({ ...base, symbols: ['A/B'] })).rejects.toThrow(/invalid symbol/);
  });
});

for (const worker of [true, false]) {
  describe(`createFeed({ worker: ${worker} })`, () => {
    it('initialEpoch: the first session carries it, a reconnect adds 1', async () => {
      const { sim, baseUrl, credentials } = await startSim();
      const feed = await started({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: false, worker, logger: silentLogger, initialEpoch: 41 });
      const epochs = new Set<number>();
      const collect = (): void => void feed.dispatcher.drain((v) => epochs.add(v.toEvent().connectionEpoch));
      await until(() => (collect(), epochs.size > 0), 'events', 15_000);
      expect([...epochs]).toEqual([41]);
      const reconnected = new Promise<number>((resolve) => feed.on('reconnect', (i) => resolve(i.epoch)));
      sim.faults.dropConnections();
      expect(await reconnected).toBe(42);
      await until(() => (collect(), epochs.has(42)), 'epoch 42 events', 15_000);
      expect((await feed.stats()).client.reconnectEpoch).toBe(42);
    });

    if (worker) {
      it('workerResourceLimits reach the worker: a small young generation still delivers every book', async () => {
        const { baseUrl, credentials } = await startSim();
        const feed = await started({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: true, worker, logger: silentLogger, workerResourceLimits: { maxYoungGenerationSizeMb: 4 } });
        let n = 0;
        await until(() => ((n += feed.dispatcher.drain(() => undefined)), n >= 50), '50 books', 15_000);
        expect(feedInternals(feed).worker()?.resourceLimits?.maxYoungGenerationSizeMb).toBe(4);
      });
    }

    it('subscribeError: a symbol the service does not know is reported by the feed, counted in stats and in the metrics', async () => {
      const { baseUrl, credentials } = await startSim();
      const feed = await started({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: false, worker, logger: silentLogger });
      const seen: SubscribeErrorEvent[] = [];
      feed.on('subscribeError', (e) => seen.push(e));
      // Outside the simulator's universe: the service grants the SUBSCRIBE, then reports it on the error topic.
      feed.subscribe('ZZZNOPE');
      await until(() => seen.length === 1, 'the subscribeError event', 10_000);
      expect(seen[0]).toMatchObject({ symbol: 'ZZZNOPE', topic: 'proto/topic/bidofferv3/ZZZNOPE' });
      const stats = await feed.stats();
      expect(stats.subscribeErrors).toBe(1);
      expect(stats.adapter.subscribeErrors).toBe(1);
      const text = await createMetrics({ feed }).metrics();
      expect(text).toMatch(/^settrade_feed_subscribe_errors_total 1$/m);
      expect(text).toMatch(/^settrade_feed_worker_restarts_total 0$/m);
      if (!worker) return;
      // The feed's count survives a worker restart (the new worker's adapter starts from 0).
      const restarted = new Promise<void>((resolve) => feed.on('reconnect', (i) => i.reason === 'worker-restart' && resolve()));
      feedInternals(feed).crash({ exitCode: 4 });
      await restarted;
      // Resubscribed by the new worker, so rejected again.
      await until(() => seen.length === 2, 'the rejection again after the restart', 10_000);
      const after = await feed.stats();
      expect(after).toMatchObject({ subscribeErrors: 2, workerRestarts: 1 });
      expect(after.adapter.subscribeErrors).toBe(1);
    });

    it('shutdown() ends every shard\'s events() once drained, and later subscribes throw', async () => {
      const { baseUrl, credentials } = await startSim();
      const symbols = ['KBANK', 'ADVANC', 'SCB', 'CPALL']; // shards 0, 0, 1, 1 of 2
      const feed = await started({ ...credentials, baseUrl, ...fast, symbols, fullDepth: false, shards: 2, worker, logger: silentLogger });
      expect(feed.inWorker).toBe(worker);
      const consumers = feed.shards.map(async (d) => {
        let n = 0;
        for await (const _ of d.events()) n++;
        return n;
      });
      await until(() => feed.shards.every((d) => d.stats().totalPolled > 0), 'events on both shards', 15_000);
      await feed.shutdown();
      const counts = await within(Promise.all(consumers), 2000, 'both iterators ending');
      expect(feed.state).toBe('SHUTDOWN');
      feed.shards.forEach((d, i) => {
        const s = d.stats();
        expect(identityHolds(s), `shard ${i}`).toBe(true);
        expect(s, `shard ${i}`).toMatchObject({ queueLen: 0, totalPolled: counts[i] });
      });
      expect(() => feed.subscribe('KBANK')).toThrow(expect.objectContaining({ code: 'ERR_SHUTDOWN' }));
    });
  });
}
