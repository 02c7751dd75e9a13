/**
 * BidOfferAdapter end to end against the embedded simulator: decoded values
 * equal what the simulator published (both kinds, callback and dispatcher
 * paths), error isolation, unsubscribe, validation, and epochs across a
 * forced reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BidOfferAdapter } from '../src/adapter/adapter.js';
import { Dispatcher } from '../src/dispatcher/index.js';
import { isBestBidAsk, isFullBidOffer, type BestBidAsk, type FullBidOffer } from '../src/events/types.js';
import { Simulator, type PublishedMessage } from '../src/sim/index.js';
import { SettradeClient } from '../src/transport/index.js';
import { silentLogger } from '../src/util/logger.js';
import { until } from './helpers/until.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, connectTimeoutMs: 3000, logger: silentLogger };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  sim: Simulator;
  client: SettradeClient;
  published: Map<string, PublishedMessage[]>;
}

async function rig(simOpts: ConstructorParameters<typeof Simulator>[0] = {}): Promise<Rig> {
  const sim = new Simulator({ symbols: [], ratePerSymbol: 200, ...simOpts });
  const { baseUrl, credentials } = await sim.start();
  cleanups.push(() => sim.stop());
  const published = new Map<string, PublishedMessage[]>();
  sim.on('published', (m) => {
    const list = published.get(m.symbol) ?? [];
    list.push(m);
    published.set(m.symbol, list);
  });
  const client = new SettradeClient({ ...credentials, baseUrl, ...fast });
  cleanups.push(() => client.shutdown());
  return { sim, client, published };
}

function asFull(e: FullBidOffer) {
  return { bidPrices: [...e.bidPrices], askPrices: [...e.askPrices], bidVolumes: [...e.bidVolumes], askVolumes: [...e.askVolumes], bidFlag: e.bidFlag, askFlag: e.askFlag };
}
function asBest(e: BestBidAsk) {
  return { bid: e.bid, ask: e.ask, bidVol: e.bidVol, askVol: e.askVol, bidFlag: e.bidFlag, askFlag: e.askFlag };
}
function bestOf(m: PublishedMessage) {
  const b = m.book;
  return { bid: b.bidPrices[0], ask: b.askPrices[0], bidVol: b.bidVolumes[0], askVol: b.askVolumes[0], bidFlag: b.bidFlag, askFlag: b.askFlag };
}

/**
 * Received events of a symbol must be a contiguous run of what was published
 * for it (loopback, QoS 0, one connection: nothing lost or reordered): find
 * where the run starts, then compare every event with its published book.
 */
function expectMatchesPublished<E>(events: E[], published: PublishedMessage[], view: (e: E) => object, oracle: (m: PublishedMessage) => object): void {
  expect(events.length).toBeGreaterThan(0);
  const first = JSON.stringify(view(events[0] as E));
  const start = published.findIndex((m) => JSON.stringify(oracle(m)) === first);
  expect(start).toBeGreaterThanOrEqual(0);
  const expected = published.slice(start, start + events.length).map(oracle);
  expect(events.map(view)).toEqual(expected);
}

