/**
 * `createFeed`: the whole producer side (SettradeClient + BidOfferAdapter)
 * feeding a Dispatcher that the calling thread consumes, either in a worker
 * thread (`worker: true`: decoding and network I/O off the caller's event
 * loop, events crossing through the shared-memory ring; the worker is
 * supervised and restarted when it dies, see feed-supervisor.ts) or in-thread.
 *
 * ```ts
 * const feed = await createFeed({ ...credentials, baseUrl, symbols: ['AOT'], fullDepth: false, worker: true });
 * for await (const e of feed.dispatcher.events()) { ... }   // ends once the feed is shut down
 * await feed.shutdown();
 * ```
 */
import { Dispatcher, ShardedDispatcher } from '../dispatcher/index.js';
import { SettradeClient, type ClientState } from '../transport/client.js';
import { SettradeConfigError, SettradeError } from '../transport/errors.js';
import type { SubscribeErrorEvent } from '../protocol/subscribe-error.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { defaultLogger } from '../util/logger.js';
import type { SettradeClientOptions } from '../transport/options.js';
import { BidOfferAdapter } from '../adapter/adapter.js';
import { resolveFeedOptions, type FeedOptions, type ResolvedFeedOptions } from './feed-options.js';
import type { FeedStats } from './feed-protocol.js';
import {
  WorkerFeedEngine,
  registerFeedInternals,
  type FeedEngine,
  type FeedHost,
  type FeedReconnectInfo,
} from './feed-supervisor.js';
import { normalizeSymbol } from '../protocol/symbol.js';
import type { EventKind } from '../events/slot-layout.js';
import { kindForDepth, type KindForDepth } from '../events/types.js';

export type { FeedStats } from './feed-protocol.js';
export { FEED_DEFAULTS, type FeedOptions } from './feed-options.js';
export { FeedWorkerExitedError, type FeedReconnectInfo, type FeedReconnectReason } from './feed-supervisor.js';

/** Events of a {@link Feed}. */
export interface FeedEvents {
  /** Every state change: the client's, and RECONNECTING while a dead worker is restarted. */
  state: (state: ClientState, previous: ClientState) => void;
  /**
   * The client's errors; once, ERR_WORKER_EXITED (FeedWorkerExitedError) when
   * the feed gives up on its worker; and, with `record`, ERR_RECORDING_WRITE
   * (RecordingWriteError) when the recording fails (the feed goes on).
   */
  error: (err: SettradeError) => void;
  /** A new session is up (reason 'connection-lost', 'token-refresh' or 'worker-restart'). */
  reconnect: (info: FeedReconnectInfo) => void;
  /** The service rejected a subscription (counted in `stats().subscribeErrors`). */
  subscribeError: (event: SubscribeErrorEvent) => void;
}

/** A running feed; `K` is its event kind ('fullBidOffer' when `fullDepth: true`). */
export interface Feed<K extends EventKind = EventKind> {
  /** Consumer side of the ring: poll, drain or iterate events here (the first ring when sharded). */
  readonly dispatcher: Dispatcher<K>;
  /** Every ring, in shard order: `shards[shardOf(symbol, n)]` carries that symbol's events. */
  readonly shards: readonly Dispatcher<K>[];
  /** Whether client and adapter run in a worker thread. */
  readonly inWorker: boolean;
  /** The connection state as the feed last reported it (`state` events); SHUTDOWN once it has ended. */
  readonly state: ClientState;
  /** Symbols subscribed (upper-cased), sorted. */
  readonly subscribedSymbols: readonly string[];
  /** Subscribes (validated here, synchronously: an invalid symbol throws; so does a feed that has ended). */
  subscribe(symbol: string): string;
  /** Unsubscribes. */
  unsubscribe(symbol: string): void;
  /** Client, adapter and feed counters (fetched from the worker in worker mode; rejects once the worker is gone). */
  stats(): Promise<FeedStats>;
  /** Adds an event listener (state, error, reconnect, subscribeError). */
  on<K extends keyof FeedEvents>(event: K, listener: FeedEvents[K]): this;
  /** Removes an event listener. */
  off<K extends keyof FeedEvents>(event: K, listener: FeedEvents[K]): this;
  /**
   * Closes the connection, ends the worker and closes the rings (every
   * consumer's `events()` ends once it has drained them). Idempotent; a no-op
   * after the feed gave up on its worker.
   */
  shutdown(): Promise<void>;
}

