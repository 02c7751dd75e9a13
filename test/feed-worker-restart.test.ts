/**
 * The feed's worker is supervised: killed from outside (`terminate()`), by an
 * uncaught exception or by `process.exit`, it is restarted on the same rings
 * and events resume with a higher epoch, nothing lost from the ring's counters
 * and nothing torn; past the restart limit the feed ends loudly
 * (WORKER_EXITED, SHUTDOWN) and every consumer's `events()` ends, in this
 * thread and in consumer threads. Real simulator, real worker threads.
 * The kills go through the test-only `feedInternals(feed)` hooks (feed-supervisor.ts).
 */
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createFeed, FeedWorkerExitedError, type Feed, type FeedReconnectInfo } from '../src/feed/feed.js';
import { feedInternals } from '../src/feed/feed-supervisor.js';
import type { FullBidOffer } from '../src/events/types.js';
import { Simulator, type PublishedMessage } from '../src/sim/index.js';
import type { ClientState, SettradeError } from '../src/transport/index.js';
import { silentLogger } from '../src/util/logger.js';
import { consumerThread, identityHolds, notPublishedInOrder, within } from './helpers/feed-checks.js';
import { until } from './helpers/until.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, connectTimeoutMs: 3000 };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startSim(ratePerSymbol = 200) {
  const sim = new Simulator({ symbols: [], ratePerSymbol });
  const info = await sim.start();
  cleanups.push(() => sim.stop());
  const published = new Map<string, PublishedMessage[]>();
  sim.on('published', (m) => {
    let list = published.get(m.symbol);
    if (!list) published.set(m.symbol, (list = []));
    list.push(m);
  });
  return { sim, published, ...info };
}

/** The next `reconnect` whose reason is 'worker-restart'. */
function nextRestart(feed: Feed): Promise<FeedReconnectInfo> {
  return new Promise((resolve) => {
    const listener = (info: FeedReconnectInfo): void => {
      if (info.reason !== 'worker-restart') return;
      feed.off('reconnect', listener);
      resolve(info);
    };
    feed.on('reconnect', listener);
  });
}

function nextError(feed: Feed): Promise<SettradeError> {
  return new Promise((resolve) => {
    const listener = (err: SettradeError): void => {
      feed.off('error', listener);
      resolve(err);
    };
    feed.on('error', listener);
  });
}

/** Counts what `events()` yields until it ends. */
async function consume(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of iterable) n++;
  return n;
}

