/**
 * The simulator's data plane. aedes keeps the control plane (CONNECT,
 * SUBSCRIBE, keepalive, its own PUBLISHes such as error replies), but the
 * market feed does not go through it: a QoS 0 PUBLISH frame (fixed header,
 * topic, payload) is written straight into each subscribed connection's
 * outbound batch, and every batch goes out once per event-loop turn as one
 * WebSocket frame (`ws.send`, one `socket.write`). aedes was the limit at
 * 17-44k msg/s (a packet object, an mqemitter hop and several stream writes
 * per message); here a message costs a header and two copies.
 *
 * Ordering with aedes: aedes' own writes reach the same outbound batch (the
 * gateway routes the connection stream's `_write`/`_writev` here), in the
 * order they were written. mqtt-packet corks the stream while it writes a
 * packet's pieces and uncorks on the next tick, so a packet arrives here
 * whole, in one `_writev`, and nothing of ours can land inside it.
 * MQTT over WebSocket allows any number of packets per frame.
 *
 * Backpressure: a connection whose bytes not yet taken by the kernel exceed
 * {@link MAX_BUFFERED_BYTES} has further feed messages shed (counted per
 * connection); control bytes are never shed.
 *
 * Accounting: per symbol, what was handed to the gateway, what went to no
 * subscriber, and per connection what was written and shed; when a
 * connection closes, how many of its messages were still in flight (not yet
 * confirmed written to the kernel by the socket), which bounds what the
 * close can have lost.
 */
import type { WebSocket } from 'ws';
import { BIDOFFER_TOPIC_PREFIX } from '../adapter/symbol.js';

/** Bytes a connection may have queued (batched, or sent but not yet in the kernel) before feed messages are shed. */
export const MAX_BUFFERED_BYTES = 32 << 20;
/** Size of one outbound batch buffer; a full batch is sent at once. */
const BATCH_BYTES = 256 << 10;
/** Batch buffers kept for reuse per connection. */
const POOL_SIZE = 8;
const PUBLISH_QOS0 = 0x30;

/** Why a connection ended. `open` while it lasts. */
export type ConnectionEnd = 'open' | 'closed' | 'dropped' | 'token-expired' | 'outage';

/** Ends that a fault (or the token clock) caused, as opposed to the client leaving or the simulator stopping. */
export const FAULT_ENDS: ReadonlySet<ConnectionEnd> = new Set<ConnectionEnd>(['dropped', 'token-expired', 'outage']);

/** Counters of one connection, from {@link FastPublisher.accounting}. */
export interface ConnectionAccounting {
  /** Order of acceptance (1, 2, ...). */
  readonly id: number;
  /** Well-formed feed messages written to this connection, per symbol. */
  readonly writtenBySymbol: Record<string, number>;
  /** Well-formed feed messages written in all. */
  readonly written: number;
  /** Malformed payloads written. */
  readonly malformedWritten: number;
  /** Feed messages shed because the connection was too far behind. */
  readonly shed: number;
  /** How the connection ended. */
  readonly end: ConnectionEnd;
  /** Messages written but not yet confirmed in the kernel when it closed (0 while open). */
  readonly inFlightAtClose: number;
}

/** Simulator-side accounting, from {@link FastPublisher.accounting}. */
export interface PublisherAccounting {
  /** Messages (well-formed and malformed) handed to the gateway, per symbol. */
  readonly handedBySymbol: Record<string, number>;
  /** Messages published while no connection subscribed to their topic, per symbol. */
  readonly noSubscriberBySymbol: Record<string, number>;
  /** Every connection so far, in order. */
  readonly connections: readonly ConnectionAccounting[];
}

interface TopicEntry {
  readonly symbol: string;
  readonly topic: string;
  readonly index: number;
  /** 2-byte length + topic bytes. */
  readonly topicBytes: Buffer;
  subscribers: Outbound[];
  /** FastPublisher.version when `subscribers` was computed. */
  version: number;
  handed: number;
  noSubscriber: number;
}

