/**
 * A fast path for the one packet that matters: QoS 0 PUBLISH on a topic we
 * subscribed to exactly. It sits between the socket and MQTT.js's parser,
 * cuts those packets out of each incoming chunk and hands their payloads on
 * at once; every other byte (CONNACK, SUBACK, PINGRESP, QoS > 0, unknown
 * topics, partial packets) goes on to MQTT.js unchanged and in order.
 *
 * Why: MQTT.js spends ~1.8 us per PUBLISH on this machine (a packet object,
 * Buffer slices, a decoded topic string, a nextTick per packet), more than
 * our decode and ring push together. Here a PUBLISH costs a header read, a
 * hash over the topic bytes and a byte comparison; topics are interned, so
 * nothing but the payload view is allocated per message.
 *
 * Ordering: a PUBLISH for our subscriptions cannot precede the CONNACK
 * (the SUBSCRIBE is sent when MQTT.js handles the CONNACK, clean sessions),
 * and the owner only activates the path once the session is open.
 */

const PUBLISH = 3;

interface Route {
  readonly bytes: Buffer;
  readonly topic: string;
}

/** FNV-1a over `buf[start, end)`. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Buffer, buf: Uint8Array, start: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

export class PublishFastPath {
  readonly #routes = new Map<number, Route[]>();
  #pending: Buffer | null = null;
  /** Set by the owner: false until the session is open, and after it closed. */
  active = false;

  /** @param deliver receives the interned topic and a view of the payload (valid after the call). */
  constructor(private readonly deliver: (topic: string, payload: Buffer) => void) {}

  /** Routes PUBLISH packets of `topic` (an exact topic, no wildcards) through the fast path. */
  add(topic: string): void {
    if (topic.includes('+') || topic.includes('#')) return; // wildcards stay with MQTT.js
    const bytes = Buffer.from(topic, 'utf8');
    const h = hashBytes(bytes, 0, bytes.length);
    const list = this.#routes.get(h) ?? [];
    if (!list.some((r) => r.topic === topic)) list.push({ bytes, topic });
    this.#routes.set(h, list);
  }

  /** Stops routing `topic` (its packets go to MQTT.js again). */
  remove(topic: string): void {
    const bytes = Buffer.from(topic, 'utf8');
    const h = hashBytes(bytes, 0, bytes.length);
    const list = this.#routes.get(h)?.filter((r) => r.topic !== topic);
    if (list && list.length > 0) this.#routes.set(h, list);
    else this.#routes.delete(h);
  }

  #route(buf: Uint8Array, start: number, end: number): Route | undefined {
    const list = this.#routes.get(hashBytes(buf, start, end));
    if (list === undefined) return undefined;
    const n = end - start;
    for (let k = 0; k < list.length; k++) {
      const r = list[k]!;
      if (r.bytes.length === n && sameBytes(r.bytes, buf, start)) return r;
    }
    return undefined;
  }

  /**
   * Takes one chunk from the socket; delivers the PUBLISH packets it routes
   * and returns the bytes MQTT.js must still see (`null` when none). A
   * packet cut by the chunk boundary is kept until the next chunk.
   */
  process(chunk: Buffer): Buffer | null {
    const buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    const len = buf.length;
    let pos = 0;
    // Pass-through runs: [passStart, pos) accumulates until a routed packet interrupts it.
    let passStart = 0;
    let passed: Buffer[] | null = null;
    while (pos < len) {
      // Fixed header: type/flags byte, then the remaining length (1-4 bytes, 7 bits each).
      if (len - pos < 2) break;
      let remaining = 0;
      let mul = 1;
      let i = pos + 1;
      let complete = false;
      for (; i < len && i < pos + 5; i++) {
        const b = buf[i]!;
        remaining += (b & 0x7f) * mul;
        mul *= 128;
        if (b < 0x80) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete) {
        if (i - pos >= 5) {
          // Malformed length: MQTT.js reports it and closes the connection.
          return this.#flush(buf, passStart, len, passed);
        }
        break;
      }
      const packetEnd = i + remaining;
      if (packetEnd > len) break;
      const head = buf[pos]!;
      if (this.active && head >> 4 === PUBLISH && (head & 0x06) === 0 && remaining >= 2) {
        const topicLen = (buf[i]! << 8) | buf[i + 1]!;
        const topicStart = i + 2;
        const topicEnd = topicStart + topicLen;
        const route = topicEnd <= packetEnd ? this.#route(buf, topicStart, topicEnd) : undefined;
        if (route !== undefined) {
          if (pos > passStart) (passed ??= []).push(buf.subarray(passStart, pos));
          this.deliver(route.topic, buf.subarray(topicEnd, packetEnd));
          passStart = packetEnd;
        }
      }
      pos = packetEnd;
    }
    if (pos < len) this.#pending = Buffer.from(buf.subarray(pos));
    return this.#flush(buf, passStart, pos, passed);
  }

  #flush(buf: Buffer, passStart: number, end: number, passed: Buffer[] | null): Buffer | null {
    if (passed === null) {
      if (passStart === 0 && end === buf.length) return buf;
      return end > passStart ? buf.subarray(passStart, end) : null;
    }
    if (end > passStart) passed.push(buf.subarray(passStart, end));
    return passed.length === 1 ? passed[0]! : Buffer.concat(passed);
  }
}