describe('createFeed({ worker: true }): a dead worker is restarted', () => {
  it('terminated from outside, throwing, or calling process.exit: events resume with a higher epoch, none lost or torn', async () => {
    const { sim, published, baseUrl, credentials } = await startSim(300);
    const symbols = ['AOT', 'PTT', 'KBANK', 'SCB'];
    const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols, fullDepth: true, maxSize: 1 << 15, logger: silentLogger });
    cleanups.push(() => feed.shutdown());
    const internals = feedInternals(feed);
    const events: FullBidOffer[] = [];
    const collect = (): void => {
      events.push(...(feed.dispatcher.poll(4096) as FullBidOffer[]));
    };
    const states: ClientState[] = [];
    const errors: SettradeError[] = [];
    const atRestWhenDead: boolean[] = [];
    feed.on('error', (e) => errors.push(e));
    feed.on('state', (s) => {
      states.push(s);
      // RECONNECTING comes as the worker's exit is seen: no producer, and this
      // thread is the only one touching the ring, so the ring is at rest.
      if (s === 'RECONNECTING') atRestWhenDead.push(identityHolds(feed.dispatcher.stats()));
    });

    const kills: { name: string; kill: () => unknown; exitCode: number; cause?: RegExp }[] = [
      { name: 'terminate()', kill: () => internals.worker()!.terminate(), exitCode: 1 },
      { name: 'an uncaught exception', kill: () => internals.crash('throw'), exitCode: 1, cause: /test hook: crash/ },
      { name: 'process.exit(7)', kill: () => internals.crash({ exitCode: 7 }), exitCode: 7 },
    ];
    let restartsSeen = 0;
    for (const k of kills) {
      const from = events.length;
      await until(() => (collect(), events.length - from >= 40), `events before ${k.name}`, 15_000);
      if (k.name === 'terminate()') {
        // Kill it while it is busy pushing: a burst far above the normal rate.
        const pushed = feed.dispatcher.stats().totalPushed;
        sim.burst(5000, 1500);
        await until(() => (collect(), feed.dispatcher.stats().totalPushed - pushed >= 500), 'the burst arriving', 15_000);
      }
      collect();
      const lastEpoch = Math.max(...events.map((e) => e.connectionEpoch));
      const restarted = nextRestart(feed);
      void k.kill();
      const info = await within(restarted, 30_000, `the restart after ${k.name}`);
      restartsSeen++;
      expect(info, k.name).toMatchObject({ reason: 'worker-restart', exitCode: k.exitCode, subscriptions: symbols.length });
      if (k.cause) expect(info.cause, k.name).toMatch(k.cause);
      else expect(info.cause, k.name).toBeUndefined();
      expect(info.epoch, k.name).toBeGreaterThan(lastEpoch);
      await until(() => (collect(), events.some((e) => e.connectionEpoch === info.epoch)), `events of epoch ${info.epoch} after ${k.name}`, 15_000);
      expect(atRestWhenDead).toHaveLength(restartsSeen);
    }

    expect(atRestWhenDead).toEqual([true, true, true]);
    expect(errors).toEqual([]); // a restart is reported by reconnect, not as an error
    expect(states.filter((s) => s === 'RECONNECTING')).toHaveLength(3);
    expect(states.at(-1)).toBe('CONNECTED');
    const stats = await within(feed.stats(), 10_000, 'stats');
    expect(stats.workerRestarts).toBe(3);
    expect(stats.client.state).toBe('CONNECTED');
    expect(stats.adapter.subscribedSymbols).toEqual([...symbols].sort());

    await feed.shutdown();
    collect();
    const s = feed.dispatcher.stats();
    expect(s).toMatchObject({ queueLen: 0, totalDropped: 0, totalPolled: events.length });
    expect(identityHolds(s)).toBe(true);
    // Epochs never go back (the ring is FIFO and every new worker starts past the last).
    expect(events.findIndex((e, i) => i > 0 && e.connectionEpoch < events[i - 1]!.connectionEpoch)).toBe(-1);
    expect(new Set(events.map((e) => e.connectionEpoch)).size).toBe(4);
    expect(notPublishedInOrder(events, published)).toEqual([]);
  }, 120_000); // three worker start-ups: slow on a loaded machine

  it('restarts outside workerRestartWindowMs do not count towards the limit', async () => {
    const { baseUrl, credentials } = await startSim();
    // A 1 ms window: by the time a worker is back (>= 100 ms), the restart before it has left the window.
    const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: false, logger: silentLogger, maxWorkerRestarts: 1, workerRestartWindowMs: 1 });
    cleanups.push(() => feed.shutdown());
    const errors: SettradeError[] = [];
    feed.on('error', (e) => errors.push(e));
    const epochs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const restarted = nextRestart(feed);
      feedInternals(feed).crash({ exitCode: 3 });
      epochs.push((await restarted).epoch);
    }
    expect(epochs).toEqual([1, 2, 3]);
    expect(errors).toEqual([]);
    expect(feed.state).toBe('CONNECTED');
    expect((await feed.stats()).workerRestarts).toBe(3);
  });

  it('past maxWorkerRestarts: one WORKER_EXITED error, SHUTDOWN, events() ends within 2 s, subscribe throws, stats rejects', async () => {
    const { baseUrl, credentials } = await startSim();
    const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT', 'PTT'], fullDepth: false, logger: silentLogger, maxWorkerRestarts: 1 });
    cleanups.push(() => feed.shutdown());
    const errors: SettradeError[] = [];
    const states: ClientState[] = [];
    feed.on('error', (e) => errors.push(e));
    feed.on('state', (s) => states.push(s));
    const consumed = consume(feed.dispatcher.events());
    await until(() => feed.dispatcher.stats().totalPolled > 0, 'events', 15_000);

    const restarted = nextRestart(feed);
    feedInternals(feed).crash({ exitCode: 9 });
    expect(await restarted).toMatchObject({ exitCode: 9, epoch: 1 });
    const failed = nextError(feed);
    feedInternals(feed).crash('throw');
    const err = await failed;
    const n = await within(consumed, 2000, 'events() ending');

    expect(err).toBeInstanceOf(FeedWorkerExitedError);
    expect(err).toMatchObject({ code: 'ERR_WORKER_EXITED', exitCode: 1, restarts: 1 });
    expect(err.message).toMatch(/code 1: Error: feed worker test hook: crash/);
    expect(feed.state).toBe('SHUTDOWN');
    expect(states.at(-1)).toBe('SHUTDOWN');
    expect(() => feed.subscribe('KBANK')).toThrow(expect.objectContaining({ code: 'ERR_WORKER_EXITED' }));
    await expect(feed.stats()).rejects.toMatchObject({ code: 'ERR_WORKER_EXITED' });
    await feed.shutdown(); // a no-op that resolves
    expect(errors.map((e) => e.code)).toEqual(['ERR_WORKER_EXITED']);
    expect(feed.dispatcher.closed).toBe(true);
    const s = feed.dispatcher.stats();
    expect(identityHolds(s)).toBe(true);
    expect(s).toMatchObject({ queueLen: 0, totalPolled: n });
  });

  it('sharded: past the limit every shard consumer ends within 2 s, in this thread and in consumer threads', async () => {
    const { baseUrl, credentials } = await startSim();
    const symbols = ['AOT', 'PTT', 'TRUE', 'BDMS']; // shards 1, 2, 0, 0
    const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols, fullDepth: false, shards: 3, logger: silentLogger, maxWorkerRestarts: 0 });
    cleanups.push(() => feed.shutdown());
    const threads: Worker[] = [];
    cleanups.push(() => Promise.all(threads.map((w) => w.terminate())));
    const here = [consume(feed.shards[0]!.events()), consume(feed.shards[1]!.events())];
    const there = consumerThread(feed.shards[2]!);
    threads.push(there.worker);
    await there.ready;
    await until(() => feed.shards.every((d) => d.stats().totalPolled > 0), 'events on every shard', 15_000);

    const failed = nextError(feed);
    feedInternals(feed).crash({ exitCode: 3 });
    expect(await failed).toMatchObject({ code: 'ERR_WORKER_EXITED', exitCode: 3, restarts: 0 });
    const [[n0, n1], remote] = await within(Promise.all([Promise.all(here), there.ended]), 2000, 'every shard consumer ending');
    expect(remote.closed).toBe(true);
    expect(feed.state).toBe('SHUTDOWN');
    expect(() => feed.subscribe('AOT')).toThrow(expect.objectContaining({ code: 'ERR_WORKER_EXITED' }));
    await expect(feed.stats()).rejects.toMatchObject({ code: 'ERR_WORKER_EXITED' });
    [n0, n1, remote.n].forEach((n, i) => {
      const s = feed.shards[i]!.stats();
      expect(identityHolds(s), `shard ${i}`).toBe(true);
      expect(s, `shard ${i}`).toMatchObject({ queueLen: 0, totalPolled: n });
    });
  });

  it('shutdown() while a dead worker waits for its restart: no new worker, consumers end', async () => {
    const { baseUrl, credentials } = await startSim();
    const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: false, logger: silentLogger });
    const consumed = consume(feed.dispatcher.events());
    const reconnects: FeedReconnectInfo[] = [];
    feed.on('reconnect', (i) => reconnects.push(i));
    const dead = new Promise<void>((resolve) => feed.on('state', (s) => s === 'RECONNECTING' && resolve()));
    feedInternals(feed).crash({ exitCode: 5 });
    await dead;
    expect(feedInternals(feed).worker()).toBeUndefined();
    await feed.shutdown();
    await within(consumed, 2000, 'events() ending');
    expect(feed.state).toBe('SHUTDOWN');
    expect(feedInternals(feed).worker()).toBeUndefined();
    expect(reconnects).toEqual([]);
    await expect(feed.stats()).rejects.toMatchObject({ code: 'ERR_SHUTDOWN' });
  });
});
