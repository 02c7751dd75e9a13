/**
 * BidOfferAdapter: turns the client's raw (topic, payload) messages into
 * BidOfferV3 events, either decoded straight into a dispatcher slot
 * (`pushPayload`, no intermediate object) or handed to an `onEvent` callback.
 *
 * Error isolation: every message increments exactly one of
 * `messagesParsed`, `parseErrors` (the payload did not decode) or
 * `callbackErrors` (the consumer callback or the sink threw). Errors are
 * logged through {@link RateLimitedLog} (first 10 of each kind, then every 1000th).
 *
 * Rejected subscriptions (the client's `subscribeError`, from the service's
 * error topic) never reach the decoder: the adapter re-emits those about its
 * own symbols (or naming no symbol) as its own `subscribeError` event and
 * counts them in `subscribeErrors`.
 */
import { SettradeFeedError } from '../errors.js';
import { decodeBestBidAsk, decodeFullBidOffer, ParseError } from '../codec/index.js';
import type { BestBidAsk, FullBidOffer, ReceiveMeta } from '../events/types.js';
import type { ReceiveStamp, SettradeClient, SettradeClientEvents } from '../transport/client.js';
import type { SubscribeErrorEvent } from '../protocol/subscribe-error.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { RateLimitedLog } from '../util/rate-limited-log.js';
import { BIDOFFER_TOPIC_PREFIX, normalizeSymbol, topicOf } from '../protocol/symbol.js';

/** What the adapter needs from a dispatcher: decode a payload into a slot (throws ParseError). */
export interface PayloadSink {
  pushPayload(payload: Uint8Array, meta?: Partial<ReceiveMeta>): unknown;
  /** When present, checked against `fullDepth`. */
  readonly kind?: string;
}

/**
 * Several rings sharded by symbol (a {@link ShardedDispatcher}): the adapter
 * resolves each symbol's ring once, at subscribe time.
 */
export interface ShardedPayloadSink {
  shardFor(symbol: string): PayloadSink;
  /** When present, checked against `fullDepth`. */
  readonly kind?: string;
}

/**
 * What the adapter needs from a client: a {@link SettradeClient}, or anything
 * of the same shape (a recording tap, a replay); `on`/`off` may return anything.
 */
export type MessageSource = Pick<SettradeClient, 'subscribe' | 'unsubscribe'> & {
  on<K extends keyof SettradeClientEvents>(event: K, listener: SettradeClientEvents[K]): unknown;
  off<K extends keyof SettradeClientEvents>(event: K, listener: SettradeClientEvents[K]): unknown;
};

/** Options of {@link BidOfferAdapter}. Give `dispatcher` or `onEvent`, not both. */
export interface BidOfferAdapterOptions<Full extends boolean = boolean> {
  /** The connection. The adapter subscribes through it and listens to its messages. */
  readonly client: MessageSource;
  /** true: ten-level `FullBidOffer` events; false: `BestBidAsk`. */
  readonly fullDepth: Full;
  /**
   * Decode each payload straight into this dispatcher (hot path: no event
   * object), or into its symbol's ring of a ShardedDispatcher.
   */
  readonly dispatcher?: PayloadSink | ShardedPayloadSink;
  /** Or: receive each decoded, frozen event. A throw is counted as a callback error. */
  readonly onEvent?: (event: Full extends true ? FullBidOffer : BestBidAsk) => void;
  /** pino-shaped logger; default the library logger. */
  readonly logger?: Logger;
}

/** Snapshot of {@link BidOfferAdapter.stats}. */
export interface BidOfferAdapterStats {
  readonly messagesParsed: number;
  readonly parseErrors: number;
  readonly callbackErrors: number;
  /** Subscriptions the service rejected (each one a `subscribeError` event). */
  readonly subscribeErrors: number;
  /** Symbols subscribed, sorted. */
  readonly subscribedSymbols: readonly string[];
  readonly fullDepth: boolean;
}

/** Events of {@link BidOfferAdapter}. */
export interface BidOfferAdapterEvents {
  /** The service rejected one of this adapter's subscriptions (e.g. an unknown symbol). */
  subscribeError: (event: SubscribeErrorEvent) => void;
}

