/**
 * A fast path for the one packet that matters: QoS 0 PUBLISH on a topic we
 * subscribed to exactly. It sits between the socket and MQTT.js's parser,
 * frames the byte stream itself (fixed header, across chunks), hands those
 * packets' payloads on directly, and writes every other packet to MQTT.js.
 *
 * Why: MQTT.js spends ~1.8 us per PUBLISH on this machine (a packet object,
 * Buffer slices, a decoded topic string, a nextTick per packet), more than
 * our decode and ring push together. Here a PUBLISH costs a header read, a
 * hash over the topic bytes and a byte comparison; topics are interned, so
 * nothing but the payload view is allocated per message.
 *
 * Linear: a packet cut by chunk boundaries is held as a list of chunk views
 * and concatenated once, when complete, and only when it is routed; a packet
 * for MQTT.js is written on piece by piece as soon as its fixed header (and,
 * for a QoS 0 PUBLISH, its topic) says so, never held whole.
 *
 * Ordering (docs/decisions.md, Transport): a routed PUBLISH is delivered
 * only when MQTT.js reports itself idle, i.e. it has parsed and handled
 * everything written before (its `Writable` runs `_write` synchronously and
 * handles the first packet of a write within it, the others one per tick).
 * So the packets before a routed PUBLISH are written one per write; when
 * MQTT.js is not idle anyway (a handler still waiting), the PUBLISH is written
 * to MQTT.js like any other packet and arrives through its `message` event,
 * in order. PUBLISH packets for MQTT.js with no routed one after them in the
 * chunk share one write (framed, they cannot fail in mqtt-packet); any other
 * packet gets a write of its own, so a parse error cannot hide packets before it. A parse error in MQTT.js is raised inside that
 * synchronous write; the owner then calls {@link PublishFastPath.stop}, so no
 * routed PUBLISH follows an error. When the fast path cannot frame the stream
 * itself (bad fixed header, a PUBLISH whose topic overruns it), it stops
 * routing for good and passes everything on: MQTT.js has the last word.
 */
import { TopicRoutes, type Route } from './topic-routes.js';
import { deliveredTopicTag } from './topic-tag.js';

/** MQTT.js's input, as the fast path sees it. */
export interface MqttInput {
  /** Hands bytes on to MQTT.js's parser, in stream order (a packet may come in several pieces). */
  write(bytes: Buffer): void;
  /** True when MQTT.js has parsed and handled everything written so far. */
  idle(): boolean;
}

// Steps of a packet that is cut by a chunk boundary.
const NONE = 0; // at a packet boundary
const HEADER = 1; // reading the type byte and the remaining length
const TOPIC = 2; // a QoS 0 PUBLISH candidate: reading topic length and topic
const PAYLOAD = 3; // routed: holding payload pieces
const FORWARD = 4; // MQTT.js's: writing the rest on as it comes
type Step = typeof NONE | typeof HEADER | typeof TOPIC | typeof PAYLOAD | typeof FORWARD;

const MAX_TOPIC = 0xffff;
const EMPTY = Buffer.alloc(0);

/**
 * Fixed-header bytes mqtt-packet rejects (or, for types 0 and 15 under MQTT
 * 3.1.1, rejects once the body is in): reserved flag bits other than the
 * required ones, and QoS 3.
 */
const BAD_HEADER: Uint8Array = (() => {
  const required = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];
  const bad = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    const type = b >> 4;
    const flags = b & 0x0f;
    const want = required[type]!;
    bad[b] = type === 0 || type === 15 || (want >= 0 && flags !== want) || ((b >> 1) & 3) === 3 ? 1 : 0;
  }
  return bad;
})();

/** Routes QoS 0 PUBLISH packets of exact topics around MQTT.js; one per connection. */
export class PublishFastPath {
  readonly #routes = new TopicRoutes();
  readonly #deliver: (topic: string, payload: Buffer) => void;
  #input: MqttInput | null = null;
  /** Set by the owner: false until the session is open. */
  active = false;
  #stopped = false;
  /** Framing lost: every byte goes to MQTT.js, nothing is routed again. */
  #broken = false;
  #copied = 0;
  /** PUBLISH packets for MQTT.js at `[runStart, runEnd)` of the current chunk, not yet written. */
  #runStart = 0;
  #runEnd = 0;
  #runCount = 0;

