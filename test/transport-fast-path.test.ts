import { describe, expect, it } from 'vitest';
import { PublishFastPath } from '../src/transport/publish-fast-path.js';

// MQTT 3.1.1 packets built by hand (the spec's byte layout), so the test does
// not trust the code under test or MQTT.js to frame them.
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function publish(topic: string, payload: Uint8Array, qos: 0 | 1 = 0, packetId = 7): Buffer {
  const t = Buffer.from(topic, 'utf8');
  const id = qos > 0 ? [packetId >> 8, packetId & 0xff] : [];
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, Buffer.from(id), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1), ...remainingLength(body.length)]), body]);
}
const pingresp = (): Buffer => Buffer.from([0xd0, 0x00]);
const suback = (id: number): Buffer => Buffer.from([0x90, 0x03, id >> 8, id & 0xff, 0x00]);

function payloadOf(n: number, seed: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 31 + seed) & 0xff;
  return p;
}

interface Run {
  delivered: { topic: string; payload: Buffer }[];
  passed: Buffer;
}

function feed(fast: PublishFastPath, chunks: Buffer[], delivered: Run['delivered']): Run {
  const passed: Buffer[] = [];
  for (const c of chunks) {
    const rest = fast.process(c);
    if (rest !== null) passed.push(Buffer.from(rest));
  }
  return { delivered, passed: Buffer.concat(passed) };
}

function fastPath(topics: string[]): { fast: PublishFastPath; delivered: Run['delivered'] } {
  const delivered: Run['delivered'] = [];
  const fast = new PublishFastPath((topic, payload) => delivered.push({ topic, payload: Buffer.from(payload) }));
  for (const t of topics) fast.add(t);
  fast.active = true;
  return { fast, delivered };
}

const AOT = 'proto/topic/bidofferv3/AOT';
const PTT = 'proto/topic/bidofferv3/PTT';

describe('PublishFastPath', () => {
  // A stream mixing routed packets with everything that must reach MQTT.js.
  const routed = [
    { topic: AOT, payload: payloadOf(40, 1) },
    { topic: PTT, payload: payloadOf(300, 2) }, // two-byte remaining length
    { topic: AOT, payload: payloadOf(20_000, 3) }, // three-byte remaining length
    { topic: PTT, payload: new Uint8Array(0) },
  ];
  const others = [suback(1), publish(AOT, payloadOf(9, 4), 1), publish('proto/topic/bidofferv3/KBANK', payloadOf(12, 5)), pingresp()];
  const stream = Buffer.concat([
    others[0]!,
    publish(routed[0]!.topic, routed[0]!.payload),
    publish(routed[1]!.topic, routed[1]!.payload),
    others[1]!,
    others[2]!,
    publish(routed[2]!.topic, routed[2]!.payload),
    others[3]!,
    publish(routed[3]!.topic, routed[3]!.payload),
  ]);
  const expectedPassed = Buffer.concat(others);

  function check(run: Run): void {
    expect(run.delivered.map((d) => d.topic)).toEqual(routed.map((r) => r.topic));
    run.delivered.forEach((d, i) => expect(d.payload.equals(Buffer.from(routed[i]!.payload))).toBe(true));
    expect(run.passed.equals(expectedPassed)).toBe(true);
  }

  it('takes QoS 0 PUBLISH of its topics and passes every other packet on, in order, byte for byte', () => {
    const { fast, delivered } = fastPath([AOT, PTT]);
    check(feed(fast, [stream], delivered));
  });

  it('gives the same result however the stream is cut into chunks', () => {
    for (let cut = 1; cut < stream.length; cut += cut < 400 ? 1 : 997) {
      const { fast, delivered } = fastPath([AOT, PTT]);
      check(feed(fast, [stream.subarray(0, cut), stream.subarray(cut)], delivered));
    }
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 200; trial++) {
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < stream.length; ) {
        const n = 1 + rand(trial % 2 === 0 ? 8 : 4000);
        chunks.push(stream.subarray(pos, pos + n));
        pos += n;
      }
      const { fast, delivered } = fastPath([AOT, PTT]);
      check(feed(fast, chunks, delivered));
    }
  });

  it('passes everything on while inactive, and a removed or wildcard topic goes to MQTT.js', () => {
    const inactive = fastPath([AOT, PTT]);
    inactive.fast.active = false;
    const run = feed(inactive.fast, [stream], inactive.delivered);
    expect(run.delivered).toEqual([]);
    expect(run.passed.equals(stream)).toBe(true);

    const removed = fastPath([AOT, PTT, 'proto/topic/bidofferv3/+']);
    removed.fast.remove(PTT);
    const msgs = [publish(AOT, payloadOf(5, 6)), publish(PTT, payloadOf(5, 7)), publish('proto/topic/bidofferv3/SCB', payloadOf(5, 8))];
    const r2 = feed(removed.fast, [Buffer.concat(msgs)], removed.delivered);
    expect(r2.delivered.map((d) => d.topic)).toEqual([AOT]);
    expect(r2.passed.equals(Buffer.concat(msgs.slice(1)))).toBe(true);
  });

  it('returns null when a chunk held only routed packets, and the chunk itself when it held none', () => {
    const { fast } = fastPath([AOT]);
    expect(fast.process(publish(AOT, payloadOf(3, 9)))).toBeNull();
    const ping = pingresp();
    expect(fast.process(ping)).toBe(ping);
  });

  it('hands a malformed remaining length on to MQTT.js (which closes the connection) instead of stalling', () => {
    const { fast, delivered } = fastPath([AOT]);
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    const rest = fast.process(bad);
    expect(delivered).toEqual([]);
    expect(rest !== null && rest.equals(bad)).toBe(true);
  });
});
