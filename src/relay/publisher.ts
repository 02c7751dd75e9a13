/**
 * JetStreamPublisher: async JetStream publishes that never block the caller.
 *
 * At most `inFlightWindow` publishes await their ack at once; the rest wait
 * in a bounded FIFO (drop-oldest when full, each drop counted and reported).
 * While NATS is disconnected nothing is handed to the client (its own
 * reconnect buffer would hide the backlog from our counters and time the
 * publishes out); the FIFO fills and drains on reconnect, in order.
 *
 * Every message ends in exactly one of: acked, failed (no ack: error or
 * timeout; it may or may not be stored), dropped (evicted from the FIFO,
 * never sent), or still pending/in flight. `unpublished` reports each failed
 * or dropped message by symbol and sequence, so a consumer's gaps can be
 * explained one by one.
 */
import { headers } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
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

export class JetStreamPublisher extends TypedEmitter<PublisherEvents> {
  readonly #js: JetStreamClient;
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

  constructor(js: JetStreamClient, settings: PublisherSettings) {
    super();
    this.#js = js;
    this.#s = settings;
    this.#buf = new Array<OutgoingMessage | undefined>(settings.bufferSize);
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
    this.#inFlight++;
    this.#published++;
    this.#js.publish(m.subject, m.payload, { headers: h, timeout: this.#s.ackTimeoutMs }).then(
      () => {
        this.#inFlight--;
        this.#acked++;
        this.#failing = false;
        this.#pump();
      },
      (err: unknown) => {
        this.#inFlight--;
        this.#failed++;
        if (!this.#failing) {
          this.#failing = true;
          this.emit('failure', err instanceof Error ? err : new Error(String(err)));
        }
        this.emit('unpublished', m.symbol, m.seq, 'failed');
        this.#pump();
      },
    );
  }

  #checkIdle(): void {
    if (this.#len !== 0 || this.#inFlight !== 0 || this.#idle.length === 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