/** Does MQTT topic filter `filter` match `topic` (`+` one level, `#` the rest)? */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** One connection's outbound byte stream: batched, ordered, bounded. */
export class Outbound {
  /** Topic filters this connection subscribed to. */
  readonly filters = new Set<string>();
  /** Indexed by topic entry. */
  readonly writtenByTopic: number[] = [];
  written = 0;
  malformedWritten = 0;
  shed = 0;
  end: ConnectionEnd = 'open';
  inFlightAtClose = 0;
  private buf: Buffer;
  private len = 0;
  private batchMessages = 0;
  private unconfirmedMessages = 0;
  private unconfirmedBytes = 0;
  private readonly pool: Buffer[] = [];
  private dirty = false;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly owner: FastPublisher,
  ) {
    this.buf = Buffer.allocUnsafeSlow(BATCH_BYTES);
  }

  /** Bytes batched or sent but not yet in the kernel. */
  get bufferedBytes(): number {
    return this.len + this.unconfirmedBytes;
  }

  /** Appends bytes aedes wrote (whole packets); never shed. */
  appendControl(chunk: Uint8Array): void {
    if (this.end !== 'open') return;
    if (this.len + chunk.length > this.buf.length) this.flush();
    if (chunk.length > this.buf.length) {
      this.sendNow(Buffer.from(chunk), 0);
      return;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    this.markDirty();
  }

  /** Appends one QoS 0 PUBLISH; false when shed (too far behind). */
  appendPublish(t: TopicEntry, payload: Uint8Array, malformed: boolean): boolean {
    const remaining = t.topicBytes.length + payload.length;
    const frameLen = 1 + (remaining < 128 ? 1 : remaining < 16384 ? 2 : remaining < 2097152 ? 3 : 4) + remaining;
    if (this.len + this.unconfirmedBytes + frameLen > MAX_BUFFERED_BYTES) {
      this.shed++;
      return false;
    }
    if (this.len + frameLen > this.buf.length) {
      this.flush();
      if (frameLen > this.buf.length) this.buf = Buffer.allocUnsafeSlow(frameLen);
    }
    const b = this.buf;
    let p = this.len;
    b[p++] = PUBLISH_QOS0;
    let r = remaining;
    do {
      let byte = r & 0x7f;
      r >>>= 7;
      if (r > 0) byte |= 0x80;
      b[p++] = byte;
    } while (r > 0);
    t.topicBytes.copy(b, p);
    p += t.topicBytes.length;
    b.set(payload, p);
    this.len = p + payload.length;
    this.batchMessages++;
    if (malformed) this.malformedWritten++;
    else {
      this.written++;
      this.writtenByTopic[t.index] = (this.writtenByTopic[t.index] ?? 0) + 1;
    }
    this.markDirty();
    return true;
  }

  /** Sends the current batch as one WebSocket frame. */
  flush(): void {
    this.dirty = false;
    if (this.len === 0 || this.end !== 'open') return;
    const full = this.buf;
    const batch = full.subarray(0, this.len);
    const messages = this.batchMessages;
    this.buf = this.pool.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.len = 0;
    this.batchMessages = 0;
    this.sendNow(batch, messages, full);
  }

  /** Stops writing; records what was still in flight. Idempotent. */
  close(end: Exclude<ConnectionEnd, 'open'>): void {
    if (this.end !== 'open') return;
    this.end = end;
    this.inFlightAtClose = this.unconfirmedMessages + this.batchMessages;
    this.len = 0;
    this.batchMessages = 0;
  }

  private sendNow(data: Buffer, messages: number, recycle?: Buffer): void {
    this.unconfirmedMessages += messages;
    this.unconfirmedBytes += data.length;
    this.ws.send(data, { binary: true }, (err) => {
      this.unconfirmedMessages -= messages;
      this.unconfirmedBytes -= data.length;
      if (recycle !== undefined && recycle.length === BATCH_BYTES && this.pool.length < POOL_SIZE) this.pool.push(recycle);
      if (err == null && messages > 0) this.owner.delivered(messages);
    });
  }

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.owner.schedule(this);
  }
}

/** What the publisher reports back. */
export interface FastPublisherHooks {
  /** `count` feed messages reached the kernel of some connection. */
  onDelivered(count: number): void;
}

/** Subscriptions, the per-tick flush, and the accounting of every connection. */
export class FastPublisher {
  private readonly topics = new Map<string, TopicEntry>();
  private readonly topicList: TopicEntry[] = [];
  private readonly open = new Set<Outbound>();
  private readonly all: Outbound[] = [];
  private readonly dirty: Outbound[] = [];
  private flushScheduled = false;
  private version = 0;
  private nextId = 1;

  constructor(private readonly hooks: FastPublisherHooks) {}

