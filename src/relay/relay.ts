/**
 * The relay: one Settrade session republished to NATS JetStream.
 *
 * It runs SettradeClient directly on the calling thread (the raw payload
 * bytes are what it forwards; nothing is decoded) and hands every message of
 * a relayed symbol to a {@link JetStreamPublisher}, stamped with the receive
 * wall clock, the connection epoch and a per-symbol sequence. Publishing never
 * blocks ingestion: the Settrade side stays up whatever NATS does.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { normalizeSymbol, topicOf } from '../adapter/symbol.js';
import { wallClockNs } from '../codec/clock.js';
import { SettradeClient, type ClientState, type SettradeClientStats } from '../transport/client.js';
import type { SettradeError } from '../transport/errors.js';
import type { SubscribeErrorEvent } from '../transport/subscribe-error.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { parseRelayOptions, type RelayOptions } from './options.js';
import { JetStreamPublisher, type PublisherStats, type UnpublishedReason } from './publisher.js';
import { subjectOf } from './protocol.js';
import { ensureStream, type StreamLimits } from './stream.js';

/** State of the relay's NATS connection. */
export type NatsState = 'connected' | 'reconnecting' | 'closed';

/** Counters of a {@link Relay}. */
export interface RelayStats extends PublisherStats {
  /** Messages of relayed symbols received from Settrade. */
  readonly received: number;
  /** The NATS connection. */
  readonly nats: { readonly state: NatsState; readonly reconnects: number };
  /** The Settrade connection. */
  readonly settrade: SettradeClientStats;
}

/** Events of a {@link Relay}. */
export interface RelayEvents {
  /**
   * A message came in from Settrade and was queued for publishing (the tap:
   * the exact bytes and stamps the consumers will see). Emitted only when listened to.
   */
  received: (symbol: string, seq: number, epoch: number, recvTs: bigint, payload: Uint8Array) => void;
  /** A message that was not (or not surely) stored in JetStream. */
  unpublished: (symbol: string, seq: number, reason: UnpublishedReason) => void;
  /** The NATS connection changed state. */
  nats: (state: NatsState) => void;
  /** The Settrade connection changed state. */
  state: (state: ClientState, previous: ClientState) => void;
  /** Settrade refused a subscription (the client's `subscribeError`; also logged). */
  subscribeError: (event: SubscribeErrorEvent) => void;
  /** A Settrade-side error (the client keeps reconnecting unless it says otherwise). */
  error: (err: SettradeError) => void;
}

/** A running relay. */
export interface Relay {
  /** This run's id (the `Settrade-Relay-Run` header). */
  readonly runId: string;
  /** The JetStream stream written. */
  readonly stream: string;
  /** Symbols relayed, sorted. */
  readonly symbols: readonly string[];
  /** Counters. */
  stats(): RelayStats;
  on<K extends keyof RelayEvents>(event: K, listener: RelayEvents[K]): this;
  off<K extends keyof RelayEvents>(event: K, listener: RelayEvents[K]): this;
  /**
   * Stops the Settrade session, waits up to `drainMs` (default 5000) for
   * pending publishes, counts what is left as dropped, closes NATS. Idempotent.
   */
  shutdown(drainMs?: number): Promise<void>;
}

class RunningRelay extends TypedEmitter<RelayEvents> implements Relay {
  readonly symbols: readonly string[];
  readonly #seqByTopic = new Map<string, { symbol: string; subject: string; seq: number }>();
  #received = 0;
  #natsState: NatsState = 'connected';
  #natsReconnects = 0;
  #closing: Promise<void> | undefined;

  constructor(
    readonly runId: string,
    readonly publisher: JetStreamPublisher,
    readonly stream: string,
    symbols: readonly string[],
    readonly client: SettradeClient,
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    super();
    this.symbols = [...symbols].sort();
    for (const s of this.symbols) this.#seqByTopic.set(topicOf(s), { symbol: s, subject: subjectOf(s), seq: 0 });
  }

  // Hot path: one map lookup, one object for the queue.
  readonly onMessage = (topic: string, payload: Uint8Array, epoch: number): void => {
    const entry = this.#seqByTopic.get(topic);
    if (entry === undefined) return;
    const recvTs = wallClockNs();
    const seq = ++entry.seq;
    this.#received++;
    if (this.listenerCount('received') > 0) this.emit('received', entry.symbol, seq, epoch, recvTs, payload);
    // The client hands out views into freshly received socket chunks (never reused), so holding one while queued is safe.
    this.publisher.enqueue({ subject: entry.subject, symbol: entry.symbol, seq, epoch, recvTs, payload });
  };

  fire<K extends keyof RelayEvents>(event: K, ...args: Parameters<RelayEvents[K]>): void {
    this.emit(event, ...args);
  }

