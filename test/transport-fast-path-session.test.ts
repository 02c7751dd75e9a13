/**
 * The fast path as wired into a real session: SettradeClient -> MQTT.js over
 * a real TCP socket on 127.0.0.1 to a scripted MQTT server (it answers
 * CONNECT and SUBSCRIBE, then writes the bytes a test gives it), so the
 * stream can hold what no broker sends on purpose: mixed QoS, unsubscribed
 * topics, protocol errors.
 */
import { parser, type Packet } from 'mqtt-packet';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SettradeClient } from '../src/transport/index.js';
import { silentLogger } from '../src/util/logger.js';
import { connack, packet, payloadOf, pingresp, publish, suback } from './helpers/mqtt-wire.js';
import { until } from './helpers/until.js';

const AOT = 'proto/topic/bidofferv3/AOT';
const fast = { baseDelayMs: 20, maxDelayMs: 100, multiplier: 2, jitter: 0, connectTimeoutMs: 3000, logger: silentLogger };

interface Script {
  server: Server;
  port: number;
  connections: number;
}

/**
 * After the SUBACK of connection `n` (0-based) that grants a data topic,
 * writes `after(n)` in the same socket write (the client also subscribes to
 * the service's error topic, which gets a bare SUBACK).
 */
async function scriptedBroker(after: (n: number) => Buffer): Promise<Script> {
  const script: Script = { server: createServer(), port: 0, connections: 0 };
  script.server.on('connection', (sock: Socket) => {
    const n = script.connections++;
    const p = parser({ protocolVersion: 4 });
    p.on('packet', (pk: Packet) => {
      if (pk.cmd === 'connect') sock.write(connack());
      else if (pk.cmd === 'subscribe') {
        const granted = suback(pk.messageId ?? 0, 0, pk.subscriptions.length);
        const data = pk.subscriptions.some((sub) => sub.topic.startsWith('proto/topic/'));
        sock.write(data ? Buffer.concat([granted, after(n)]) : granted);
      } else if (pk.cmd === 'pingreq') sock.write(pingresp());
    });
    sock.on('data', (d) => p.parse(d));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => script.server.listen(0, '127.0.0.1', resolve));
  const addr = script.server.address();
  script.port = typeof addr === 'object' && addr ? addr.port : 0;
  cleanups.push(() => new Promise((resolve) => script.server.close(() => resolve())));
  return script;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(port: number): { c: SettradeClient; got: { topic: string; payload: string; epoch: number }[] } {
  const c = new SettradeClient({ endpoint: `mqtt://127.0.0.1:${port}`, ...fast });
  cleanups.push(() => c.shutdown());
  const got: { topic: string; payload: string; epoch: number }[] = [];
  c.on('message', (topic, payload, epoch) => got.push({ topic, payload: Buffer.from(payload).toString('hex'), epoch }));
  return { c, got };
}

const tag = (i: number): Uint8Array => Buffer.from(`m${i}`);

describe('PUBLISH fast path in a session (real MQTT.js, real socket)', () => {
  it('delivers routed and MQTT.js-handled PUBLISHes in stream order, whatever TCP does to the chunks', async () => {
    // 3,000 packets of one burst: routed QoS 0, QoS 1 and unsubscribed topics (MQTT.js's), PINGRESPs between.
    const expected: { topic: string; payload: string }[] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = i % 7;
      const topic = kind === 3 || kind === 6 ? 'proto/topic/bidofferv3/KBANK' : AOT;
      const body = Buffer.concat([tag(i), payloadOf(i % 5 === 0 ? 3000 : 40, i)]);
      parts.push(publish(topic, body, kind === 2 ? 1 : 0, 1 + i));
      if (kind === 4) parts.push(pingresp());
      expected.push({ topic, payload: body.toString('hex') });
    }
    const script = await scriptedBroker(() => Buffer.concat(parts));
    const { c, got } = client(script.port);
    c.subscribe(AOT);
    await c.connect();
    await until(() => got.length >= expected.length, 'the whole burst');
    expect(got.map((g) => ({ topic: g.topic, payload: g.payload }))).toEqual(expected);
  });

  it('an 8 MB routed PUBLISH arrives whole and in order with the small ones around it', async () => {
    const big = payloadOf(8 * 1024 * 1024, 9);
    const script = await scriptedBroker(() => Buffer.concat([publish(AOT, tag(1)), publish(AOT, big), publish('other', tag(2), 1), publish(AOT, tag(3))]));
    const { c, got } = client(script.port);
    c.subscribe(AOT);
    await c.connect();
    await until(() => got.length >= 4, 'four messages');
    expect(got.map((g) => g.payload.length)).toEqual([4, big.length * 2, 4, 4]);
    expect(got[1]!.payload === Buffer.from(big).toString('hex')).toBe(true);
    expect(got.map((g) => g.topic)).toEqual([AOT, AOT, 'other', AOT]);
  });

  for (const [what, bad] of [
    ['QoS 3 header', packet(0x36, [0, 1, 0x61])],
    ['overlong remaining length', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])],
    ['SUBACK with an invalid return code (seen only by the parser)', suback(9, 0x05)],
    ['PUBLISH whose topic runs past its end', packet(0x30, [0, 90, 0x61, 0x62])],
  ] as const) {
    it(`after a protocol error (${what}) nothing more of that connection is delivered and the client reconnects`, async () => {
      const script = await scriptedBroker((n) =>
        n === 0 ? Buffer.concat([publish(AOT, tag(1)), publish(AOT, tag(2)), bad, publish(AOT, tag(3)), publish(AOT, tag(4))]) : publish(AOT, tag(5)),
      );
      const { c, got } = client(script.port);
      const states: string[] = [];
      c.on('state', (s) => states.push(s));
      c.subscribe(AOT);
      await c.connect();
      await until(() => got.length >= 3, 'the message of the second connection');
      expect(got.map((g) => Buffer.from(g.payload, 'hex').toString())).toEqual(['m1', 'm2', 'm5']);
      expect(got.map((g) => g.epoch)).toEqual([0, 0, 1]);
      expect(script.connections).toBe(2);
      expect(states).toContain('RECONNECTING');
      expect(c.stats()).toMatchObject({ state: 'CONNECTED', reconnectEpoch: 1 });
    });
  }
});
