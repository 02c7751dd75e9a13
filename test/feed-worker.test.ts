/**
 * createFeed: client + adapter in a worker thread producing into a ring the
 * test thread consumes (and the same in-thread), against the simulator.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createFeed, type Feed } from '../src/feed/feed.js';
import type { FullBidOffer } from '../src/events/types.js';
import { Simulator, type PublishedMessage } from '../src/sim/index.js';
import type { ClientState, SettradeError } from '../src/transport/index.js';
import { shardOf } from '../src/dispatcher/index.js';
import { silentLogger } from '../src/util/logger.js';
import { until } from './helpers/until.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, connectTimeoutMs: 3000 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `symbols`: published whether or not anyone subscribes (the default publishes subscribed symbols only). */
async function startSim(symbols: string[] = []) {
  const sim = new Simulator({ symbols, ratePerSymbol: 200 });
  const info = await sim.start();
  cleanups.push(() => sim.stop());
  const published = new Map<string, PublishedMessage[]>();
  sim.on('published', (m) => published.set(m.symbol, [...(published.get(m.symbol) ?? []), m]));
  return { sim, published, ...info };
}

const view = (e: FullBidOffer) => ({ bidPrices: [...e.bidPrices], askPrices: [...e.askPrices], bidVolumes: [...e.bidVolumes], askVolumes: [...e.askVolumes], bidFlag: e.bidFlag, askFlag: e.askFlag });