  // The packet in progress across chunks.
  #step: Step = NONE;
  #head = 0;
  #lenValue = 0;
  #lenMul = 1;
  #lenBytes = 0;
  /** Body bytes (after the fixed header) still to come. */
  #remaining = 0;
  /** Pieces of the packet not yet written to MQTT.js (fixed header, topic) while undecided. */
  #held: Buffer[] = [];
  /** Topic length field and topic bytes, copied (at most 65,537 bytes per packet). */
  #topicBuf: Buffer | null = null;
  #topicFill = 0;
  #topicLen = -1;
  #topic = '';
  #tag = 0;
  #payload: Buffer[] = [];
  #payloadBytes = 0;

  /**
   * @param deliver receives the interned topic and the payload (valid during
   * the call); `deliveredTopicTag` holds the topic's tag meanwhile.
   */
  constructor(deliver: (topic: string, payload: Buffer) => void) {
    this.#deliver = deliver;
  }

  /** Where the bytes the fast path does not take go (MQTT.js's parser); set before the first {@link process}. */
  setInput(input: MqttInput): void {
    this.#input = input;
  }

  /** Routes PUBLISH packets of `topic` (an exact topic, no wildcards) through the fast path. */
  add(topic: string): void {
    this.#routes.add(topic);
  }

  /** Stops routing `topic` (its packets go to MQTT.js again). */
  remove(topic: string): void {
    this.#routes.remove(topic);
  }

  /** Ends the path for good: nothing more is routed or written on (a protocol error, or the session closed). */
  stop(): void {
    this.#stopped = true;
    this.#held = [];
    this.#payload = [];
  }

  /**
   * Bytes this path has copied (topics and payloads assembled from several
   * chunks). Instrumentation: tests check it stays linear in the input.
   */
  get bytesCopied(): number {
    return this.#copied;
  }

  /** Takes one chunk from the socket: delivers the PUBLISH packets it routes, writes the rest to MQTT.js. */
  process(chunk: Buffer): void {
    if (this.#stopped || chunk.length === 0) return;
    if (this.#broken) {
      this.#write(chunk);
      return;
    }
    const len = chunk.length;
    let pos = this.#step === NONE ? 0 : this.#continue(chunk, 0, 0);
    while (pos < len && !this.#stopped && !this.#broken) pos = this.#packetAt(chunk, pos);
    if (this.#stopped) this.#runCount = 0;
    else this.#flushRun(chunk, false);
  }

  #write(bytes: Buffer): void {
    const input = this.#input;
    if (input === null) throw new Error('PublishFastPath: setInput() must be called before process()');
    input.write(bytes);
  }

  /** Whether a packet with this type byte could be routed (MQTT.js's idleness aside). */
  #mayRoute(head: number): boolean {
    return (head & 0xf6) === 0x30 && this.active && !this.#routes.empty;
  }

  /**
   * Whether a QoS 0 PUBLISH with this type byte may be routed now. Checked
   * when the fixed header is in: from then until the packet is delivered
   * nothing is written to MQTT.js, so it can only go from busy to idle, not
   * back. (A topic removed meanwhile is still delivered: MQTT.js would too,
   * it emits `message` for any topic.)
   */
  #candidate(head: number): boolean {
    return this.#mayRoute(head) && this.#input!.idle();
  }