/** The {@link Feed} both modes hand out: rings, events, state, and an engine that does the work. */
class RunningFeed<K extends EventKind> extends TypedEmitter<FeedEvents> implements Feed<K> {
  readonly shards: readonly Dispatcher<K>[];
  readonly #rings: ShardedDispatcher<K>;
  readonly #engine: FeedEngine;
  #closing: Promise<void> | undefined;
  /** Why the feed ended (shut down, or gave up): subscribe throws it. */
  #ended: SettradeError | undefined;
  #state: ClientState = 'INIT';
  #subscribeErrors = 0;
  /** Recording errors reported before the feed is handed out: emitted just after (see started()). */
  #heldErrors: SettradeError[] | undefined = [];

  constructor(rings: ShardedDispatcher<K>, engine: (host: FeedHost) => FeedEngine) {
    super();
    this.#rings = rings;
    this.shards = rings.shards;
    // The engine reports through this object, not through methods of the feed its users hold.
    const host: FeedHost = {
      reportState: (next) => this.#reportState(next),
      reportError: (err) => {
        // A recording that fails before createFeed resolves (an unwritable path) would have no listener yet.
        if (this.#heldErrors !== undefined && err.code === 'ERR_RECORDING_WRITE') this.#heldErrors.push(err);
        else this.emit('error', err);
      },
      reportReconnect: (info) => this.emit('reconnect', info),
      reportSubscribeError: (event) => {
        this.#subscribeErrors++;
        this.emit('subscribeError', event);
      },
      fail: (err) => this.#fail(err),
    };
    this.#engine = engine(host);
    registerFeedInternals(this, this.#engine.internals);
  }

  get dispatcher(): Dispatcher<K> {
    return this.shards[0]!;
  }

  get inWorker(): boolean {
    return this.#engine.inWorker;
  }

  get state(): ClientState {
    return this.#state;
  }

  get subscribedSymbols(): readonly string[] {
    return this.#engine.subscribedSymbols();
  }

  subscribe(symbol: string): string {
    if (this.#ended) throw this.#ended;
    return this.#engine.subscribe(symbol);
  }

  unsubscribe(symbol: string): void {
    if (!this.#ended) this.#engine.unsubscribe(symbol);
  }

  async stats(): Promise<FeedStats> {
    const producer = await this.#engine.stats();
    return { ...producer, subscribeErrors: this.#subscribeErrors, workerRestarts: this.#engine.restarts };
  }

  shutdown(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#ended ??= new SettradeError('ERR_SHUTDOWN', 'feed is shut down');
    // Set before the engine runs: closing makes the client report SHUTDOWN, which calls back here.
    this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await null;
    try {
      await this.#engine.close();
    } finally {
      this.#rings.close();
      this.#reportState('SHUTDOWN');
    }
  }

  #reportState(next: ClientState): void {
    const previous = this.#state;
    if (next === previous) return;
    this.#state = next;
    this.emit('state', next, previous);
    // The client gave up (retries exhausted, bad configuration): nothing will produce again.
    if (next === 'SHUTDOWN') void this.shutdown();
  }

  /** The producer side is gone for good (the worker kept dying): end loudly. */
  #fail(err: SettradeError): void {
    if (this.#closing) return;
    this.#ended = err;
    this.#closing = Promise.resolve();
    this.#rings.close();
    this.emit('error', err);
    this.#reportState('SHUTDOWN');
  }

  /** Shuts down and rethrows when the first connection fails, else returns the feed. */
  async started(): Promise<Feed<K>> {
    try {
      await this.#engine.started;
    } catch (err) {
      this.#heldErrors = undefined;
      await this.shutdown();
      throw err;
    }
    const held = this.#heldErrors ?? [];
    this.#heldErrors = undefined;
    // After the caller's continuation has attached its listeners.
    if (held.length > 0) setImmediate(() => held.forEach((e) => this.emit('error', e)));
    return this;
  }
}

/**
 * Starts a feed and resolves once the first connection is up (rejects, with
 * everything torn down, if it never comes up within the retry policy).
 * Options are validated first: a bad or unknown key throws
 * SettradeConfigError naming it.
 */
export async function createFeed<F extends boolean>(options: FeedOptions<F>): Promise<Feed<KindForDepth<F>>> {
  const { feed: opts, client } = resolveFeedOptions(options);
  const symbols = opts.symbols.map((s) => normalizeSymbol(s));
  // Validate the client's options here, naming the field, before anything starts.
  new SettradeClient(client);
  if (opts.worker && typeof client.endpoint === 'function') {
    throw new SettradeConfigError('endpoint', 'a function cannot cross into a worker: pass a URL string, or worker: false');
  }
  const rings = new ShardedDispatcher({
    shards: opts.shards,
    kind: kindForDepth(options.fullDepth),
    maxSize: opts.maxSize,
    overflow: opts.overflow,
    preTouchMemory: opts.preTouchMemory,
    logger: client.logger,
  });
  // Only a recording in-thread feed loads the writer (a worker loads it itself).
  const recording = opts.record && !opts.worker ? await import('../record/feed-recording.js') : undefined;
  const feed = opts.worker ? startWorkerFeed(opts, client, symbols, rings) : startLocalFeed(opts, client, symbols, rings, recording);
  return feed.started();
}

function startLocalFeed<K extends EventKind>(
  opts: ResolvedFeedOptions,
  clientOptions: SettradeClientOptions,
  symbols: string[],
  rings: ShardedDispatcher<K>,
  recording: typeof import('../record/feed-recording.js') | undefined,
): RunningFeed<K> {
  return new RunningFeed(rings, (host) => {
    const client = new SettradeClient(clientOptions);
    // With `record`, the adapter reads its messages through the recording tap.
    const tap =
      opts.record && recording
        ? recording.startRecording({ client, record: opts.record, fullDepth: opts.fullDepth, symbols, onError: (e) => host.reportError(e) })
        : undefined;
    // The adapter resolves each symbol's ring once, at subscribe time: no routing per message.
    const adapter = new BidOfferAdapter({ client: tap ?? client, fullDepth: opts.fullDepth, dispatcher: rings, logger: clientOptions.logger });
    client.on('state', (s) => host.reportState(s));
    client.on('error', (e) => host.reportError(e));
    client.on('reconnect', (i) => host.reportReconnect(i));
    // The adapter re-emits the client's rejections that concern its symbols.
    adapter.on('subscribeError', (e) => host.reportSubscribeError(e));
    for (const s of symbols) adapter.subscribe(s);
    return {
      inWorker: false,
      restarts: 0,
      started: client.connect(),
      subscribedSymbols: () => adapter.subscribedSymbols,
      subscribe: (s) => adapter.subscribe(s),
      unsubscribe: (s) => adapter.unsubscribe(s),
      stats: () =>
        Promise.resolve({ client: client.stats(), adapter: adapter.stats(), ...(tap ? { recording: tap.writer.stats() } : {}) }),
      close: async () => {
        adapter.close();
        await client.shutdown();
        await tap?.close();
      },
      internals: {
        worker: () => undefined,
        crash: () => {
          throw new Error('no worker in-thread');
        },
      },
    };
  });
}

function startWorkerFeed<K extends EventKind>(
  opts: ResolvedFeedOptions,
  client: SettradeClientOptions,
  symbols: string[],
  rings: ShardedDispatcher<K>,
): RunningFeed<K> {
  return new RunningFeed(
    rings,
    (host) =>
      new WorkerFeedEngine({
        host,
        rings,
        client,
        fullDepth: opts.fullDepth,
        symbols,
        maxWorkerRestarts: opts.maxWorkerRestarts,
        workerRestartWindowMs: opts.workerRestartWindowMs,
        resourceLimits: opts.workerResourceLimits,
        userLogger: client.logger,
        logger: client.logger ?? defaultLogger(),
        record: opts.record,
      }),
  );
}
