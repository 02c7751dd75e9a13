/**
 * SettradeClient against a real mosquitto broker over plain MQTT on loopback:
 * a broker crash (kill -9) and restart on the same port is survived, the
 * client comes back CONNECTED with epoch + 1, its subscription replayed.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SettradeClient, type ClientState } from '../src/transport/index.js';
import { silentLogger } from '../src/util/logger.js';
import { Mosquitto, mosquittoBinary } from './helpers/mosquitto.js';
import { describeWithBinary } from './helpers/system-binary.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/bidofferv3.proto', import.meta.url)));
const BidOfferV3 = root.lookupType('settrade.v3.BidOfferV3');

function encode(symbol: string, bid: number, vol: number): Uint8Array {
  const units = Math.trunc(bid);
  const nanos = Math.round((bid - units) * 1e9);
  return BidOfferV3.encode(
    BidOfferV3.fromObject({
      symbol,
      bidPrice1: { units, nanos },
      askPrice1: { units, nanos: nanos + 250_000_000 },
      bidVolume1: vol,
      askVolume1: vol + 100,
      bidFlag: 1,
      askFlag: 1,
    }),
  ).finish();
}

interface Received {
  topic: string;
  payload: Uint8Array;
  epoch: number;
}

/** Publishes `payload` every 20 ms until `done()` holds (a subscription becomes active asynchronously). */
async function publishUntil(pub: MqttClient, topic: string, payload: Uint8Array, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('message never arrived');
    await pub.publishAsync(topic, Buffer.from(payload), { qos: 0 });
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describeWithBinary(mosquittoBinary, 'SettradeClient with mosquitto', () => {
  it('resumes with epoch + 1 after the broker is killed (-9) and restarted', async () => {
    const broker = await Mosquitto.launch();
    cleanups.push(() => broker.stop());
    const topic = 'proto/topic/bidofferv3/AOT';
    const client = new SettradeClient({
      endpoint: `mqtt://127.0.0.1:${broker.port}`,
      baseDelayMs: 50,
      maxDelayMs: 200,
      maxRetries: 100,
      connectTimeoutMs: 2000,
      logger: silentLogger,
    });
    cleanups.push(() => client.shutdown());
    const received: Received[] = [];
    const states: ClientState[] = [];
    client.on('message', (t, p, epoch) => received.push({ topic: t, payload: Uint8Array.from(p), epoch }));
    client.on('state', (s) => states.push(s));
    client.subscribe(topic);
    await client.connect();
    expect(client.stats()).toMatchObject({ state: 'CONNECTED', connected: true, reconnectEpoch: 0 });

    const first = encode('AOT', 62.25, 1000);
    let pub = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    await publishUntil(pub, topic, first, () => received.length > 0);
    await pub.endAsync(true);
    expect(received[0]).toMatchObject({ topic, epoch: 0 });
    expect(Buffer.from(received[0]!.payload).equals(Buffer.from(first))).toBe(true);

    const reconnected = new Promise<number>((resolve) => client.once('reconnect', (info) => resolve(info.epoch)));
    const lost = new Promise<void>((resolve) =>
      client.on('state', (s) => {
        if (s === 'RECONNECTING') resolve();
      }),
    );
    await broker.kill9();
    await lost;
    expect(client.stats().connected).toBe(false);
    await broker.start();
    expect(await reconnected).toBe(1);
    expect(client.stats()).toMatchObject({ state: 'CONNECTED', reconnectEpoch: 1 });
    expect(client.stats().reconnectCount).toBeGreaterThanOrEqual(1);

    // The subscription was replayed on the new broker (it has no memory of the old one).
    const before = received.length;
    const second = encode('AOT', 63.5, 2000);
    pub = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    await publishUntil(pub, topic, second, () => received.length > before);
    await pub.endAsync(true);
    const after = received.slice(before);
    expect(after.every((r) => r.epoch === 1)).toBe(true);
    expect(Buffer.from(after[0]!.payload).equals(Buffer.from(second))).toBe(true);
    expect(states).toEqual(expect.arrayContaining(['CONNECTING', 'CONNECTED', 'RECONNECTING']));
    expect(states.indexOf('RECONNECTING')).toBeGreaterThan(states.indexOf('CONNECTED'));

    await client.shutdown();
    expect(client.state).toBe('SHUTDOWN');
    await client.shutdown(); // idempotent
  });
});
