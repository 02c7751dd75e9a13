/**
 * The simulator's fast publishing path (src/sim/fast-publisher.ts): feed
 * messages bypass aedes and are batched straight into each subscribed
 * connection, while aedes' own packets (SUBACK, UNSUBACK, PINGRESP) share the
 * same byte stream. Real broker, real sockets, MQTT.js and raw ws clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { Simulator, type SimulatorStartInfo } from '../src/sim/index.js';
import { topicMatches } from '../src/sim/fast-publisher.js';
import { connectMqtt, decode, mqttTarget } from './helpers/sim-client.js';
import { until } from './helpers/until.js';

const clients: MqttClient[] = [];
const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

async function startSim(symbols: string[], ratePerSymbol = 0): Promise<{ sim: Simulator; info: SimulatorStartInfo }> {
  const sim = new Simulator({ symbols, ratePerSymbol });
  sims.push(sim);
  return { sim, info: await sim.start() };
}

async function client(info: SimulatorStartInfo): Promise<MqttClient> {
  const { url, token } = await mqttTarget(info);
  const c = await connectMqtt(url, token);
  clients.push(c);
  return c;
}

/** Counts messages per topic. */
function counter(c: MqttClient): Map<string, number> {
  const m = new Map<string, number>();
  c.on('message', (topic) => m.set(topic, (m.get(topic) ?? 0) + 1));
  return m;
}

function burstAndWait(sim: Simulator, rate: number, ms: number, symbols?: string[]): Promise<unknown> {
  const end = new Promise((resolve) => sim.once('burstEnd', resolve));
  sim.burst(rate, ms, symbols !== undefined ? { symbols } : {});
  return end;
}