  /** Framing is lost at `c[from]`: write `held` and the rest of the chunk on and stop routing. */
  #breakAt(c: Buffer, from: number): number {
    this.#flushRun(c, false);
    this.#broken = true;
    this.#step = NONE;
    const held = this.#held;
    this.#held = [];
    for (let k = 0; k < held.length && !this.#stopped; k++) this.#write(held[k]!);
    if (from < c.length && !this.#stopped) this.#write(c.subarray(from));
    return c.length;
  }

  /** A packet starts at `c[pos]`; returns where the next one starts (or the chunk's end). */
  #packetAt(c: Buffer, pos: number): number {
    const len = c.length;
    const head = c[pos]!;
    let remaining = 0;
    let mul = 1;
    let i = pos + 1;
    const lim = Math.min(len, pos + 5);
    let complete = false;
    for (; i < lim; i++) {
      const b = c[i]!;
      remaining += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) {
        complete = true;
        i++;
        break;
      }
    }
    if (!complete || BAD_HEADER[head] === 1) {
      if (i - pos > 4 || BAD_HEADER[head] === 1) return this.#breakAt(c, pos);
      this.#flushRun(c, false);
      return this.#begin(c, pos); // the fixed header goes on in the next chunk
    }
    const end = i + remaining;
    if (end > len) {
      // Cut by the chunk's end: if its topic is here and routed, MQTT.js must be idle for it.
      let routed = false;
      if (this.#runCount > 0 && this.#mayRoute(head) && remaining >= 2 && i + 2 <= len) {
        const topicEnd = i + 2 + ((c[i]! << 8) | c[i + 1]!);
        routed = topicEnd <= len && topicEnd <= end && this.#routes.match(c, i + 2, topicEnd) !== undefined;
      }
      this.#flushRun(c, routed);
      return this.#stopped ? len : this.#begin(c, pos);
    }
    if ((head & 0xf0) === 0x30) {
      if (remaining < 2) return this.#breakAt(c, pos);
      const topicEnd = i + 2 + ((c[i]! << 8) | c[i + 1]!);
      if (topicEnd > end) return this.#breakAt(c, pos);
      if (this.#candidate(head)) {
        const route = this.#routes.matchRoute(c, i + 2, topicEnd);
        if (route !== undefined) {
          if (this.#runCount > 0) {
            this.#flushRun(c, true);
            if (this.#stopped) return len;
            if (!this.#input!.idle()) {
              this.#write(c.subarray(pos, end));
              return end;
            }
          }
          deliveredTopicTag[0] = route.tag;
          this.#deliver(route.topic, c.subarray(topicEnd, end));
          return end;
        }
      }
      // A PUBLISH framed this far (and with room for its packet id at QoS > 0)
      // cannot fail in mqtt-packet whatever follows it: it may share a write.
      if ((head & 0x06) === 0 || topicEnd + 2 <= end) {
        if (this.#runCount++ === 0) this.#runStart = pos;
        this.#runEnd = end;
        return end;
      }
    }
    this.#flushRun(c, false);
    this.#write(c.subarray(pos, end));
    return end;
  }

  /**
   * Writes the run of PUBLISH packets for MQTT.js that ends here: as one
   * write, or (`perPacket`, when a routed PUBLISH may follow) one write per
   * packet, so that MQTT.js has handled them all when the last write returns.
   */
  #flushRun(c: Buffer, perPacket: boolean): void {
    const n = this.#runCount;
    if (n === 0) return;
    this.#runCount = 0;
    const runEnd = this.#runEnd;
    if (!perPacket || n === 1) {
      this.#write(c.subarray(this.#runStart, runEnd));
      return;
    }
    let p = this.#runStart;
    while (p < runEnd && !this.#stopped) {
      let i = p + 1;
      let rem = 0;
      let mul = 1;
      for (;;) {
        const b = c[i++]!;
        rem += (b & 0x7f) * mul;
        mul *= 128;
        if (b < 0x80) break;
      }
      this.#write(c.subarray(p, i + rem));
      p = i + rem;
    }
  }

