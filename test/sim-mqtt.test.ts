import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { MqttClient } from 'mqtt';
import { Simulator, onGrid, type SimulatorStartInfo } from '../src/sim/index.js';
import { collect, connectMqtt, decode, login, mqttTarget, upgradeStatus, type DecodedBook } from './helpers/sim-client.js';

const clients: MqttClient[] = [];
async function connect(url: string, token: string): Promise<MqttClient> {
  const c = await connectMqtt(url, token);
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

describe('simulator MQTT gateway', () => {
  const sim = new Simulator({ ratePerSymbol: 200, seed: 7 });
  let info: SimulatorStartInfo;
  beforeAll(async () => {
    info = await sim.start();
  });
  afterAll(() => sim.stop());

  it('refuses the upgrade without, with a wrong, or with an access (not dispatcher) token', async () => {
    const { url } = await mqttTarget(info);
    expect(await upgradeStatus(url, {})).toBe(401);
    expect(await upgradeStatus(url, { Authorization: 'Bearer wrong' })).toBe(401);
    expect(await upgradeStatus(url, { Authorization: `Bearer ${await login(info)}` })).toBe(401);
    expect(await upgradeStatus(url.replace('/mqtt', '/other'), { Authorization: 'Bearer x' })).toBe(404);
    await expect(connectMqtt(url, undefined)).rejects.toThrow();
    expect(sim.stats().rejectedUpgrades).toBeGreaterThanOrEqual(5);
  });

  it('delivers BidOfferV3 books: ten levels, tick grid, board lots, bid < ask', async () => {
    const { url, token } = await mqttTarget(info);
    const c = await connect(url, token);
    const got = collect(c, 50);
    await c.subscribeAsync(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/BANPU-W5']);
    const msgs = await got;
    const symbols = new Set<string>();
    for (const { topic, payload } of msgs) {
      const b = decode(payload);
      expect(topic).toBe(`proto/topic/bidofferv3/${b.symbol}`);
      symbols.add(b.symbol);
      expect(b.bidFlag).toBe(1);
      expect(b.askFlag).toBe(1);
      expect(b.bidPrices[0]).toBeLessThan(b.askPrices[0]);
      for (let i = 0; i < 10; i++) {
        for (const p of [b.bidPrices[i], b.askPrices[i]]) expect(onGrid(Math.round(p * 100)), `price ${p}`).toBe(true);
        for (const v of [b.bidVolumes[i], b.askVolumes[i]]) {
          expect(v).toBeGreaterThan(0);
          expect(v % 100).toBe(0);
        }
        if (i > 0) {
          expect(b.bidPrices[i]).toBeLessThan(b.bidPrices[i - 1]);
          expect(b.askPrices[i]).toBeGreaterThan(b.askPrices[i - 1]);
        }
      }
    }
    expect(symbols).toEqual(new Set(['AOT', 'BANPU-W5']));
  });

  it('published events carry the same book the wire carries', async () => {
    const { url, token } = await mqttTarget(info);
    const c = await connect(url, token);
    const expected: DecodedBook[] = [];
    const onPublished = (m: { symbol: string; book: Omit<DecodedBook, 'symbol'> }): void => {
      if (m.symbol === 'PTT') expected.push({ symbol: m.symbol, ...m.book });
    };
    sim.on('published', onPublished);
    const got = collect(c, 20, (t) => t.endsWith('/PTT'));
    await c.subscribeAsync('proto/topic/bidofferv3/PTT');
    const msgs = await got;
    sim.off('published', onPublished);
    const decoded = msgs.map((m) => decode(m.payload));
    const start = expected.findIndex((e) => JSON.stringify(e) === JSON.stringify(decoded[0]));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(decoded).toEqual(expected.slice(start, start + decoded.length));
  });

  it('auction phases publish zero prices with ATO/ATC flags', async () => {
    const { url, token } = await mqttTarget(info);
    const c = await connect(url, token);
    await c.subscribeAsync('proto/topic/bidofferv3/KBANK');
    for (const [phase, flag] of [['ATO', 2], ['ATC', 3]] as const) {
      sim.setPhase(phase);
      // Messages published before the switch may still be in flight: wait for the new flag.
      const msgs = await collect(c, 5, (_t, p) => decode(p).bidFlag === flag);
      for (const { payload } of msgs) {
        const b = decode(payload);
        expect(b.askFlag).toBe(flag);
        expect([...b.bidPrices, ...b.askPrices].every((p) => p === 0)).toBe(true);
        expect(b.bidVolumes[0]).toBeGreaterThan(0);
        expect(b.bidVolumes[0] % 100).toBe(0);
      }
    }
    sim.setPhase('NORMAL');
    const normal = await collect(c, 3, (_t, p) => decode(p).bidFlag === 1);
    for (const { payload } of normal) expect(decode(payload).bidPrices[0]).toBeGreaterThan(0);
    expect(sim.phase).toBe('NORMAL');
  });

  it('disconnects a client whose dispatcher token expires, and refuses that token afterwards', async () => {
    sim.setTokenLifetimeSec(0.3);
    try {
      const { url, token } = await mqttTarget(info);
      const c = await connect(url, token);
      const reason = once(sim, 'clientDisconnected');
      await new Promise<void>((resolve) => c.once('close', () => resolve()));
      expect((await reason)[0]).toBe('token-expired');
      expect(await upgradeStatus(url, { Authorization: `Bearer ${token}` })).toBe(401);
    } finally {
      sim.setTokenLifetimeSec(3600);
    }
  });
});

describe('simulator determinism', () => {
  it('the same seed gives the same books', async () => {
    const run = async (): Promise<string[]> => {
      const sim = new Simulator({ symbols: ['SCB'], ratePerSymbol: 500, seed: 42 });
      const books: string[] = [];
      const done = new Promise<void>((resolve) => {
        sim.on('published', (m) => {
          if (books.length < 10) books.push(JSON.stringify(m.book));
          if (books.length === 10) resolve();
        });
      });
      await sim.start();
      await done;
      await sim.stop();
      return books;
    };
    expect(await run()).toEqual(await run());
  });
});