describe('fast publishing', () => {
  it('reaches only the subscribers of each topic, and each connection is credited exactly what it received', async () => {
    const { sim, info } = await startSim(['AOT', 'PTT', 'KBANK']);
    const a = await client(info);
    const b = await client(info);
    await a.subscribeAsync('proto/topic/bidofferv3/AOT');
    await b.subscribeAsync(['proto/topic/bidofferv3/PTT', 'proto/topic/bidofferv3/AOT']);
    const ca = counter(a);
    const cb = counter(b);
    await burstAndWait(sim, 20_000, 300);
    const acc = () => sim.accounting();
    const written = (i: number, s: string): number => acc().connections[i]!.writtenBySymbol[s] ?? 0;
    await until(() => (ca.get('proto/topic/bidofferv3/AOT') ?? 0) === written(0, 'AOT') && (cb.get('proto/topic/bidofferv3/PTT') ?? 0) === written(1, 'PTT') && (cb.get('proto/topic/bidofferv3/AOT') ?? 0) === written(1, 'AOT'), 'every written message to arrive');
    expect([...ca.keys()]).toEqual(['proto/topic/bidofferv3/AOT']);
    expect([...cb.keys()].sort()).toEqual(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']);
    expect(written(0, 'AOT')).toBeGreaterThan(100);
    // KBANK had no subscriber: published, counted as such, written nowhere.
    const s = acc();
    expect(s.publishedBySymbol.KBANK).toBeGreaterThan(100);
    expect(s.noSubscriberBySymbol.KBANK).toBe(s.publishedBySymbol.KBANK);
    expect(s.connections.every((c) => (c.writtenBySymbol.KBANK ?? 0) === 0)).toBe(true);
    // AOT went to both connections: published once, written twice.
    expect(written(0, 'AOT')).toBe(s.publishedBySymbol.AOT);
    expect(written(1, 'AOT')).toBe(s.publishedBySymbol.AOT);
  });

  it('serves wildcard filters, and stops writing to a topic at UNSUBSCRIBE', async () => {
    const { sim, info } = await startSim(['AOT', 'PTT'], 200);
    const c = await client(info);
    await c.subscribeAsync('proto/topic/bidofferv3/+');
    const n = counter(c);
    await until(() => (n.get('proto/topic/bidofferv3/AOT') ?? 0) > 5 && (n.get('proto/topic/bidofferv3/PTT') ?? 0) > 5, 'both symbols through the wildcard');
    await c.unsubscribeAsync('proto/topic/bidofferv3/+');
    const after = sim.accounting().connections[0]!.written;
    const published = sim.stats().totalPublished;
    await until(() => sim.stats().totalPublished > published + 20, 'more publishing');
    expect(sim.accounting().connections[0]!.written).toBe(after);
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
  });

  it("aedes' packets interleave with a 50k msg/s burst as whole packets: every SUBACK and PINGRESP arrives, every PUBLISH decodes", async () => {
    const { sim, info } = await startSim(['AOT', 'PTT', 'KBANK', 'SCB']);
    const c = await client(info);
    await c.subscribeAsync('proto/topic/bidofferv3/AOT');
    let bad = 0;
    let got = 0;
    let errors = 0;
    c.on('error', () => errors++);
    c.on('message', (_t, payload) => {
      got++;
      try {
        decode(payload);
      } catch {
        bad++;
      }
    });
    let pingResponses = 0;
    c.on('packetreceive', (p) => {
      if (p.cmd === 'pingresp') pingResponses++;
    });
    const end = burstAndWait(sim, 50_000, 600);
    // Control traffic while the burst runs: SUBSCRIBE/UNSUBSCRIBE round trips and PINGREQs.
    let acks = 0;
    for (let i = 0; i < 20; i++) {
      const topic = `proto/topic/bidofferv3/${i % 2 === 0 ? 'PTT' : 'KBANK'}`;
      await c.subscribeAsync(topic);
      (c as unknown as { _sendPacket(p: object): void })._sendPacket({ cmd: 'pingreq' });
      await c.unsubscribeAsync(topic);
      acks += 2;
    }
    await end;
    const written = () => sim.accounting().connections[0]!.written;
    await until(() => got === written(), 'every written PUBLISH to arrive');
    expect(acks).toBe(40);
    expect(pingResponses).toBeGreaterThanOrEqual(20);
    expect(bad).toBe(0);
    expect(errors).toBe(0);
    expect(c.connected).toBe(true);
    expect(got).toBeGreaterThan(1000);
  });

  it('sheds (counted) for a subscriber that stops reading, bounded, while another subscriber gets everything', async () => {
    const { sim, info } = await startSim(['AOT', 'PTT']);
    const fast = await client(info);
    await fast.subscribeAsync('proto/topic/bidofferv3/PTT');
    const got = counter(fast);
    // A raw WebSocket MQTT client that subscribes and then stops reading its socket.
    const { url, token } = await mqttTarget(info);
    const slow = new WebSocket(url, ['mqtt'], { headers: { Authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      slow.once('open', () => resolve());
      slow.once('error', reject);
    });
    const id = Buffer.from('slow-sub');
    // CONNECT v3.1.1, clean session, keepalive 0; then SUBSCRIBE id 1 to AOT at QoS 0.
    slow.send(Buffer.concat([Buffer.from([0x10, 12 + id.length, 0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 0, 0, id.length]), id]));
    const topic = Buffer.from('proto/topic/bidofferv3/AOT');
    const subscribed = new Promise<void>((resolve) => sim.on('subscribed', (s) => s === 'AOT' && resolve()));
    slow.send(Buffer.concat([Buffer.from([0x82, 2 + 2 + topic.length + 1, 0, 1, 0, topic.length]), topic, Buffer.from([0])]));
    await subscribed;
    slow.pause();
    await burstAndWait(sim, 200_000, 1500);
    const acc = sim.accounting();
    const slowAcc = acc.connections[1]!;
    const fastAcc = acc.connections[0]!;
    expect(slowAcc.shed).toBeGreaterThan(0);
    expect(sim.stats().shed).toBe(slowAcc.shed + fastAcc.shed);
    // Bounded: written + shed is what was published for AOT.
    expect(slowAcc.written + slowAcc.shed).toBe(acc.publishedBySymbol.AOT);
    expect(fastAcc.shed).toBe(0);
    await until(() => (got.get('proto/topic/bidofferv3/PTT') ?? 0) === fastAcc.writtenBySymbol.PTT, 'the fast subscriber to get everything', 20_000);
    expect(fastAcc.writtenBySymbol.PTT).toBe(acc.publishedBySymbol.PTT);
    slow.terminate();
  });

  it('a dropped connection is closed before anything more is written to it, with what was in flight recorded', async () => {
    const { sim, info } = await startSim(['AOT']);
    const c = await client(info);
    await c.subscribeAsync('proto/topic/bidofferv3/AOT');
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    sim.burst(50_000, 2000);
    await until(() => sim.accounting().connections[0]!.written > 5000, 'a busy connection');
    expect(sim.faults.dropConnections()).toBe(1);
    const at = sim.accounting().connections[0]!;
    expect(at.end).toBe('dropped');
    expect(at.inFlightAtClose).toBeGreaterThanOrEqual(0);
    expect(at.inFlightAtClose).toBeLessThanOrEqual(at.written);
    await closed;
    const published = sim.stats().totalPublished;
    await until(() => sim.stats().totalPublished > published + 1000, 'publishing to go on');
    const later = sim.accounting();
    expect(later.connections[0]!.written).toBe(at.written);
    // With nobody left, the rest is published to no subscriber.
    expect(later.noSubscriberBySymbol.AOT).toBeGreaterThan(0);
    expect(later.connections[0]!.written + later.noSubscriberBySymbol.AOT).toBe(later.publishedBySymbol.AOT);
  });
});
