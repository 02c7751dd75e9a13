/**
 * Differential test: the fast path in front of mqtt-packet's parser (what
 * MQTT.js runs) against mqtt-packet alone, on random byte streams, valid and
 * invalid, cut into random chunks. Both sides must produce the same packets
 * (a routed PUBLISH counts as the PUBLISH packet MQTT.js would have parsed),
 * in the same order, and stop at the same first parse error.
 *
 * The reference is mqtt-packet fed one packet per `parse()` call, framed by
 * the fixed header. mqtt-packet reads past a packet's end for some malformed
 * short packets (a CONNACK under 2 bytes, an ack under 2 bytes) when more
 * bytes sit in its buffer, so MQTT.js alone depends on the TCP segmentation
 * there; for streams without malformed packets the reference is also checked
 * against mqtt-packet fed the whole stream at once.
 *
 * MQTT.js is not always done with a write when `write()` returns: it handles
 * the first packet of a write at once and the others one per tick, and a
 * handler may wait for the socket. The downstream models that: it turns busy
 * after a write that held several packets (and, in half the streams, at
 * random), queues later writes, and catches up between chunks.
 *
 * Replay: FAST_PATH_SEED=<seed printed below> npx vitest run test/transport-fast-path-differential.test.ts
 */
import { mulberry32 } from '../src/sim/market-generator.js';
import { parser, type Packet } from 'mqtt-packet';
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PublishFastPath } from '../src/transport/publish-fast-path.js';
import { connack, packet, payloadOf, pingresp, puback, publish, suback, unsuback } from './helpers/mqtt-wire.js';

const PATTERN = Buffer.from(payloadOf(17_000, 0));
/** A payload of `n` bytes (a view into one pattern, so generating costs little). */
const bytes = (n: number, k: number): Buffer => PATTERN.subarray(k, k + n);

const STREAMS = 100_000;

const rng = mulberry32;

const SUBSCRIBED = ['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT', 'x', 'ตลาด/หุ้น', 'long/' + 'z'.repeat(190)];
const UNSUBSCRIBED = ['proto/topic/bidofferv3/AOX', 'proto/topic/bidofferv3/AO', 'proto/topic/bidofferv3/AOTT', '', 'y', 'ตลาด/หุ้X', 'long/' + 'z'.repeat(189) + 'y'];