for (const worker of [true, false]) {
  describe(`createFeed({ worker: ${worker} })`, () => {
    it('delivers the published books, forwards state and reconnects, reports stats, and shuts down', async () => {
      const { sim, published, baseUrl, credentials } = await startSim(['AOT']);
      const states: ClientState[] = [];
      const feed: Feed<'fullBidOffer'> = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['aot', 'PTT'], fullDepth: true, maxSize: 8192, worker, logger: silentLogger });
      cleanups.push(() => feed.shutdown());
      expect(feed.inWorker).toBe(worker);
      feed.on('state', (s) => states.push(s));
      expect(feed.subscribedSymbols).toEqual(['AOT', 'PTT']);
      const events: FullBidOffer[] = [];
      const collect = () => events.push(...feed.dispatcher.poll(1000));
      await until(() => (collect(), events.filter((e) => e.symbol === 'PTT').length >= 40), 'events', 15_000);
      for (const sym of ['AOT', 'PTT']) {
        const mine = events.filter((e) => e.symbol === sym);
        const pub = (published.get(sym) ?? []).map((m) => m.book);
        const start = pub.findIndex((b) => JSON.stringify(b) === JSON.stringify(view(mine[0]!)));
        expect(start).toBeGreaterThanOrEqual(0);
        expect(mine.map(view)).toEqual(pub.slice(start, start + mine.length));
      }
      expect(events.every((e) => e.connectionEpoch === 0)).toBe(true);

      const reconnected = new Promise<number>((r) => feed.on('reconnect', (i) => r(i.epoch)));
      sim.faults.dropConnections();
      expect(await reconnected).toBe(1);
      expect(states).toEqual(expect.arrayContaining(['RECONNECTING', 'CONNECTED']));
      await until(() => (collect(), events.some((e) => e.connectionEpoch === 1)), 'epoch 1 events', 15_000);

      feed.subscribe('kbank');
      await until(() => (collect(), events.some((e) => e.symbol === 'KBANK')), 'a symbol added later', 15_000);
      feed.unsubscribe('AOT');
      expect(() => feed.subscribe('A/B')).toThrow(/invalid symbol/);

      // The worker keeps producing while its stats travel here: every parsed message is one push,
      // so the count it reports lies between the ring's totals read before and after the request.
      const pushedBefore = feed.dispatcher.stats().totalPushed;
      const stats = await feed.stats();
      const pushedAfter = feed.dispatcher.stats().totalPushed;
      expect(stats.client).toMatchObject({ state: 'CONNECTED', reconnectEpoch: 1 });
      expect(stats.adapter).toMatchObject({ fullDepth: true, parseErrors: 0, callbackErrors: 0, subscribedSymbols: ['KBANK', 'PTT'] });
      expect(stats.adapter.messagesParsed).toBeGreaterThanOrEqual(pushedBefore);
      expect(stats.adapter.messagesParsed).toBeLessThanOrEqual(pushedAfter);
      if (!worker) expect(stats.adapter.messagesParsed).toBe(pushedAfter); // in-thread: read at rest, exact

      await feed.shutdown();
      await feed.shutdown();
      if (worker) await expect(feed.stats()).rejects.toMatchObject({ code: 'ERR_SHUTDOWN' });
      else expect((await feed.stats()).client.state).toBe('SHUTDOWN');
      // Nothing is produced after shutdown, while the simulator goes on publishing.
      const pushed = feed.dispatcher.stats().totalPushed;
      const publishedAtShutdown = sim.stats().totalPublished;
      await until(() => sim.stats().totalPublished >= publishedAtShutdown + 40, 'the simulator to publish 40 more books');
      expect(feed.dispatcher.stats().totalPushed).toBe(pushed);
    });

    it('shards: each symbol lands on its own ring (shardOf), complete and in publish order', async () => {
      const { published, baseUrl, credentials } = await startSim();
      const symbols = ['AOT', 'PTT', 'KBANK', 'SCB', 'CPALL', 'DELTA'];
      const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols, fullDepth: true, shards: 3, maxSize: 4096, worker, logger: silentLogger });
      cleanups.push(() => feed.shutdown());
      expect(feed.shards).toHaveLength(3);
      expect(feed.dispatcher).toBe(feed.shards[0]);
      const perShard: FullBidOffer[][] = [[], [], []];
      const collect = () => feed.shards.forEach((d, i) => perShard[i]!.push(...d.poll(1000)));
      await until(() => (collect(), symbols.every((s) => perShard.flat().filter((e) => e.symbol === s).length >= 20)), 'every symbol', 15_000);
      await feed.shutdown();
      collect();
      for (const sym of symbols) {
        const home = shardOf(sym, 3);
        perShard.forEach((events, i) => {
          if (i !== home) expect(events.some((e) => e.symbol === sym)).toBe(false);
        });
        const mine = perShard[home]!.filter((e) => e.symbol === sym);
        const pub = (published.get(sym) ?? []).map((m) => m.book);
        const start = pub.findIndex((b) => JSON.stringify(b) === JSON.stringify(view(mine[0]!)));
        expect(start).toBeGreaterThanOrEqual(0);
        expect(mine.map(view)).toEqual(pub.slice(start, start + mine.length));
      }
      // More than one ring carried events: the routing spreads these symbols.
      expect(perShard.filter((events) => events.length > 0).length).toBeGreaterThan(1);
      expect(feed.shards.reduce((n, d) => n + d.stats().totalDropped, 0)).toBe(0);
    });

    it("the ring's drop-rate warning and recovery reach the caller's logger", async () => {
      const { baseUrl, credentials } = await startSim();
      const logged: { level: string; msg: string | undefined }[] = [];
      const record =
        (level: string) =>
        (_obj: object, msg?: string): void => {
          logged.push({ level, msg });
        };
      const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
      // A 16-event ring nobody polls: drop-oldest evicts on every push once it is full.
      const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: false, maxSize: 16, worker, logger });
      cleanups.push(() => feed.shutdown());
      await until(() => logged.some((l) => l.level === 'warn' && /drop rate above threshold/.test(l.msg ?? '')), 'the drop warning', 15_000);
      expect(feed.dispatcher.stats().totalDropped).toBeGreaterThan(0);
      // Keep up from now on: the EMA decays and the recovery is logged.
      await until(() => (feed.dispatcher.drain(() => {}), logged.some((l) => l.level === 'info' && /drop rate recovered/.test(l.msg ?? ''))), 'the recovery', 15_000);
    });

    it('ring options: preTouchMemory reaches the rings; bad ring options name the option before anything connects', async () => {
      const { baseUrl, credentials } = await startSim();
      const feed = await createFeed({ ...credentials, baseUrl, ...fast, fullDepth: false, maxSize: 64, preTouchMemory: false, worker, logger: silentLogger });
      cleanups.push(() => feed.shutdown());
      expect(feed.dispatcher.handle.preTouchMemory).toBe(false);
      const bad = (over: Record<string, unknown>) => createFeed({ ...credentials, baseUrl, ...fast, fullDepth: false, worker, logger: silentLogger, ...over });
      await expect(bad({ preTouchMemory: 'yes' })).rejects.toThrow(/preTouchMemory/);
      await expect(bad({ maxSize: 0 })).rejects.toThrow(/maxSize/);
    });

    it('wrong credentials reject createFeed with a clear error', async () => {
      const { baseUrl, credentials } = await startSim();
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const appSecret = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64');
      const errors: SettradeError[] = [];
      const err = (await createFeed({ ...credentials, appSecret, baseUrl, ...fast, maxRetries: 1, fullDepth: false, worker, logger: silentLogger }).catch(
        (e: unknown) => e,
      )) as SettradeError;
      // Wrong credentials on the first connect fail fast with their own code (no retries).
      expect(err).toMatchObject({ code: 'ERR_AUTH_REJECTED' });
      expect(err.message).toMatch(/login rejected: HTTP 401/);
      expect(err.message).not.toContain(appSecret);
      expect(errors).toEqual([]);
    });
  });
}
