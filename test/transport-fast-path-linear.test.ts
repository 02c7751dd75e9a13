/**
 * The fast path copies O(packet size) bytes however a packet is chunked:
 * counted (PublishFastPath.bytesCopied), not timed.
 */
import { describe, expect, it } from 'vitest';
import { PublishFastPath } from '../src/transport/publish-fast-path.js';
import { publish } from './helpers/mqtt-wire.js';

const TOPIC = 'proto/topic/bidofferv3/AOT';
const MB = 1024 * 1024;
const CHUNK = 16 * 1024;

function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < buf.length; pos += size) out.push(buf.subarray(pos, pos + size));
  return out;
}

function bigPayload(n: number): Buffer {
  const p = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i += 4096) p.fill(i & 0xff, i, Math.min(n, i + 4096));
  return p;
}

describe('PublishFastPath copies linearly', () => {
  it('an 8 MB routed PUBLISH in 16 KiB chunks: delivered once, intact, copying about its size once', () => {
    const payload = bigPayload(8 * MB);
    const pkt = publish(TOPIC, payload);
    const delivered: Buffer[] = [];
    const writes: number[] = [];
    const fast = new PublishFastPath((_t, p) => delivered.push(p));
    fast.setInput({ write: (b) => writes.push(b.length), idle: () => true });
    fast.add(TOPIC);
    fast.active = true;
    for (const c of chunked(pkt, CHUNK)) fast.process(c);
    expect(delivered.length).toBe(1);
    expect(delivered[0]!.equals(payload)).toBe(true);
    expect(writes).toEqual([]);
    expect(fast.bytesCopied).toBeGreaterThan(0);
    expect(fast.bytesCopied).toBeLessThanOrEqual(2 * pkt.length);
  });

  it('16 MB in 1 KiB chunks and in 3-byte-misaligned chunks: still at most 2x the packet', () => {
    const payload = bigPayload(16 * MB);
    const pkt = publish(TOPIC, payload);
    for (const size of [1024, 16 * 1024 + 3]) {
      let got = 0;
      const fast = new PublishFastPath((_t, p) => (got += p.length));
      fast.setInput({ write: () => undefined, idle: () => true });
      fast.add(TOPIC);
      fast.active = true;
      for (const c of chunked(pkt, size)) fast.process(c);
      expect(got).toBe(payload.length);
      expect(fast.bytesCopied).toBeLessThanOrEqual(2 * pkt.length);
    }
  });

  it('an 8 MB packet for MQTT.js (unsubscribed topic, QoS 1) streams through as it comes: nothing held, nothing copied', () => {
    const payload = bigPayload(8 * MB);
    for (const pkt of [publish('proto/topic/bidofferv3/PTT', payload), publish(TOPIC, payload, 1)]) {
      const writes: Buffer[] = [];
      const fast = new PublishFastPath(() => {
        throw new Error('not routed');
      });
      fast.setInput({ write: (b) => writes.push(b), idle: () => true });
      fast.add(TOPIC);
      fast.active = true;
      const chunks = chunked(pkt, CHUNK);
      for (const c of chunks) fast.process(c);
      // One write per chunk (each chunk's piece goes on at once), the bytes unchanged.
      expect(writes.length).toBe(chunks.length);
      expect(Buffer.concat(writes).equals(pkt)).toBe(true);
      expect(fast.bytesCopied).toBe(0);
    }
  });

  it('many small routed PUBLISHes cut at random: copies stay within 2x the stream', () => {
    const pkts: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) pkts.push(publish(TOPIC, bigPayload(150 + (i % 100))));
    const stream = Buffer.concat(pkts);
    let n = 0;
    const fast = new PublishFastPath(() => n++);
    fast.setInput({ write: () => undefined, idle: () => true });
    fast.add(TOPIC);
    fast.active = true;
    for (const c of chunked(stream, 1000)) fast.process(c);
    expect(n).toBe(pkts.length);
    expect(fast.bytesCopied).toBeLessThanOrEqual(2 * stream.length);
  });
});