  /** Starts a packet that a chunk boundary cuts (its type byte is `c[pos]`, already checked; the run written). */
  #begin(c: Buffer, pos: number): number {
    this.#step = HEADER;
    this.#head = c[pos]!;
    this.#lenValue = 0;
    this.#lenMul = 1;
    this.#lenBytes = 0;
    this.#held = [];
    return this.#continue(c, pos, pos + 1);
  }

  /**
   * Goes on with the packet in progress: this chunk's piece of it starts at
   * `c[from]`, reading resumes at `c[p]`. Returns where the next packet
   * starts (or the chunk's end).
   */
  #continue(c: Buffer, from: number, p: number): number {
    // A step returns where it stopped reading and moves #step on when the
    // packet goes on in this chunk. #step unchanged (the piece is held, or
    // the path stopped) or NONE (framing lost): this chunk is done.
    if (this.#stepIs(HEADER)) {
      p = this.#readRemainingLength(c, from, p);
      if (this.#stepIs(HEADER) || this.#stepIs(NONE)) return p;
    }
    if (this.#stepIs(TOPIC)) {
      p = this.#readTopic(c, from, p);
      if (this.#stepIs(TOPIC) || this.#stepIs(NONE)) return p;
    }
    return this.#stepIs(FORWARD) ? this.#forwardBody(c, from, p) : this.#collectPayload(c, p);
  }

  /** A method, not a field read: the steps change #step behind calls, which TypeScript's narrowing does not see. */
  #stepIs(step: Step): boolean {
    return this.#step === step;
  }

  /** HEADER: reads the remaining length; then TOPIC for a routing candidate, FORWARD (held pieces written) for any other packet. */
  #readRemainingLength(c: Buffer, from: number, p: number): number {
    const len = c.length;
    let done = false;
    while (p < len) {
      const b = c[p++]!;
      this.#lenValue += (b & 0x7f) * this.#lenMul;
      this.#lenMul *= 128;
      this.#lenBytes++;
      if (b < 0x80) {
        done = true;
        break;
      }
      if (this.#lenBytes === 4) return this.#breakAt(c, from);
    }
    if (!done) {
      this.#held.push(c.subarray(from, p));
      return len;
    }
    const head = this.#head;
    this.#remaining = this.#lenValue;
    if (this.#candidate(head)) {
      if (this.#remaining < 2) return this.#breakAt(c, from);
      this.#step = TOPIC;
      this.#topicFill = 0;
      this.#topicLen = -1;
    } else {
      if (!this.#flushHeld()) return len;
      this.#step = FORWARD;
    }
    return p;
  }

  /** TOPIC: reads the topic length and topic (across chunks if need be); then PAYLOAD if it is routed, FORWARD (held pieces written) if not. */
  #readTopic(c: Buffer, from: number, p: number): number {
    const len = c.length;
    let route: Route | undefined;
    if (this.#topicFill === 0 && len - p >= 2 && len - p >= 2 + ((c[p]! << 8) | c[p + 1]!)) {
      // Topic length and topic whole in this chunk (the usual case): matched in place.
      this.#topicLen = (c[p]! << 8) | c[p + 1]!;
      if (2 + this.#topicLen > this.#remaining) return this.#breakAt(c, from);
      route = this.#routes.matchRoute(c, p + 2, p + 2 + this.#topicLen);
      p += 2 + this.#topicLen;
    } else {
      const buf = (this.#topicBuf ??= Buffer.allocUnsafe(2 + MAX_TOPIC));
      for (;;) {
        const need = this.#topicLen < 0 ? 2 : 2 + this.#topicLen;
        const n = Math.min(need - this.#topicFill, len - p);
        c.copy(buf, this.#topicFill, p, p + n);
        this.#copied += n;
        this.#topicFill += n;
        p += n;
        if (this.#topicFill < need) {
          this.#held.push(c.subarray(from, p));
          return len;
        }
        if (this.#topicLen >= 0) break;
        this.#topicLen = (buf[0]! << 8) | buf[1]!;
        if (2 + this.#topicLen > this.#remaining) return this.#breakAt(c, from);
      }
      route = this.#routes.matchRoute(buf, 2, 2 + this.#topicLen);
    }
    this.#remaining -= 2 + this.#topicLen;
    if (route === undefined) {
      if (!this.#flushHeld()) return len;
      this.#step = FORWARD;
    } else {
      this.#held = [];
      this.#topic = route.topic;
      this.#tag = route.tag;
      this.#payload = [];
      this.#payloadBytes = 0;
      this.#step = PAYLOAD;
    }
    return p;
  }

  /** FORWARD: writes this chunk's piece of MQTT.js's packet on. */
  #forwardBody(c: Buffer, from: number, p: number): number {
    const len = c.length;
    const n = Math.min(this.#remaining, len - p);
    this.#remaining -= n;
    // This chunk's piece of the packet, fixed header and topic included, in one write.
    if (p + n > from) this.#write(c.subarray(from, p + n));
    p += n;
    if (this.#remaining > 0) return len;
    this.#step = NONE;
    return p;
  }

  /** PAYLOAD: holds this chunk's piece of a routed payload; delivers it once whole (concatenated only if it came in pieces). */
  #collectPayload(c: Buffer, p: number): number {
    const len = c.length;
    const n = Math.min(this.#remaining, len - p);
    this.#remaining -= n;
    if (n > 0) {
      this.#payload.push(c.subarray(p, p + n));
      this.#payloadBytes += n;
    }
    p += n;
    if (this.#remaining > 0) return len;
    this.#step = NONE;
    const parts = this.#payload;
    this.#payload = [];
    let payload: Buffer;
    if (parts.length === 0) payload = EMPTY;
    else if (parts.length === 1) payload = parts[0]!;
    else {
      payload = Buffer.concat(parts, this.#payloadBytes);
      this.#copied += this.#payloadBytes;
    }
    deliveredTopicTag[0] = this.#tag;
    this.#deliver(this.#topic, payload);
    return p;
  }

  /** Writes the pieces held from earlier chunks to MQTT.js; false if the path stopped meanwhile. */
  #flushHeld(): boolean {
    const held = this.#held;
    this.#held = [];
    for (let k = 0; k < held.length && !this.#stopped; k++) this.#write(held[k]!);
    return !this.#stopped;
  }
}
