/**
 * MQTT 3.1.1 packets built by hand from the spec's byte layout, so tests do
 * not trust the code under test or MQTT.js to frame them.
 */

/** The remaining-length field (1-4 bytes, 7 bits each, least significant first). */
export function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A packet from its type/flags byte and body. */
export function packet(head: number, body: Uint8Array | number[]): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([head, ...remainingLength(b.length)]), b]);
}

/** PUBLISH; `flags` adds DUP (0x08) / RETAIN (0x01) bits. */
export function publish(topic: string | Uint8Array, payload: Uint8Array, qos: 0 | 1 | 2 = 0, packetId = 7, flags = 0): Buffer {
  const t = typeof topic === 'string' ? Buffer.from(topic, 'utf8') : Buffer.from(topic);
  const id = qos > 0 ? [packetId >> 8, packetId & 0xff] : [];
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, Buffer.from(id), Buffer.from(payload)]);
  return packet(0x30 | (qos << 1) | flags, body);
}

export const pingresp = (): Buffer => Buffer.from([0xd0, 0x00]);
/** A SUBACK granting `count` subscriptions, each with `code`. */
export const suback = (id: number, code = 0, count = 1): Buffer =>
  Buffer.from([0x90, 2 + count, id >> 8, id & 0xff, ...new Array<number>(count).fill(code)]);
export const unsuback = (id: number): Buffer => Buffer.from([0xb0, 0x02, id >> 8, id & 0xff]);
export const puback = (id: number): Buffer => Buffer.from([0x40, 0x02, id >> 8, id & 0xff]);
export const connack = (returnCode = 0, sessionPresent = 0): Buffer => Buffer.from([0x20, 0x02, sessionPresent, returnCode]);

/** `n` bytes of a deterministic pattern. */
export function payloadOf(n: number, seed: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 31 + seed) & 0xff;
  return p;
}