  /** A new connection's outbound stream. */
  addConnection(ws: WebSocket): Outbound {
    const o = new Outbound(this.nextId++, ws, this);
    this.open.add(o);
    this.all.push(o);
    return o;
  }

  /** Ends a connection (before terminating it, so nothing more is written to it). */
  closeConnection(o: Outbound, end: Exclude<ConnectionEnd, 'open'>): void {
    if (!this.open.delete(o)) return;
    o.close(end);
    this.version++;
  }

  /** Adds a topic filter of a connection. */
  subscribe(o: Outbound, filter: string): void {
    if (o.end !== 'open' || o.filters.has(filter)) return;
    o.filters.add(filter);
    this.version++;
  }

  /** Removes a topic filter of a connection. */
  unsubscribe(o: Outbound, filter: string): void {
    if (o.filters.delete(filter)) this.version++;
  }

  /** Number of open connections with a filter matching `symbol`'s topic. */
  subscriberCount(symbol: string): number {
    return this.subscribersOf(this.entry(symbol)).length;
  }

  /**
   * Writes a QoS 0 PUBLISH of `payload` on `symbol`'s topic to every
   * subscribed connection; returns to how many (shed ones not counted).
   * The payload is copied: the caller may reuse it.
   */
  publish(symbol: string, payload: Uint8Array, malformed = false): number {
    const t = this.entry(symbol);
    t.handed++;
    const subs = this.subscribersOf(t);
    if (subs.length === 0) {
      t.noSubscriber++;
      return 0;
    }
    let n = 0;
    for (let i = 0; i < subs.length; i++) if (subs[i]!.appendPublish(t, payload, malformed)) n++;
    return n;
  }

  /** Messages shed across every connection. */
  get totalShed(): number {
    let n = 0;
    for (const o of this.all) n += o.shed;
    return n;
  }

  /** Sends every pending batch now (also done once per event-loop turn by itself). */
  flush(): void {
    this.flushScheduled = false;
    const list = this.dirty.splice(0);
    for (const o of list) o.flush();
  }

  /** The accounting of every symbol and connection so far. */
  accounting(): PublisherAccounting {
    const handedBySymbol: Record<string, number> = {};
    const noSubscriberBySymbol: Record<string, number> = {};
    for (const t of this.topicList) {
      handedBySymbol[t.symbol] = t.handed;
      noSubscriberBySymbol[t.symbol] = t.noSubscriber;
    }
    const connections = this.all.map((o) => {
      const writtenBySymbol: Record<string, number> = {};
      o.writtenByTopic.forEach((n, i) => {
        if (n !== undefined) writtenBySymbol[this.topicList[i]!.symbol] = n;
      });
      return {
        id: o.id,
        writtenBySymbol,
        written: o.written,
        malformedWritten: o.malformedWritten,
        shed: o.shed,
        end: o.end,
        inFlightAtClose: o.inFlightAtClose,
      };
    });
    return { handedBySymbol, noSubscriberBySymbol, connections };
  }

  /** @internal Called by an Outbound that has bytes to send. */
  schedule(o: Outbound): void {
    this.dirty.push(o);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushNow);
  }

  /** @internal */
  delivered(count: number): void {
    this.hooks.onDelivered(count);
  }

  private readonly flushNow = (): void => this.flush();

  private entry(symbol: string): TopicEntry {
    let t = this.topics.get(symbol);
    if (t === undefined) {
      const topic = BIDOFFER_TOPIC_PREFIX + symbol;
      const bytes = Buffer.from(topic, 'utf8');
      const topicBytes = Buffer.allocUnsafe(2 + bytes.length);
      topicBytes.writeUInt16BE(bytes.length, 0);
      bytes.copy(topicBytes, 2);
      t = { symbol, topic, index: this.topicList.length, topicBytes, subscribers: [], version: -1, handed: 0, noSubscriber: 0 };
      this.topics.set(symbol, t);
      this.topicList.push(t);
    }
    return t;
  }

  private subscribersOf(t: TopicEntry): Outbound[] {
    if (t.version === this.version) return t.subscribers;
    const subs: Outbound[] = [];
    for (const o of this.open) {
      for (const f of o.filters) {
        if (topicMatches(f, t.topic)) {
          subs.push(o);
          break;
        }
      }
    }
    t.subscribers = subs;
    t.version = this.version;
    return subs;
  }
}
