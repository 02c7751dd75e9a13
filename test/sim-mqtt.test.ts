import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { MqttClient } from 'mqtt';
import { Simulator, onGrid, type SimulatorStartInfo } from '../src/sim/index.js';
import { collect, connectMqtt, decode, login, loginBody, mqttTarget, postLogin, upgradeStatus, type DecodedBook } from './helpers/sim-client.js';
import { until } from './helpers/until.js';

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

describe('simulator universe, token type and outages', () => {
  const ERROR_TOPIC = '$sys/u/_broker/_uref/error/subscribe';

  it('a SUBSCRIBE outside the universe: granted, one JSON message on the error topic, no data; the others flow', async () => {
    const sim = new Simulator({ ratePerSymbol: 200, universe: ['AOT', 'PTT'], symbols: ['SCB'] });
    const info = await sim.start();
    try {
      expect([...sim.universe].sort()).toEqual(['AOT', 'PTT', 'SCB']); // configured symbols are always known
      const { url, token } = await mqttTarget(info);
      const c = await connect(url, token);
      const errors: string[] = [];
      const dataTopics = new Set<string>();
      c.on('message', (topic, payload) => {
        if (topic === ERROR_TOPIC) errors.push(payload.toString('utf8'));
        else dataTopics.add(topic);
      });
      const granted = await c.subscribeAsync([ERROR_TOPIC, 'proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/KBANK']);
      expect(granted.map((g) => g.qos)).toEqual([0, 0, 0]);
      await collect(c, 30, (t) => t.endsWith('/AOT'));
      expect(errors).toHaveLength(1);
      expect(JSON.parse(errors[0]!)).toEqual({ topic: 'proto/topic/bidofferv3/KBANK', message: expect.stringContaining('KBANK') });
      expect(dataTopics).toEqual(new Set(['proto/topic/bidofferv3/AOT']));
      expect(sim.stats().publishedBySymbol.KBANK ?? 0).toBe(0);
      expect(sim.stats().rejectedSubscriptions).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  it('the default universe holds ~50 real SET names', () => {
    const sim = new Simulator();
    for (const s of ['AOT', 'PTT', 'KBANK', 'SCB', 'BBL', 'CPALL', 'ADVANC', 'DELTA', 'GULF', 'BDMS']) expect(sim.universe.has(s), s).toBe(true);
    expect(sim.universe.size).toBeGreaterThanOrEqual(45);
    expect(sim.universe.has('NOPE')).toBe(false);
  });

  it("the login's token_type is the scheme the token request and the upgrade must use", async () => {
    const sim = new Simulator({ tokenType: 'Token' });
    const info = await sim.start();
    try {
      const { json } = await postLogin(info, loginBody(info));
      expect(json.token_type).toBe('Token');
      const access = json.access_token as string;
      const tokenUrl = `${info.baseUrl}/api/dispatcher/v3/SIM/token`;
      expect((await fetch(tokenUrl, { headers: { authorization: `Bearer ${access}` } })).status).toBe(401);
      const res = await fetch(tokenUrl, { headers: { authorization: `Token ${access}` } });
      expect(res.status).toBe(200);
      const { hosts, token } = (await res.json()) as { hosts: string[]; token: string };
      const url = `ws://${hosts[0]}/api/dispatcher/v3/SIM/mqtt`;
      expect(await upgradeStatus(url, { Authorization: `Bearer ${token}` })).toBe(401);
      expect(await upgradeStatus(url, { Authorization: `Token ${token}` })).toBe(101);
    } finally {
      await sim.stop();
    }
  });

  it('an outage cuts live connections and refuses upgrades and REST calls with 503 until it ends', async () => {
    const sim = new Simulator({ symbols: ['AOT'] });
    const info = await sim.start();
    try {
      const { url, token } = await mqttTarget(info);
      const c = await connect(url, token);
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      sim.faults.outage(60_000);
      await closed;
      expect(await upgradeStatus(url, { Authorization: `Bearer ${token}` })).toBe(503);
      expect((await postLogin(info, loginBody(info))).status).toBe(503);
      expect(sim.stats()).toMatchObject({ outages: 1, outageActive: true, connections: 0 });
      expect(() => sim.faults.outage(-1)).toThrow(/ms: must be/);
    } finally {
      await sim.stop();
    }
  });

  it('the outage ends by itself', async () => {
    const sim = new Simulator({ symbols: ['AOT'] });
    const info = await sim.start();
    try {
      sim.faults.outage(100);
      expect((await postLogin(info, loginBody(info))).status).toBe(503);
      await until(() => !sim.stats().outageActive, 'the end of the outage');
      expect((await postLogin(info, loginBody(info))).status).toBe(200);
    } finally {
      await sim.stop();
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

