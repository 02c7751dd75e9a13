import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { MALFORMED_PAYLOADS, Simulator, SimulatorError, bidOfferType, type SimulatorStartInfo } from '../src/sim/index.js';
import { collect, connectMqtt, decode, getDispatcher, login, mqttTarget, upgradeStatus } from './helpers/sim-client.js';
import { until } from './helpers/until.js';

const clients: MqttClient[] = [];
async function connect(info: SimulatorStartInfo): Promise<{ client: MqttClient; url: string; token: string }> {
  const { url, token } = await mqttTarget(info);
  const client = await connectMqtt(url, token);
  clients.push(client);
  return { client, url, token };
}
/** Starts a burst and resolves when it has ended. */
function burstAndWait(sim: Simulator, rate: number, ms: number, symbols?: string[]): Promise<unknown> {
  const end = new Promise((resolve) => sim.once('burstEnd', resolve));
  sim.burst(rate, ms, symbols !== undefined ? { symbols } : {});
  return end;
}

function closed(c: MqttClient): Promise<void> {
  return new Promise((resolve) => c.once('close', () => resolve()));
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

describe('simulator faults', () => {
  const sim = new Simulator({ symbols: ['AOT', 'PTT'], ratePerSymbol: 200 });
  let info: SimulatorStartInfo;
  beforeAll(async () => {
    info = await sim.start();
  });
  afterAll(() => sim.stop());

  it('dropConnections() cuts every client; tokens stay valid for a reconnect', async () => {
    const a = await connect(info);
    const b = await connect(info);
    expect(sim.stats().connections).toBe(2);
    const closedBoth = Promise.all([closed(a.client), closed(b.client)]);
    expect(sim.faults.dropConnections()).toBe(2);
    await closedBoth;
    // The same dispatcher token still opens a connection.
    const again = await connectMqtt(a.url, a.token);
    clients.push(again);
    expect(again.connected).toBe(true);
  });

  it('expireTokens() expires access and dispatcher tokens and disconnects clients', async () => {
    const access = await login(info);
    const { client, url, token } = await connect(info);
    const gone = closed(client);
    sim.faults.expireTokens();
    await gone;
    expect((await getDispatcher(info, access)).json.code).toBe('TOKEN_EXPIRED');
    expect(await upgradeStatus(url, { Authorization: `Bearer ${token}` })).toBe(401);
    // A fresh login works again.
    const fresh = await connect(info);
    expect(fresh.client.connected).toBe(true);
  });

  it('stallSymbol() silences one symbol while the others keep flowing', async () => {
    const { client } = await connect(info);
    await client.subscribeAsync(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']);
    await collect(client, 2, (t) => t.endsWith('/AOT'));
    const aotBefore = sim.stats().publishedBySymbol.AOT;
    sim.faults.stallSymbol('AOT', 60_000);
    const got = await collect(client, 40);
    const aotAfter = sim.stats().publishedBySymbol.AOT;
    // Nothing is published for a stalled symbol (in-flight messages may still arrive).
    expect(aotAfter - aotBefore).toBe(0);
    expect(got.filter((m) => m.topic.endsWith('/PTT')).length).toBeGreaterThan(30);
    sim.faults.stallSymbol('AOT', 0);
    expect(() => sim.faults.stallSymbol('a/b', 10)).toThrow(SimulatorError);
  });

  it('stallFeed() stops all publishing for the given time, then it resumes', async () => {
    const { client } = await connect(info);
    await client.subscribeAsync('proto/topic/bidofferv3/PTT');
    await collect(client, 1);
    sim.faults.stallFeed(150);
    const stalledAt = sim.stats().totalPublished;
    const t0 = performance.now();
    await collect(client, 1, () => sim.stats().totalPublished > stalledAt);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(() => sim.faults.stallFeed(-1)).toThrow(/ms/);
  });

  it('publishMalformed() sends payloads that fail to decode, counted in stats', async () => {
    const { client } = await connect(info);
    await client.subscribeAsync('proto/topic/bidofferv3/AOT');
    sim.faults.stallFeed(60_000); // only the malformed payloads flow
    try {
      const before = sim.stats().malformed;
      const got = collect(client, MALFORMED_PAYLOADS.length, (t) => t.endsWith('/AOT'));
      expect(sim.faults.publishMalformed(MALFORMED_PAYLOADS.length * 2)).toBe(MALFORMED_PAYLOADS.length * 2);
      for (const { payload } of await got) expect(() => bidOfferType().decode(payload)).toThrow();
      expect(sim.stats().malformed - before).toBe(MALFORMED_PAYLOADS.length * 2);
    } finally {
      sim.faults.stallFeed(0);
    }
  });

  it('publishMalformed(n) sends all n to subscribed topics only, round-robin; 0 with no subscriber', async () => {
    const three = new Simulator({ symbols: ['AOT', 'PTT', 'KBANK'], ratePerSymbol: 50 });
    const threeInfo = await three.start();
    try {
      three.faults.stallFeed(600_000); // only the malformed payloads flow
      expect(three.faults.publishMalformed(7)).toBe(0); // nobody subscribed yet
      const { client } = await connect(threeInfo);
      const subscribed = new Promise((resolve) => three.on('subscribed', (s) => s === 'PTT' && resolve(s)));
      await client.subscribeAsync(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']);
      await subscribed;
      const received: string[] = [];
      client.on('message', (topic, payload) => {
        expect(() => bidOfferType().decode(payload)).toThrow();
        received.push(topic);
      });
      expect(three.faults.publishMalformed(7)).toBe(7);
      await until(() => received.length >= 7, '7 malformed payloads');
      // One more marks the end of the first batch: QoS 0 keeps order per client,
      // so exactly 8 arrive in all if the batch of 7 had nothing extra.
      expect(three.faults.publishMalformed(1)).toBe(1);
      await until(() => received.length >= 8, 'the marker payload');
      expect(received).toHaveLength(8);
      const perTopic = (t: string): number => received.filter((r) => r.endsWith(`/${t}`)).length;
      expect(perTopic('AOT') + perTopic('PTT')).toBe(8);
      expect(Math.abs(perTopic('AOT') - perTopic('PTT'))).toBeLessThanOrEqual(1);
      expect(three.stats().malformed).toBe(8);
    } finally {
      await three.stop();
    }
  });

  it('every malformed payload is rejected by protobufjs', () => {
    for (const p of MALFORMED_PAYLOADS) expect(() => bidOfferType().decode(p), Buffer.from(p).toString('hex')).toThrow();
  });
});

describe('burst mode', () => {
  it('publishes pre-encoded books far above the normal rate and reports the achieved rate', async () => {
    const sim = new Simulator({ symbols: ['AOT', 'PTT', 'KBANK'], ratePerSymbol: 1 });
    const info = await sim.start();
    try {
      const { url, token } = await mqttTarget(info);
      const client = await connectMqtt(url, token);
      clients.push(client);
      await client.subscribeAsync('proto/topic/bidofferv3/+');
      const end = new Promise((resolve) => sim.once('burstEnd', resolve));
      const got = collect(client, 50);
      sim.burst(20_000, 200);
      await end;
      const b = sim.stats().burst;
      expect(b?.active).toBe(false);
      // Every message of the quota is either published or shed (QoS 0 load shedding), none lost from the count.
      expect(Math.abs((b?.published ?? 0) + (b?.shed ?? 0) - 4000)).toBeLessThanOrEqual(1);
      expect(b?.published).toBeGreaterThanOrEqual(50);
      expect(b?.delivered).toBeLessThanOrEqual(b?.published ?? 0);
      expect(b?.achievedRate).toBeGreaterThan(0);
      for (const { payload } of await got) expect(decode(payload).bidPrices[0]).toBeLessThan(decode(payload).askPrices[0]);
      const s = sim.stats();
      expect(s.publishedBySymbol.AOT + s.publishedBySymbol.PTT + s.publishedBySymbol.KBANK).toBe(s.totalPublished);
      expect(() => sim.burst(0, 10)).toThrow(/ratePerSecond/);
    } finally {
      await sim.stop();
    }
  });
});

describe('burst mode on a subset of symbols', () => {
  it('publishes only the named symbols: a subscriber to another symbol receives nothing during the burst', async () => {
    // No normal-rate publishing, so every message a subscriber gets comes from a burst.
    const sim = new Simulator({ symbols: ['AOT', 'PTT'], ratePerSymbol: 0 });
    const info = await sim.start();
    try {
      const { client } = await connect(info);
      await client.subscribeAsync(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']);
      const got = { AOT: 0, PTT: 0 };
      client.on('message', (topic, payload) => {
        const symbol = decode(payload).symbol as keyof typeof got;
        expect(topic).toBe(`proto/topic/bidofferv3/${symbol}`);
        got[symbol]++;
      });

      await burstAndWait(sim, 20_000, 300, ['AOT']);
      const b = sim.stats().burst!;
      expect(b.symbols).toEqual(['AOT']);
      expect(b.published).toBeGreaterThanOrEqual(100);
      // QoS 0 over one connection: every published burst message reaches the subscriber, in order.
      await until(() => got.AOT === b.published, `${b.published} AOT messages (got ${got.AOT})`);
      expect(got.PTT).toBe(0);
      expect(sim.stats().publishedBySymbol.PTT ?? 0).toBe(0);

      // Control: the PTT subscription is live, so the zero above is the burst's doing.
      await burstAndWait(sim, 2_000, 100, ['PTT']);
      const p = sim.stats().burst!;
      expect(p.symbols).toEqual(['PTT']);
      expect(p.published).toBeGreaterThan(0);
      await until(() => got.PTT === p.published, `${p.published} PTT messages (got ${got.PTT})`);
      expect(got.AOT).toBe(b.published);
    } finally {
      await sim.stop();
    }
  });

  it('pauses the normal rate of the other symbols while the burst runs, and shares the rate among the named ones', async () => {
    const sim = new Simulator({ symbols: ['AOT', 'PTT', 'KBANK'], ratePerSymbol: 200 });
    await sim.start();
    try {
      await until(() => (sim.stats().publishedBySymbol.KBANK ?? 0) > 0, 'normal publishing');
      const before = sim.stats().publishedBySymbol;
      await burstAndWait(sim, 5_000, 200, ['AOT', 'PTT', 'AOT']);
      const during = sim.stats();
      expect(during.burst?.symbols).toEqual(['AOT', 'PTT']);
      expect(during.publishedBySymbol.KBANK).toBe(before.KBANK);
      const aot = during.publishedBySymbol.AOT! - before.AOT!;
      const ptt = during.publishedBySymbol.PTT! - before.PTT!;
      expect(aot + ptt).toBe(during.burst?.published);
      // Round-robin over the named symbols: an even split, give or take one.
      expect(Math.abs(aot - ptt)).toBeLessThanOrEqual(1);
      expect(aot).toBeGreaterThan(100);
      // The normal rate comes back for every symbol once the burst is over.
      await until(() => sim.stats().publishedBySymbol.KBANK! > before.KBANK!, 'KBANK after the burst');
    } finally {
      await sim.stop();
    }
  });

  it('rejects an empty symbol list, unknown or malformed symbols, naming the field', async () => {
    const sim = new Simulator({ symbols: ['AOT'], ratePerSymbol: 0 });
    const info = await sim.start();
    try {
      const argument = { name: 'SimulatorError', code: 'ERR_SIM_ARGUMENT' };
      expect(() => sim.burst(1_000, 100, { symbols: [] })).toThrow(/^invalid burst: symbols: must name at least one symbol/);
      expect(() => sim.burst(1_000, 100, { symbols: [] })).toThrow(expect.objectContaining(argument));
      expect(() => sim.burst(1_000, 100, { symbols: ['AOT', 'NOPE', 'XYZ'] })).toThrow(/^invalid burst: symbols: unknown symbols NOPE, XYZ/);
      expect(() => sim.burst(1_000, 100, { symbols: ['NOPE'] })).toThrow(expect.objectContaining(argument));
      expect(() => sim.burst(1_000, 100, { symbols: ['aot'] })).toThrow(/symbols\.0: must be an upper-case SET symbol/);
      expect(() => sim.burst(1_000, 100, { symbol: 'AOT' } as never)).toThrow(/symbol/);
      expect(sim.stats().burst).toBeUndefined();

      // A symbol that is only subscribed (not configured) is one the simulator publishes, so it may burst.
      const { client } = await connect(info);
      const subscribed = new Promise<void>((resolve) => sim.once('subscribed', () => resolve()));
      await client.subscribeAsync('proto/topic/bidofferv3/KBANK');
      await subscribed;
      await burstAndWait(sim, 1_000, 50, ['KBANK']);
      expect(sim.stats().burst?.symbols).toEqual(['KBANK']);
    } finally {
      await sim.stop();
    }

    // A start-up burst runs before anyone subscribes: its symbols must be configured ones.
    const options = { name: 'SimulatorError', code: 'ERR_SIM_OPTIONS' };
    expect(() => new Simulator({ symbols: ['AOT'], burst: { ratePerSecond: 10, durationMs: 10, symbols: ['PTT'] } })).toThrow(
      /^invalid simulator options: burst\.symbols: unknown symbol PTT/,
    );
    expect(() => new Simulator({ symbols: ['AOT'], burst: { ratePerSecond: 10, durationMs: 10, symbols: [] } })).toThrow(
      /burst\.symbols: must name at least one symbol/,
    );
    expect(() => new Simulator({ burst: { ratePerSecond: 10, durationMs: 10, symbols: ['PTT'] } })).toThrow(expect.objectContaining(options));
  });

  it('runs a start-up burst on the configured subset only', async () => {
    const sim = new Simulator({ symbols: ['AOT', 'PTT'], ratePerSymbol: 0, burst: { ratePerSecond: 2_000, durationMs: 100, symbols: ['PTT'] } });
    const end = new Promise((resolve) => sim.once('burstEnd', resolve));
    await sim.start();
    try {
      await end;
      const s = sim.stats();
      expect(s.burst?.symbols).toEqual(['PTT']);
      expect(s.publishedBySymbol.PTT).toBeGreaterThan(0);
      expect(s.publishedBySymbol.AOT ?? 0).toBe(0);
    } finally {
      await sim.stop();
    }
  });
});

describe('stop() under load', () => {
  it('stops cleanly mid-burst with a connected subscriber (no runaway broker queue)', async () => {
    const sim = new Simulator({ symbols: ['AOT', 'PTT'], ratePerSymbol: 0 });
    const info = await sim.start();
    const { url, token } = await mqttTarget(info);
    const client = await connectMqtt(url, token);
    await client.subscribeAsync('proto/topic/bidofferv3/+');
    const got = collect(client, 20);
    sim.burst(200_000, 10_000);
    await got;
    const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await sim.stop();
    await gone;
    expect(sim.stats().connections).toBe(0);
    expect(sim.stats().burst?.active).toBe(false);
    await client.endAsync(true);
  });
});
