/**
 * `createFeed`: the whole producer side (SettradeClient + BidOfferAdapter)
 * feeding a Dispatcher that the calling thread consumes, either in a worker
 * thread (`worker: true`: decoding and network I/O off the caller's event
 * loop, events crossing through the shared-memory ring) or in-thread.
 *
 * ```ts
 * const feed = await createFeed({ ...credentials, baseUrl, symbols: ['AOT'], fullDepth: false, worker: true });
 * for await (const e of feed.dispatcher.events()) { ... }
 * await feed.shutdown();
 * ```
 */
import { Dispatcher, ShardedDispatcher } from '../dispatcher/index.js';
import type { OverflowPolicy } from '../dispatcher/index.js';
import { SettradeClient, type ClientState, type ReconnectInfo } from '../transport/client.js';
import { SettradeConfigError, SettradeError, type SettradeErrorCode } from '../transport/errors.js';
import type { SettradeClientOptions } from '../transport/options.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { resolveWorkerScript, startModuleWorker } from '../util/worker-script.js';
import { BidOfferAdapter } from './adapter.js';
import type { FeedStats, FeedWorkerData, FromWorker, SerializedError, ToWorker, WorkerClientOptions } from './feed-protocol.js';
import { normalizeSymbol } from '../protocol/symbol.js';
import type { EventKind } from '../events/slot-layout.js';
import { kindForDepth, type KindForDepth } from '../events/types.js';

export type { FeedStats } from './feed-protocol.js';

/** Options of {@link createFeed}: the client's options plus the feed's. A literal `fullDepth` types the feed's events. */
export interface FeedOptions<F extends boolean = boolean> extends SettradeClientOptions {
  /** Symbols subscribed from the start. */
  readonly symbols?: readonly string[];
  /** true: `FullBidOffer` events; false: `BestBidAsk`. */
  readonly fullDepth: F;
  /** Dispatcher capacity in events (of each ring when sharded). */
  readonly maxSize?: number;
  /**
   * Number of rings, one per consumer thread (1 to 64, default 1). Events
   * are routed by symbol (`shardOf`), so each symbol stays on one ring, in
   * order. Consume `feed.shards[i]` in thread i (`Dispatcher.attach(feed.shards[i].handle)`).
   */
  readonly shards?: number;
  /** Dispatcher overflow policy. */
  readonly overflow?: OverflowPolicy;
  /** Fault in every ring page at creation (DispatcherOptions.preTouchMemory, default true). */
  readonly preTouchMemory?: boolean;
  /** Run client + adapter in a worker thread (default true). */
  readonly worker?: boolean;
}

/** Defaults of {@link FeedOptions}. */
export const FEED_DEFAULTS = { maxSize: 100_000, overflow: 'drop-oldest', worker: true, shards: 1 } as const;

/** Events of a {@link Feed}. */
export interface FeedEvents {
  state: (state: ClientState, previous: ClientState) => void;
  error: (err: SettradeError) => void;
  reconnect: (info: ReconnectInfo) => void;
}

/** A running feed; `K` is its event kind ('fullBidOffer' when `fullDepth: true`). */
export interface Feed<K extends EventKind = EventKind> {
  /** Consumer side of the ring: poll, drain or iterate events here (the first ring when sharded). */
  readonly dispatcher: Dispatcher<K>;
  /** Every ring, in shard order: `shards[shardOf(symbol, n)]` carries that symbol's events. */
  readonly shards: readonly Dispatcher<K>[];
  /** Whether client and adapter run in a worker thread. */
  readonly inWorker: boolean;
  /** Symbols subscribed (upper-cased), sorted. */
  readonly subscribedSymbols: readonly string[];
  /** Subscribes (validated here, synchronously: an invalid symbol throws). */
  subscribe(symbol: string): string;
  /** Unsubscribes. */
  unsubscribe(symbol: string): void;
  /** Client and adapter counters (fetched from the worker in worker mode). */
  stats(): Promise<FeedStats>;
  /** Adds an event listener (state, error, reconnect). */
  on<K extends keyof FeedEvents>(event: K, listener: FeedEvents[K]): this;
  /** Removes an event listener. */
  off<K extends keyof FeedEvents>(event: K, listener: FeedEvents[K]): this;
  /** Closes the connection and ends the worker. Idempotent. */
  shutdown(): Promise<void>;
}