/** Length and FNV-1a of a payload: cheaper than its hex, as telling for a test. */
function digest(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}:${(h >>> 0).toString(16)}`;
}

function describePacket(p: Packet): string {
  if (p.cmd === 'publish') {
    const id = p.qos > 0 ? ` id${p.messageId}` : '';
    return `publish q${p.qos} ${p.topic} ${digest(p.payload as Buffer)}${id}`;
  }
  const f = p as unknown as Record<string, unknown>;
  return `${p.cmd} len${f.length} id${f.messageId} rc${f.returnCode} sp${f.sessionPresent} g${JSON.stringify(f.granted)}`;
}

interface Outcome {
  events: string[];
  error: boolean;
}

function recorder(): { out: Outcome; p: ReturnType<typeof parser> } {
  const out: Outcome = { events: [], error: false };
  const p = parser({ protocolVersion: 4 });
  p.on('packet', (pk: Packet) => {
    if (!out.error) out.events.push(describePacket(pk));
  });
  p.on('error', () => {
    out.error = true;
  });
  return { out, p };
}

/** mqtt-packet alone, one packet per parse() call. */
function referencePerPacket(stream: Buffer): Outcome {
  const { out, p } = recorder();
  let pos = 0;
  while (pos < stream.length && !out.error) {
    let i = pos + 1;
    let rem = 0;
    let mul = 1;
    let framed = false;
    while (i < stream.length && i < pos + 5) {
      const b = stream[i++]!;
      rem += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) {
        framed = true;
        break;
      }
    }
    const end = framed ? Math.min(stream.length, i + rem) : stream.length;
    p.parse(stream.subarray(pos, end));
    pos = end;
  }
  return out;
}

/** mqtt-packet alone, the whole stream in one parse() call. */
function referenceWhole(stream: Buffer): Outcome {
  const { out, p } = recorder();
  p.parse(stream);
  return out;
}

/** The fast path in front of mqtt-packet, fed `chunks`. */
function throughFastPath(chunks: Buffer[], active: boolean, busyChance: number, rand: () => number): Outcome {
  const out: Outcome = { events: [], error: false };
  const p = parser({ protocolVersion: 4 });
  // Not gated on the error: a delivery after it must show up as a difference.
  const fast = new PublishFastPath((topic, payload) => {
    out.events.push(`${out.error ? 'AFTER ERROR ' : ''}publish q0 ${topic} ${digest(payload)}`);
  });
  // The downstream: MQTT.js handles the first packet parsed in a write at once
  // and the others one per tick (`deferred`); while it has any left, or a
  // handler is waiting (random, `busyChance`), later writes wait (`queued`).
  let busy = false;
  let parsedInWrite = 0;
  const deferred: string[] = [];
  const queued: Buffer[] = [];
  p.on('packet', (pk: Packet) => {
    if (out.error) return;
    if (parsedInWrite++ === 0 && !busy) out.events.push(describePacket(pk));
    else deferred.push(describePacket(pk));
  });
  p.on('error', () => {
    out.error = true;
    deferred.length = 0; // the session is closed before MQTT.js gets to them
    fast.stop(); // what the session does: the error is raised inside the write
  });
  fast.setInput({
    write: (bytes) => {
      if (busy) {
        queued.push(bytes);
        return;
      }
      parsedInWrite = 0;
      p.parse(bytes);
      if (deferred.length > 0 || (busyChance > 0 && rand() < busyChance)) busy = true;
    },
    idle: () => !busy,
  });
  /** Between socket reads MQTT.js catches up: deferred packets, then queued writes, in order. */
  const catchUp = (): void => {
    out.events.push(...deferred);
    deferred.length = 0;
    busy = true; // everything parsed now goes straight to `deferred`, then the log: order kept
    for (let k = 0; k < queued.length && !out.error; k++) {
      p.parse(queued[k]!);
      out.events.push(...deferred);
      deferred.length = 0;
    }
    queued.length = 0;
    busy = false;
  };
  for (const t of SUBSCRIBED) fast.add(t);
  fast.active = active;
  for (const c of chunks) {
    catchUp();
    fast.process(c);
  }
  catchUp();
  return out;
}

interface Generated {
  stream: Buffer;
  malformed: boolean;
}

function generate(rand: () => number): Generated {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const size = (): number => {
    const r = rand();
    return r < 0.7 ? int(40) : r < 0.995 ? int(300) : 16_370 + int(30); // 1-, 2- and 3-byte remaining lengths
  };
  const parts: Buffer[] = [];
  let malformed = false;
  const n = 1 + int(6);
  for (let k = 0; k < n; k++) {
    const r = rand();
    if (r < 0.4) parts.push(publish(pick(SUBSCRIBED), bytes(size(), k), 0, 1, rand() < 0.1 ? pick([0x01, 0x08, 0x09]) : 0));
    else if (r < 0.5) parts.push(publish(pick(UNSUBSCRIBED), bytes(size(), k)));
    else if (r < 0.57) parts.push(publish(pick(SUBSCRIBED), bytes(int(50), k), pick([1, 2] as const), 1 + int(65535)));
    else if (r < 0.62) parts.push(pingresp());
    else if (r < 0.67) parts.push(suback(1 + int(65535), pick([0, 1, 2, 0x80])));
    else if (r < 0.7) parts.push(connack(int(6), int(2)));
    else if (r < 0.72) parts.push(unsuback(1 + int(65535)));
    else if (r < 0.74) parts.push(puback(1 + int(65535)));
    else if (r < 0.76) parts.push(Buffer.from([0x30, 0x85, 0x00, 0x00, 0x01, 0x78, 0x61, 0x62])); // remaining length 5 in two bytes (valid), topic 'x'
    else {
      malformed = true;
      const m = int(12);
      if (m === 0) parts.push(Buffer.from(Array.from({ length: 1 + int(20) }, () => int(256)))); // garbage
      else if (m === 1) parts.push(Buffer.from([pick([0x30, 0x90, 0xd0]), 0xff, 0xff, 0xff, 0xff, int(128)])); // overlong remaining length
      else if (m === 2) parts.push(packet(pick([0x92, 0xd1, 0x21, 0x62, 0x80, 0xa0, 0x36, 0x3e]), [0, 1, 0x78])); // bad flags / QoS 3
      else if (m === 3) parts.push(packet(pick([0x00, 0xf0]), Array.from({ length: int(5) }, () => int(256)))); // reserved type, AUTH under 3.1.1
      else if (m === 4) parts.push(packet(0x30, int(2) === 0 ? [] : [0])); // PUBLISH shorter than a topic length
      else if (m === 5) {
        const p = publish(pick(SUBSCRIBED), bytes(int(20), k));
        let at = 1;
        while (p[at]! & 0x80) at++;
        p[at + 1] = 0xff; // topic length (after the remaining length) past the packet end
        parts.push(p);
      } else if (m === 6) parts.push(suback(1, 0x05)); // invalid return code: only the parser knows
      else if (m === 7) parts.push(Buffer.from([0x20, 0x02, 0x02, 0x00])); // invalid CONNACK flags
      else if (m === 8) parts.push(Buffer.from([0xb0, 0x03, 0x00, 0x01, 0x00])); // UNSUBACK of the wrong length
      else if (m === 9) parts.push(publish(pick(SUBSCRIBED), bytes(int(20), k)).subarray(0, 1 + int(6))); // a cut packet, then whatever follows
      else if (m === 10) parts.push(Buffer.from([0x30, 0x80 | int(128), 0x80 | int(128), 0x80 | int(128)])); // length that swallows what follows
      else parts.push(Buffer.from([0x31, 0x02, 0x00, 0x00])); // retained PUBLISH with the empty topic
    }
  }
  let stream = Buffer.concat(parts);
  if (rand() < 0.1 && stream.length > 1) stream = stream.subarray(0, int(stream.length)); // truncated
  return { stream, malformed };
}

function split(stream: Buffer, rand: () => number): Buffer[] {
  const r = rand();
  let mode = r < 0.15 ? 0 : r < 0.25 ? 1 : r < 0.4 ? 2 : r < 0.6 ? 3 : r < 0.8 ? 4 : 5;
  if (mode === 0) return [stream];
  // Big streams in tiny chunks cost time, not coverage.
  if (stream.length > 2000 && mode < 4) mode = 4;
  else if (stream.length > 300 && mode < 3) mode = 3;
  const max = [0, 1, 3, 16, 300, 5000][mode]!;
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < stream.length; ) {
    const n = 1 + Math.floor(rand() * max);
    chunks.push(stream.subarray(pos, pos + n));
    pos += n;
  }
  return chunks;
}

describe('PublishFastPath vs mqtt-packet (differential)', () => {
  it(`${STREAMS} random streams, random chunking: same packets, same order, same stop at the first error`, () => {
    const seed = process.env.FAST_PATH_SEED !== undefined ? Number(process.env.FAST_PATH_SEED) : randomInt(2 ** 31);
    console.log(`fast-path differential: seed ${seed} (replay with FAST_PATH_SEED=${seed})`);
    const rand = rng(seed);
    let routedSomething = 0;
    let errors = 0;
    for (let s = 0; s < STREAMS; s++) {
      const { stream, malformed } = generate(rand);
      const chunks = split(stream, rand);
      const active = rand() < 0.95;
      const busyChance = rand() < 0.5 ? 0 : 0.3;
      const expected = referencePerPacket(stream);
      const actual = throughFastPath(chunks, active, busyChance, rand);
      const where = (): string =>
        `seed ${seed}, stream #${s}, active ${active}, busy ${busyChance}, chunks [${chunks.map((c) => c.length).join(',')}], bytes ${stream.toString('hex')}`;
      if (actual.error !== expected.error || actual.events.length !== expected.events.length || actual.events.some((e, i) => e !== expected.events[i])) {
        expect(actual, where()).toEqual(expected);
      }
      if (!malformed && s % 8 === 0) {
        const whole = referenceWhole(stream);
        if (whole.error !== expected.error || whole.events.join('\n') !== expected.events.join('\n')) expect(expected, `reference, ${where()}`).toEqual(whole);
      }
      if (expected.error) errors++;
      if (expected.events.some((e) => e.startsWith('publish q0'))) routedSomething++;
    }
    // The generator must exercise both outcomes a lot.
    expect(errors).toBeGreaterThan(STREAMS / 10);
    expect(routedSomething).toBeGreaterThan(STREAMS / 2);
  });
});
