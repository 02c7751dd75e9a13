/**
 * JetStreamPublisher: async JetStream publishes that never block the caller.
 *
 * At most `inFlightWindow` publishes await their ack at once; the rest wait
 * in a bounded FIFO (drop-oldest when full, each drop counted and reported).
 * While NATS is disconnected nothing is handed to the client (its own
 * reconnect buffer would hide the backlog from our counters and time the
 * publishes out); the FIFO fills and drains on reconnect, in order.
 *
 * Publishes go out as core NATS publishes with a reply subject on one inbox
 * subscription, and acks are matched by id: `js.publish` costs a promise, a
 * timer and a request-mux entry per message (~40 us of CPU each here, about
 * 10k msg/s per core), this path a map entry and a periodic timeout sweep.
 * The wire traffic is the same (a publish with a reply, a PubAck back).
 *
 * Every message ends in exactly one of: acked, failed (no ack: error or
 * timeout; it may or may not be stored), dropped (evicted from the FIFO,
 * never sent), or still pending/in flight. `unpublished` reports each failed
 * or dropped message by symbol and sequence, so a consumer's gaps can be
 * explained one by one.
 */
import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { RelayHeader } from './protocol.js';

/** One message waiting to be published. */
export interface OutgoingMessage {
  readonly subject: string;
  readonly symbol: string;
  readonly seq: number;
  readonly epoch: number;
  /** Wall-clock receive time, ns. */
  readonly recvTs: bigint;
  readonly payload: Uint8Array;
}

/** Why a message was not published. */
export type UnpublishedReason = 'dropped' | 'failed';

/** Counters of {@link JetStreamPublisher}. */
export interface PublisherStats {
  /** Handed to the NATS client. */
  readonly published: number;
  /** Acknowledged by JetStream (stored). */
  readonly acked: number;
  /** Handed over but not acknowledged (error or ack timeout): may or may not be stored. */
  readonly failed: number;
  /** Evicted from the full buffer, never sent. */
  readonly dropped: number;
  /** Waiting in the buffer. */
  readonly pending: number;
  /** Awaiting an ack. */
  readonly inFlight: number;
}

/** Events of {@link JetStreamPublisher}. */
export interface PublisherEvents {
  /** A message that was not (or not surely) stored. */
  unpublished: (symbol: string, seq: number, reason: UnpublishedReason) => void;
  /** The first failure of a run of failures (the error, for logging). */
  failure: (err: Error) => void;
}

/** Settings of {@link JetStreamPublisher}. */
export interface PublisherSettings {
  readonly runId: string;
  readonly inFlightWindow: number;
  readonly bufferSize: number;
  readonly ackTimeoutMs: number;
}

interface InFlight {
  readonly symbol: string;
  readonly seq: number;
  readonly sentAt: number;
}

// A PubAck is {"stream":...}; an error reply {"error":...}; "no responders" an empty status message.
const ACK_PREFIX = Buffer.from('{"stream"');

function isPubAck(data: Uint8Array): boolean {
  if (data.length < ACK_PREFIX.length) return false;
  for (let i = 0; i < ACK_PREFIX.length; i++) if (data[i] !== ACK_PREFIX[i]) return false;
  return true;
}

export class JetStreamPublisher extends TypedEmitter<PublisherEvents> {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #sub: Subscription;
  readonly #inFlightById = new Map<number, InFlight>();
  readonly #sweep: NodeJS.Timeout;
  #nextId = 1;
  readonly #s: PublisherSettings;
  // FIFO as a fixed ring of slots: no array shifting per message.
  readonly #buf: (OutgoingMessage | undefined)[];
  #head = 0;
  #len = 0;
  #online = true;
  #published = 0;
  #acked = 0;
  #failed = 0;
  #dropped = 0;
  #inFlight = 0;
  #failing = false;
  #idle: (() => void)[] = [];

  constructor(nc: NatsConnection, settings: PublisherSettings) {
    super();
    this.#nc = nc;
    this.#s = settings;
    this.#buf = new Array<OutgoingMessage | undefined>(settings.bufferSize);
    this.#inbox = createInbox() + '.';
    this.#sub = nc.subscribe(this.#inbox + '*', { callback: (_err, msg) => msg && this.#onReply(msg) });
    this.#sweep = setInterval(() => this.#expire(), Math.max(10, Math.min(1000, settings.ackTimeoutMs / 4)));
    this.#sweep.unref();
  }