  setNatsState(state: NatsState): void {
    if (state === this.#natsState) return;
    if (state === 'connected' && this.#natsState === 'reconnecting') this.#natsReconnects++;
    this.#natsState = state;
    this.emit('nats', state);
  }

  stats(): RelayStats {
    return {
      ...this.publisher.stats(),
      received: this.#received,
      nats: { state: this.#natsState, reconnects: this.#natsReconnects },
      settrade: this.client.stats(),
    };
  }

  shutdown(drainMs = 5000): Promise<void> {
    this.#closing ??= (async () => {
      this.client.off('message', this.onMessage);
      await this.client.shutdown();
      await this.publisher.settled(drainMs);
      this.publisher.abandonPending();
      this.publisher.close();
      this.setNatsState('closed');
      await this.nc.close();
      const s = this.publisher.stats();
      if (s.failed + s.dropped > 0) this.log.warn({ failed: s.failed, dropped: s.dropped, acked: s.acked }, 'relay: messages not published to JetStream');
    })();
    return this.#closing;
  }
}

/**
 * Starts a relay: connects to NATS (it must be reachable at start: the
 * stream is created or updated first), then to Settrade; resolves once both
 * are up. NATS reconnects without limit afterwards.
 */
export async function createRelay(options: RelayOptions): Promise<Relay> {
  const o = parseRelayOptions(options);
  const symbols = [...new Set(o.symbols.map((s) => normalizeSymbol(s)))];
  for (const s of symbols) subjectOf(s);
  const log = o.logger ?? defaultLogger();
  // Validates the Settrade options now (naming the field) before anything connects.
  const client = new SettradeClient({ ...o.settrade, logger: o.settrade.logger ?? o.logger });

  const nc = await connect({
    servers: o.servers,
    name: 'settrade-feed-relay',
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.natsReconnectWaitMs,
  });
  const jsm = await jetstreamManager(nc);
  const limits = { name: o.stream, maxAgeSec: o.maxAgeSec, maxMsgsPerSubject: o.maxMsgsPerSubject, storage: o.storage };
  try {
    await ensureStream(jsm, limits);
  } catch (err) {
    await nc.close();
    throw err;
  }
  const runId = randomBytes(8).toString('hex');
  const publisher = new JetStreamPublisher(nc, { runId, inFlightWindow: o.inFlightWindow, bufferSize: o.bufferSize, ackTimeoutMs: o.ackTimeoutMs });
  const relay = new RunningRelay(runId, publisher, o.stream, symbols, client, nc, log);
  relay.publisher.on('unpublished', (sym, seq, reason) => relay.fire('unpublished', sym, seq, reason));
  relay.publisher.on('failure', (err) => log.warn({ err: err.message }, 'relay: JetStream publish failed (counted; later failures of this run are counted, not logged)'));
  void watchNats(relay, nc, jsm, limits, log);

  client.on('message', relay.onMessage);
  client.on('state', (s, p) => relay.fire('state', s, p));
  client.on('error', (e) => relay.fire('error', e));
  client.on('subscribeError', (e) => {
    log.warn({ subscribeError: e }, 'relay: Settrade refused a subscription');
    relay.fire('subscribeError', e);
  });
  for (const s of symbols) client.subscribe(topicOf(s));
  try {
    await client.connect();
  } catch (err) {
    await relay.shutdown(0);
    throw err;
  }
  log.info({ runId: relay.runId, stream: o.stream, symbols: symbols.length }, 'relay: started');
  return relay;
}

const ENSURE_RETRY_MS = [100, 200, 400, 800, 1600, 2000, 2000, 2000] as const;

// Follows the NATS connection: pause publishing while it is down; on reconnect
// make sure the stream still exists (a server restarted without its store), then resume.
async function watchNats(relay: RunningRelay, nc: NatsConnection, jsm: JetStreamManager, limits: StreamLimits, log: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') {
      relay.publisher.setOnline(false);
      relay.setNatsState('reconnecting');
      const p = relay.publisher.stats();
      log.warn({ pending: p.pending, inFlight: p.inFlight }, 'relay: NATS disconnected; buffering');
    } else if (s.type === 'reconnect') {
      // JetStream may still be loading right after a server restart: retry a while before resuming,
      // so a re-created stream exists before the buffer drains into it.
      for (let attempt = 0; ; attempt++) {
        try {
          await ensureStream(jsm, limits);
          break;
        } catch (err) {
          if (attempt >= ENSURE_RETRY_MS.length - 1) {
            log.error({ err: (err as Error).message }, 'relay: could not ensure the stream after reconnecting; publishing anyway');
            break;
          }
          await new Promise((r) => setTimeout(r, ENSURE_RETRY_MS[attempt]));
        }
      }
      relay.setNatsState('connected');
      relay.publisher.setOnline(true);
      const st = relay.publisher.stats();
      log.info({ failed: st.failed, dropped: st.dropped, pending: st.pending }, 'relay: NATS reconnected; resuming');
    }
  }
}