describe('BidOfferAdapter with the simulator', () => {
  for (const fullDepth of [true, false]) {
    const kind = fullDepth ? 'FullBidOffer' : 'BestBidAsk';

    it(`onEvent: ${kind} values equal what the simulator published, stamped and frozen`, async () => {
      const { sim, client, published } = await rig();
      const events: (BestBidAsk | FullBidOffer)[] = [];
      const adapter = new BidOfferAdapter({ client, fullDepth, onEvent: (e) => events.push(e), logger: silentLogger });
      expect(adapter.subscribe('aot')).toBe('AOT');
      adapter.subscribe('PTT');
      adapter.subscribe('Ptt'); // duplicate
      expect(adapter.subscribedSymbols).toEqual(['AOT', 'PTT']);
      expect(client.subscriptions).toEqual(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']);
      const wall0 = BigInt(Date.now()) * 1_000_000n;
      const mono0 = process.hrtime.bigint();
      await client.connect();
      await until(() => events.length >= 20, 'first events');
      sim.setPhase('ATO');
      await until(() => events.filter((e) => e.bidFlag === 2).length >= 20, 'auction events');
      sim.setPhase('NORMAL');
      await until(() => events.filter((e) => e.symbol === 'PTT').length >= 60 && events.filter((e) => e.symbol === 'AOT').length >= 60, 'events');
      for (const sym of ['AOT', 'PTT']) {
        const mine = events.filter((e) => e.symbol === sym);
        expect(mine.every(fullDepth ? isFullBidOffer : isBestBidAsk)).toBe(true);
        if (fullDepth) expectMatchesPublished(mine.filter(isFullBidOffer), published.get(sym) ?? [], asFull, (m) => m.book);
        else expectMatchesPublished(mine.filter(isBestBidAsk), published.get(sym) ?? [], asBest, bestOf);
      }
      // Auction events (zero prices, ATO flags) and normal ones both came through.
      expect(events.some((e) => e.bidFlag === 2)).toBe(true);
      expect(events.some((e) => e.bidFlag === 1)).toBe(true);
      const e = events[events.length - 1]!;
      expect(Object.isFrozen(e)).toBe(true);
      expect(e.connectionEpoch).toBe(0);
      expect(typeof e.recvTs).toBe('bigint');
      expect(e.recvTs >= wall0 && e.recvTs <= BigInt(Date.now() + 1) * 1_000_000n).toBe(true);
      expect(e.recvMonoNs > mono0 && e.recvMonoNs <= process.hrtime.bigint()).toBe(true);
      const s = adapter.stats();
      expect(s).toMatchObject({ parseErrors: 0, callbackErrors: 0, fullDepth, subscribedSymbols: ['AOT', 'PTT'] });
      expect(s.messagesParsed).toBe(events.length);
    });

    it(`dispatcher: ${kind} decoded straight into the ring, same values`, async () => {
      const { client, published } = await rig();
      const d = new Dispatcher({ kind: fullDepth ? 'fullBidOffer' : 'bestBidAsk', maxSize: 4096, logger: silentLogger });
      const adapter = new BidOfferAdapter({ client, fullDepth, dispatcher: d, logger: silentLogger });
      adapter.subscribe('KBANK');
      await client.connect();
      const events: (BestBidAsk | FullBidOffer)[] = [];
      await until(() => {
        events.push(...d.poll(1000));
        return events.length >= 80;
      }, 'events through the ring');
      expect(events.every(fullDepth ? isFullBidOffer : isBestBidAsk)).toBe(true);
      if (fullDepth) expectMatchesPublished(events.filter(isFullBidOffer), published.get('KBANK') ?? [], asFull, (m) => m.book);
      else expectMatchesPublished(events.filter(isBestBidAsk), published.get('KBANK') ?? [], asBest, bestOf);
      expect(events.every((e) => e.symbol === 'KBANK' && e.connectionEpoch === 0 && e.recvTs > 0n && e.recvMonoNs > 0n)).toBe(true);
      expect(adapter.stats().messagesParsed).toBe(d.stats().totalPushed);
    });
  }

  it('wrong dispatcher kind is refused', async () => {
    const { client } = await rig();
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 16, logger: silentLogger });
    expect(() => new BidOfferAdapter({ client, fullDepth: true, dispatcher: d, logger: silentLogger })).toThrow(/kind 'bestBidAsk'/);
    expect(() => new BidOfferAdapter({ client, fullDepth: true, logger: silentLogger })).toThrow(/exactly one/);
  });

  it('malformed payloads are counted as parse errors and the feed goes on (both paths)', async () => {
    const { sim, client } = await rig();
    const viaCallback: BestBidAsk[] = [];
    const a1 = new BidOfferAdapter({ client, fullDepth: false, onEvent: (e) => viaCallback.push(e), logger: silentLogger });
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 8192, logger: silentLogger });
    const a2 = new BidOfferAdapter({ client, fullDepth: true, dispatcher: d, logger: silentLogger });
    a1.subscribe('AOT');
    a2.subscribe('AOT');
    await client.connect();
    await until(() => viaCallback.length > 5, 'first events');
    sim.faults.publishMalformed(7);
    await until(() => a1.stats().parseErrors === 7 && a2.stats().parseErrors === 7, 'parse errors');
    const n = viaCallback.length;
    await until(() => viaCallback.length > n + 20, 'events after the malformed ones');
    for (const a of [a1, a2]) {
      const s = a.stats();
      expect(s.callbackErrors).toBe(0);
      expect(s.parseErrors).toBe(7);
    }
    // Exactly one counter per message: the client saw each message once per adapter listener.
    const s1 = a1.stats();
    expect(s1.messagesParsed).toBe(viaCallback.length);
    expect(d.stats().totalPushed).toBe(a2.stats().messagesParsed);
    expect(client.state).toBe('CONNECTED');
  });

  it('a throwing callback is counted and the feed goes on; exactly one counter per message', async () => {
    const { client } = await rig();
    let calls = 0;
    const adapter = new BidOfferAdapter({
      client,
      fullDepth: true,
      onEvent: () => {
        if (++calls % 2 === 0) throw new Error('consumer bug');
      },
      logger: silentLogger,
    });
    let seen = 0;
    client.on('message', () => seen++);
    adapter.subscribe('PTT');
    await client.connect();
    await until(() => calls >= 40, 'callbacks');
    const s = adapter.stats();
    expect(s.callbackErrors).toBe(Math.floor(calls / 2));
    expect(s.messagesParsed).toBe(Math.ceil(calls / 2));
    expect(s.messagesParsed + s.parseErrors + s.callbackErrors).toBe(seen);
    expect(client.stats().callbackErrors).toBe(0); // isolated inside the adapter
  });

  it('unsubscribe stops delivery at once; invalid symbols never reach MQTT', async () => {
    const { client } = await rig();
    const events: BestBidAsk[] = [];
    const adapter = new BidOfferAdapter({ client, fullDepth: false, onEvent: (e) => events.push(e), logger: silentLogger });
    adapter.subscribe('AOT');
    adapter.subscribe('PTT');
    await client.connect();
    await until(() => events.some((e) => e.symbol === 'PTT') && events.some((e) => e.symbol === 'AOT'), 'both symbols');
    adapter.unsubscribe('ptt');
    const mark = events.length;
    await until(() => events.length > mark + 40, 'more AOT events');
    expect(events.slice(mark).filter((e) => e.symbol === 'PTT')).toEqual([]);
    expect(adapter.subscribedSymbols).toEqual(['AOT']);
    expect(client.subscriptions).toEqual(['proto/topic/bidofferv3/AOT']);
    for (const bad of ['', 'A/B', 'A+', '#', 'A B', 'X'.repeat(33), 'A\u0001']) {
      expect(() => adapter.subscribe(bad)).toThrow(/invalid symbol/);
    }
    expect(client.subscriptions).toEqual(['proto/topic/bidofferv3/AOT']);
  });

  it('across a forced reconnect events carry epoch 1 and none carries 0 after the first 1', async () => {
    const { sim, client } = await rig();
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 16_384, logger: silentLogger });
    const adapter = new BidOfferAdapter({ client, fullDepth: false, dispatcher: d, logger: silentLogger });
    adapter.subscribe('AOT');
    adapter.subscribe('PTT');
    await client.connect();
    const events: BestBidAsk[] = [];
    const collect = () => events.push(...d.poll(1000));
    await until(() => (collect(), events.length > 20), 'epoch 0 events');
    sim.faults.dropConnections();
    await until(() => (collect(), events.filter((e) => e.connectionEpoch === 1).length > 40), 'epoch 1 events');
    const first1 = events.findIndex((e) => e.connectionEpoch === 1);
    expect(first1).toBeGreaterThan(0);
    expect(events.slice(first1).every((e) => e.connectionEpoch === 1)).toBe(true);
    expect(new Set(events.slice(first1).map((e) => e.symbol))).toEqual(new Set(['AOT', 'PTT']));
    adapter.close();
    expect(client.subscriptions).toEqual([]);
  });
});