/** What differs between the in-thread and the worker feed. */
interface FeedEngine {
  readonly inWorker: boolean;
  subscribedSymbols(): readonly string[];
  subscribe(symbol: string): string;
  unsubscribe(symbol: string): void;
  stats(): Promise<FeedStats>;
  close(): Promise<void>;
}

/** The {@link Feed} both modes hand out: rings, events, and an engine that does the work. */
class RunningFeed<K extends EventKind> extends TypedEmitter<FeedEvents> implements Feed<K> {
  #closing: Promise<void> | undefined;

  constructor(
    readonly shards: readonly Dispatcher<K>[],
    private readonly engine: FeedEngine,
  ) {
    super();
  }

  get dispatcher(): Dispatcher<K> {
    return this.shards[0]!;
  }

  get inWorker(): boolean {
    return this.engine.inWorker;
  }

  get subscribedSymbols(): readonly string[] {
    return this.engine.subscribedSymbols();
  }

  subscribe(symbol: string): string {
    return this.engine.subscribe(symbol);
  }

  unsubscribe(symbol: string): void {
    this.engine.unsubscribe(symbol);
  }

  stats(): Promise<FeedStats> {
    return this.engine.stats();
  }

  shutdown(): Promise<void> {
    this.#closing ??= this.engine.close();
    return this.#closing;
  }

  fire<K extends keyof FeedEvents>(event: K, ...args: Parameters<FeedEvents[K]>): void {
    this.emit(event, ...args);
  }

  /** Shuts down and rethrows when the first connection fails, else returns the feed. */
  async started(connected: Promise<unknown>): Promise<Feed<K>> {
    try {
      await connected;
    } catch (err) {
      await this.shutdown();
      throw err;
    }
    return this;
  }
}

function deserializeError(e: SerializedError): SettradeError {
  const err = new SettradeError(e.code as SettradeErrorCode, e.message);
  err.name = e.name;
  if (e.status !== undefined) Object.assign(err, { status: e.status });
  if (e.causeCode !== undefined) Object.assign(err, { causeCode: e.causeCode });
  return err;
}

function clientOptionsFor(opts: FeedOptions): SettradeClientOptions {
  const { symbols: _s, fullDepth: _f, maxSize: _m, overflow: _o, worker: _w, shards: _n, preTouchMemory: _p, ...client } = opts;
  return client;
}

/**
 * Starts a feed and resolves once the first connection is up (rejects, with
 * everything torn down, if it never comes up within the retry policy).
 */
export async function createFeed<F extends boolean>(options: FeedOptions<F>): Promise<Feed<KindForDepth<F>>> {
  if (!options || typeof options.fullDepth !== 'boolean') throw new SettradeConfigError('fullDepth', 'must be a boolean');
  const symbols = (options.symbols ?? []).map((s) => normalizeSymbol(s));
  const rings = new ShardedDispatcher({
    shards: options.shards ?? FEED_DEFAULTS.shards,
    kind: kindForDepth(options.fullDepth),
    maxSize: options.maxSize ?? FEED_DEFAULTS.maxSize,
    overflow: options.overflow ?? FEED_DEFAULTS.overflow,
    preTouchMemory: options.preTouchMemory,
    logger: options.logger,
  });
  const useWorker = options.worker ?? FEED_DEFAULTS.worker;
  return useWorker ? startWorkerFeed(options, symbols, rings) : startLocalFeed(options, symbols, rings);
}