/** Configuration error of the adapter. */
export class AdapterConfigError extends SettradeFeedError {
  declare readonly code: 'ERR_CONFIG_INVALID';
  constructor(field: string, message: string) {
    super('ERR_CONFIG_INVALID', `${field}: ${message}`);
    this.name = 'AdapterConfigError';
  }
}

type AnyEvent = BestBidAsk | FullBidOffer;

function isSharded(sink: PayloadSink | ShardedPayloadSink): sink is ShardedPayloadSink {
  return typeof (sink as Partial<ShardedPayloadSink>).shardFor === 'function';
}

/** Maps the Settrade BidOfferV3 feed to typed events. */
export class BidOfferAdapter<Full extends boolean = boolean> extends TypedEmitter<BidOfferAdapterEvents> {
  /** Whether events are full depth. */
  readonly fullDepth: Full;
  readonly #client: MessageSource;
  readonly #sink: PayloadSink | ShardedPayloadSink | undefined;
  readonly #onEvent: ((event: AnyEvent) => void) | undefined;
  readonly #decode: (payload: Uint8Array, meta?: Partial<ReceiveMeta>) => AnyEvent;
  readonly #log: RateLimitedLog;
  readonly #symbols = new Set<string>();
  // Subscribed topic -> the ring its payloads go to (null: onEvent mode).
  readonly #topics = new Map<string, PayloadSink | null>();
  // One reused meta object: the decoders and pushPayload read it synchronously,
  // so the hot path allocates nothing for it. recvTs/recvMonoNs are left out so
  // the decoder (or the native pushPayload) stamps them at the moment of decoding.
  readonly #meta: { connectionEpoch: number } = { connectionEpoch: 0 };
  // The same for a message that comes with its receive stamp (recorded or replayed).
  readonly #stampedMeta: ReceiveMeta & { connectionEpoch: number; recvTs: bigint; recvMonoNs: bigint } = {
    connectionEpoch: 0,
    recvTs: 0n,
    recvMonoNs: 0n,
  };
  #parsed = 0;
  #parseErrors = 0;
  #callbackErrors = 0;
  #subscribeErrors = 0;
  #closed = false;

  constructor(options: BidOfferAdapterOptions<Full>) {
    super();
    if (!options || typeof options !== 'object') throw new AdapterConfigError('options', 'required');
    const { client, fullDepth, dispatcher, onEvent } = options;
    if (!client || typeof client.on !== 'function' || typeof client.subscribe !== 'function') {
      throw new AdapterConfigError('client', 'must be a SettradeClient');
    }
    if (typeof fullDepth !== 'boolean') throw new AdapterConfigError('fullDepth', 'must be a boolean');
    if ((dispatcher === undefined) === (onEvent === undefined)) {
      throw new AdapterConfigError('dispatcher', 'give exactly one of dispatcher or onEvent');
    }
    if (dispatcher !== undefined && !isSharded(dispatcher) && typeof dispatcher.pushPayload !== 'function') {
      throw new AdapterConfigError('dispatcher', 'must have pushPayload() or shardFor()');
    }
    if (onEvent !== undefined && typeof onEvent !== 'function') throw new AdapterConfigError('onEvent', 'must be a function');
    const wantKind = fullDepth ? 'fullBidOffer' : 'bestBidAsk';
    if (dispatcher?.kind !== undefined && dispatcher.kind !== wantKind) {
      throw new AdapterConfigError('dispatcher', `kind '${dispatcher.kind}' does not match fullDepth=${fullDepth} (expected '${wantKind}')`);
    }
    this.fullDepth = fullDepth;
    this.#client = client;
    this.#sink = dispatcher;
    this.#onEvent = onEvent as ((event: AnyEvent) => void) | undefined;
    this.#decode = fullDepth ? decodeFullBidOffer : decodeBestBidAsk;
    this.#log = new RateLimitedLog(options.logger ?? defaultLogger());
    client.on('message', this.#onMessage);
    client.on('subscribeError', this.#onSubscribeError);
  }

  /** Subscribes to a symbol (upper-cased, validated; duplicates ignored). Returns the normalized symbol. */
  subscribe(symbol: string): string {
    this.#assertOpen();
    const s = normalizeSymbol(symbol);
    if (this.#symbols.has(s)) return s;
    this.#symbols.add(s);
    const sink = this.#sink;
    this.#topics.set(topicOf(s), sink === undefined ? null : isSharded(sink) ? sink.shardFor(s) : sink);
    this.#client.subscribe(topicOf(s));
    return s;
  }

  /** Unsubscribes; in-flight messages of that symbol are dropped from now on. No-op when not subscribed. */
  unsubscribe(symbol: string): void {
    this.#assertOpen();
    const s = normalizeSymbol(symbol);
    if (!this.#symbols.delete(s)) return;
    this.#topics.delete(topicOf(s));
    this.#client.unsubscribe(topicOf(s));
  }

  /** Symbols subscribed, sorted. */
  get subscribedSymbols(): readonly string[] {
    return [...this.#symbols].sort();
  }

  /** Counters (each message counted exactly once). */
  stats(): BidOfferAdapterStats {
    return {
      messagesParsed: this.#parsed,
      parseErrors: this.#parseErrors,
      callbackErrors: this.#callbackErrors,
      subscribeErrors: this.#subscribeErrors,
      subscribedSymbols: this.subscribedSymbols,
      fullDepth: this.fullDepth,
    };
  }

  /** Detaches from the client and unsubscribes every symbol (the client stays up). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.off('message', this.#onMessage);
    this.#client.off('subscribeError', this.#onSubscribeError);
    for (const t of this.#topics.keys()) this.#client.unsubscribe(t);
    this.#topics.clear();
    this.#symbols.clear();
  }

  protected override onListenerError(_event: keyof BidOfferAdapterEvents, err: unknown): void {
    this.#callbackErrors++;
    this.#log.error('callback', () => ({ err: describe(err) }), 'subscribeError listener threw');
  }

  readonly #onSubscribeError = (event: SubscribeErrorEvent): void => {
    // Another adapter's symbol on the same client is that adapter's to report.
    if (event.symbol !== undefined && !this.#symbols.has(event.symbol)) return;
    this.#subscribeErrors++;
    this.emit('subscribeError', event);
  };

  #assertOpen(): void {
    if (this.#closed) throw new AdapterConfigError('adapter', 'closed');
  }

  // Hot path: an arrow bound once; set lookups on the full topic avoid slicing a symbol out.
  readonly #onMessage = (topic: string, payload: Uint8Array, epoch: number, stamp?: ReceiveStamp): void => {
    const sink = this.#topics.get(topic);
    if (sink === undefined) return; // another listener's topic, or unsubscribed in flight
    let meta: Partial<ReceiveMeta>;
    if (stamp === undefined) {
      const m = this.#meta;
      m.connectionEpoch = epoch;
      meta = m;
    } else {
      const m = this.#stampedMeta;
      m.connectionEpoch = epoch;
      m.recvTs = stamp.recvTs;
      m.recvMonoNs = stamp.recvMonoNs;
      meta = m;
    }
    if (sink !== null) {
      try {
        sink.pushPayload(payload, meta);
      } catch (err) {
        this.#failed(err, topic, payload);
        return;
      }
      this.#parsed++;
      return;
    }
    let event: AnyEvent;
    try {
      event = this.#decode(payload, meta);
    } catch (err) {
      this.#failed(err, topic, payload, true);
      return;
    }
    try {
      (this.#onEvent as (e: AnyEvent) => void)(event);
    } catch (err) {
      this.#callbackErrors++;
      this.#log.error('callback', () => ({ symbol: event.symbol, err: describe(err) }), 'onEvent callback threw');
      return;
    }
    this.#parsed++;
  };

  #failed(err: unknown, topic: string, payload: Uint8Array, decoding = false): void {
    if (decoding || err instanceof ParseError) {
      this.#parseErrors++;
      this.#log.error(
        'parse',
        () => ({
          topic,
          code: (err as { code?: unknown }).code,
          reason: err instanceof ParseError ? err.reason : undefined,
          bytes: payload.length,
          head: Buffer.from(payload.buffer, payload.byteOffset, Math.min(32, payload.length)).toString('hex'),
          err: describe(err),
        }),
        'BidOfferV3 payload did not parse',
      );
    } else {
      this.#callbackErrors++;
      this.#log.error('sink', () => ({ topic, err: describe(err) }), 'dispatcher pushPayload threw');
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