  /** Stops the ack subscription and the timeout sweep (the connection stays open). */
  close(): void {
    clearInterval(this.#sweep);
    this.#sub.unsubscribe();
  }

  /** Queues `m`; sends it at once when the window has room. Never blocks, never throws. */
  enqueue(m: OutgoingMessage): void {
    if (this.#online && this.#len === 0 && this.#inFlight < this.#s.inFlightWindow) {
      this.#send(m);
      return;
    }
    const cap = this.#buf.length;
    if (this.#len === cap) {
      const old = this.#buf[this.#head]!;
      this.#buf[this.#head] = undefined;
      this.#head = (this.#head + 1) % cap;
      this.#len--;
      this.#dropped++;
      this.emit('unpublished', old.symbol, old.seq, 'dropped');
    }
    this.#buf[(this.#head + this.#len) % cap] = m;
    this.#len++;
  }

  /** NATS connection up (true) or down (false). Going up drains the buffer. */
  setOnline(online: boolean): void {
    this.#online = online;
    if (online) this.#pump();
  }

  /** Counters. */
  stats(): PublisherStats {
    return {
      published: this.#published,
      acked: this.#acked,
      failed: this.#failed,
      dropped: this.#dropped,
      pending: this.#len,
      inFlight: this.#inFlight,
    };
  }

  /** Resolves when nothing is pending or in flight (or after `timeoutMs`). */
  settled(timeoutMs: number): Promise<void> {
    if (this.#len === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#idle.push(done);
    });
  }

  /** Counts everything still buffered as dropped (at shutdown, when it can no longer be sent). */
  abandonPending(): void {
    while (this.#len > 0) {
      const m = this.#take();
      this.#dropped++;
      this.emit('unpublished', m.symbol, m.seq, 'dropped');
    }
    this.#checkIdle();
  }

  #take(): OutgoingMessage {
    const m = this.#buf[this.#head]!;
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#buf.length;
    this.#len--;
    return m;
  }

  #pump(): void {
    while (this.#online && this.#len > 0 && this.#inFlight < this.#s.inFlightWindow) this.#send(this.#take());
    this.#checkIdle();
  }

  #send(m: OutgoingMessage): void {
    const h = headers();
    h.set(RelayHeader.recvTs, m.recvTs.toString());
    h.set(RelayHeader.epoch, String(m.epoch));
    h.set(RelayHeader.seq, String(m.seq));
    h.set(RelayHeader.run, this.#s.runId);
    const id = this.#nextId++;
    this.#inFlightById.set(id, { symbol: m.symbol, seq: m.seq, sentAt: performance.now() });
    this.#inFlight++;
    this.#published++;
    try {
      this.#nc.publish(m.subject, m.payload, { headers: h, reply: this.#inbox + id });
    } catch (err) {
      // Closed connection: counted like a failed publish.
      this.#settle(id, err instanceof Error ? err : new Error(String(err)));
    }
  }

  #onReply(msg: Msg): void {
    const id = Number(msg.subject.slice(this.#inbox.length));
    if (isPubAck(msg.data)) {
      this.#settle(id, undefined);
    } else {
      const text = msg.data.length > 0 ? Buffer.from(msg.data).toString('utf8', 0, 200) : `status ${msg.headers?.code ?? '?'} ${msg.headers?.description ?? ''}`;
      this.#settle(id, new Error(`JetStream refused the publish: ${text}`));
    }
  }

  #settle(id: number, err: Error | undefined): void {
    const f = this.#inFlightById.get(id);
    if (f === undefined) return; // already timed out
    this.#inFlightById.delete(id);
    this.#inFlight--;
    if (err === undefined) {
      this.#acked++;
      this.#failing = false;
    } else {
      this.#failed++;
      if (!this.#failing) {
        this.#failing = true;
        this.emit('failure', err);
      }
      this.emit('unpublished', f.symbol, f.seq, 'failed');
    }
    this.#pump();
  }

  // Oldest first (a Map iterates in insertion order): stop at the first one still within its time.
  #expire(): void {
    const limit = performance.now() - this.#s.ackTimeoutMs;
    for (const [id, f] of this.#inFlightById) {
      if (f.sentAt > limit) break;
      this.#settle(id, new Error(`no JetStream ack within ${this.#s.ackTimeoutMs} ms`));
    }
  }

  #checkIdle(): void {
    if (this.#len !== 0 || this.#inFlight !== 0 || this.#idle.length === 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