async function startLocalFeed<K extends EventKind>(options: FeedOptions, symbols: string[], rings: ShardedDispatcher<K>): Promise<Feed<K>> {
  const client = new SettradeClient(clientOptionsFor(options));
  // The adapter resolves each symbol's ring once, at subscribe time: no routing per message.
  const adapter = new BidOfferAdapter({ client, fullDepth: options.fullDepth, dispatcher: rings, logger: options.logger });
  const feed = new RunningFeed(rings.shards, {
    inWorker: false,
    subscribedSymbols: () => adapter.subscribedSymbols,
    subscribe: (s) => adapter.subscribe(s),
    unsubscribe: (s) => adapter.unsubscribe(s),
    stats: () => Promise.resolve({ client: client.stats(), adapter: adapter.stats() }),
    close: async () => {
      adapter.close();
      await client.shutdown();
    },
  });
  client.on('state', (s, p) => feed.fire('state', s, p));
  client.on('error', (e) => feed.fire('error', e));
  client.on('reconnect', (i) => feed.fire('reconnect', i));
  for (const s of symbols) adapter.subscribe(s);
  return feed.started(client.connect());
}

async function startWorkerFeed<K extends EventKind>(options: FeedOptions, symbols: string[], rings: ShardedDispatcher<K>): Promise<Feed<K>> {
  const clientOptions = clientOptionsFor(options);
  if (typeof clientOptions.endpoint === 'function') {
    throw new SettradeConfigError('endpoint', 'a function cannot cross into a worker: pass a URL string, or worker: false');
  }
  const { logger: userLogger, ...plain } = clientOptions;
  // Validate in the caller so bad options throw here, naming the field, not in the worker.
  new SettradeClient(clientOptions);
  const data: FeedWorkerData = {
    clientOptions: plain as WorkerClientOptions,
    fullDepth: options.fullDepth,
    symbols,
    handles: rings.handles,
    forwardLogs: userLogger !== undefined,
  };
  const script = resolveWorkerScript(import.meta.url, 'feed-worker');
  const worker = startModuleWorker(script, { workerData: data });
  const subscribed = new Set(symbols);
  const pending = new Map<number, (s: FeedStats) => void>();
  let nextId = 1;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => worker.once('exit', () => {
    exited = true;
    for (const [, r] of pending) r(undefined as unknown as FeedStats);
    pending.clear();
    resolve();
  }));

  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const connected = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  worker.on('message', (m: FromWorker) => {
    switch (m.type) {
      case 'state':
        feed.fire('state', m.state, m.previous);
        break;
      case 'error':
        feed.fire('error', deserializeError(m.error));
        break;
      case 'reconnect':
        feed.fire('reconnect', m.info);
        break;
      case 'connected':
        settle?.resolve();
        break;
      case 'connectFailed':
        settle?.reject(deserializeError(m.error));
        break;
      case 'stats':
        pending.get(m.id)?.(m.stats);
        pending.delete(m.id);
        break;
      case 'log':
        userLogger?.[m.level](m.obj, m.msg);
        break;
      case 'closed':
        break;
    }
  });
  worker.on('error', (err) => {
    const e = new SettradeError('NETWORK_ERROR', `feed worker failed: ${err.message}`);
    settle?.reject(e);
    feed.fire('error', e);
  });

  const send = (m: ToWorker): void => {
    if (!exited) worker.postMessage(m);
  };
  const feed = new RunningFeed(rings.shards, {
    inWorker: true,
    subscribedSymbols: () => [...subscribed].sort(),
    subscribe(symbol) {
      const s = normalizeSymbol(symbol);
      if (!subscribed.has(s)) {
        subscribed.add(s);
        send({ type: 'subscribe', symbol: s });
      }
      return s;
    },
    unsubscribe(symbol) {
      const s = normalizeSymbol(symbol);
      if (subscribed.delete(s)) send({ type: 'unsubscribe', symbol: s });
    },
    stats() {
      if (exited) return Promise.reject(new SettradeError('SHUTDOWN', 'feed is shut down'));
      const id = nextId++;
      return new Promise<FeedStats>((resolve, reject) => {
        pending.set(id, (s) => (s ? resolve(s) : reject(new SettradeError('SHUTDOWN', 'feed is shut down'))));
        send({ type: 'stats', id });
      });
    },
    close: async () => {
      send({ type: 'shutdown' });
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  });
  return feed.started(connected);
}
