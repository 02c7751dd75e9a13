/**
 * `replayFeed`: a {@link Feed} whose messages come from recording files
 * instead of a Settrade session. A replay source stands where the client
 * stands and emits each recorded message with its recorded epoch and
 * receive stamps into the SAME BidOfferAdapter -> decoder -> ring path as
 * `createFeed`, so a consumer written for the live feed runs unchanged and
 * sees the very events (and timestamps) the live consumer saw.
 *
 * Pacing: at speed N the recorded gaps (monotonic clock within a file, wall
 * clock across files) are reproduced divided by N, scheduled against a start
 * anchor (no drift); at 'max' as fast as the consumer takes events. At every
 * speed the replay is lossless: before a ring could fill it waits for the
 * consumer to drain some (and it yields to the event loop regularly, so a
 * consumer on the same thread runs).
 *
 * The end of the files is the end of the feed: the rings close (every
 * consumer's `events()` ends once drained) and the state goes SHUTDOWN.
 */
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import { BidOfferAdapter } from '../adapter/adapter.js';
import { Dispatcher, ShardedDispatcher } from '../dispatcher/index.js';
import type { EventKind } from '../events/slot-layout.js';
import { kindForDepth, type KindForDepth } from '../events/types.js';
import type { Feed, FeedEvents, FeedStats } from '../feed/feed.js';
import type { FeedReconnectReason } from '../feed/feed-supervisor.js';
import { sourceClientStats } from '../feed/source-client-stats.js';
import { normalizeSymbol, symbolOfTopic } from '../protocol/symbol.js';
import type { SubscribeErrorEvent } from '../protocol/subscribe-error.js';
import type { ClientState, ReceiveStamp, SettradeClientEvents } from '../transport/client.js';
import { SettradeError } from '../transport/errors.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { MAX_TIMER_MS } from '../util/options-schema.js';
import { RecordType, type FeedEventRecord } from './format.js';
import { RecordingReader } from './reader.js';
import { parseReplayOptions, type ReplayFeedOptions, type ResolvedReplayOptions } from './replay-options.js';

export { REPLAY_DEFAULTS, type ReplayFeedOptions, type ReplayTime } from './replay-options.js';

/** Replay counters of a {@link ReplayFeed} (`stats().replay`, and what `ended` resolves to). */
export interface ReplayCounters {
  /** Whole records with a valid CRC read (messages, topic declarations, feed events). */
  readonly recordsRead: number;
  /** Messages handed to the adapter (inside from/to; the adapter drops those of symbols not subscribed). */
  readonly messages: number;
  /** Feed-event records replayed (connect, reconnect, subscribe, unsubscribe, subscribeError). */
  readonly feedEvents: number;
  /** Damaged regions (bad CRC, implausible length) and unusable records skipped. */
  readonly recordsSkipped: number;
  /** Bytes of those. */
  readonly bytesSkipped: number;
  /** Whether a file ended in the middle of a record (a crash while recording): replayed up to its last whole record. */
  readonly truncated: boolean;
  /** Files opened so far. */
  readonly files: number;
  /** Whether the replay has ended (every record pushed, or shut down, or failed). */
  readonly done: boolean;
  /** What stopped the replay early (an I/O error, a file that changed under it); undefined otherwise. */
  readonly error: Error | undefined;
}

/** {@link FeedStats} plus the replay's counters. */
export interface ReplayFeedStats extends FeedStats {
  readonly replay: ReplayCounters;
}

/** A {@link Feed} replaying recordings. */
export interface ReplayFeed<K extends EventKind = EventKind> extends Feed<K> {
  stats(): Promise<ReplayFeedStats>;
  /**
   * Resolves once the replay ended: every record pushed (the rings are then
   * closed), or shut down, or stopped by an error (`error` set). Never rejects.
   */
  readonly ended: Promise<ReplayCounters>;
}

/** Stands where the client stands: the adapter subscribes through it and listens to its messages. */
class ReplaySource extends TypedEmitter<SettradeClientEvents> {
  subscribe(_topic: string): void {}
  unsubscribe(_topic: string): void {}

  /** One recorded message to every 'message' listener (the adapter); allocation-free. */
  deliver(topic: string, payload: Uint8Array, epoch: number, stamp: ReceiveStamp): void {
    const list = this.listenersOf('message');
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) list[i]!(topic, payload, epoch, stamp);
  }

  subscribeError(event: SubscribeErrorEvent): void {
    this.emit('subscribeError', event);
  }
}

const RECONNECT_REASONS: ReadonlySet<string> = new Set<FeedReconnectReason>(['connection-lost', 'token-refresh', 'worker-restart']);
/** Messages between two turns of the event loop at 'max' (the consumer on this thread runs then). */
const YIELD_EVERY = 1024;
/** Waits for room: this many turns of the event loop, then 1 ms sleeps (a consumer in another thread). */
const ROOM_IMMEDIATE_TURNS = 64;

class ReplayFeedImpl<K extends EventKind> extends TypedEmitter<FeedEvents> implements ReplayFeed<K> {
  readonly inWorker = false;
  readonly shards: readonly Dispatcher<K>[];
  readonly ended: Promise<ReplayCounters>;
  readonly #o: ResolvedReplayOptions;
  readonly #rings: ShardedDispatcher<K>;
  readonly #reader: RecordingReader;
  readonly #source = new ReplaySource();
  readonly #adapter: BidOfferAdapter;
  readonly #logger: Logger;
  /** The `symbols` option (normalized), or undefined: every symbol the files carry. */
  readonly #only: ReadonlySet<string> | undefined;
  /** Unsubscribed through this feed: never subscribed again by the recording. */
  readonly #unsubscribed = new Set<string>();
  /** Unsubscribed in the recording (an `unsubscribe` record not followed by a `subscribe`). */
  readonly #recordedOff = new Set<string>();
  readonly #stamp: ReceiveStamp = { recvTs: 0n, recvMonoNs: 0n };
  /** Check the rings for room every this many messages; wait while fewer than this many slots are free. */
  readonly #checkEvery: number;
  #state: ClientState = 'CONNECTING';
  #stopping = false;
  readonly #abort = new AbortController();
  #done = false;
  #error: Error | undefined;
  #closing: Promise<void> | undefined;
  #messages = 0;
  #feedEvents = 0;
  #subscribeErrors = 0;
  #reconnects = 0;
  #epoch = 0;
  #lastMessageWallNs = 0n;
  #lastConnectTs = 0;
  #lastDisconnectTs = 0;
  #sinceCheck = 0;
  #sinceYield = 0;
  // Pacing: the recorded timeline (ns since the first paced record) and the real time it started at.
  #anchor = 0n;
  #timeline = 0n;
  #prevFile = -1;
  #prevMono = 0n;
  #prevWall = 0n;

  constructor(o: ResolvedReplayOptions, rings: ShardedDispatcher<K>, headerSymbols: readonly string[]) {
    super();
    this.#o = o;
    this.#rings = rings;
    this.shards = rings.shards;
    this.#logger = o.logger ?? defaultLogger();
    this.#reader = new RecordingReader(o.files, { logger: this.#logger });
    this.#adapter = new BidOfferAdapter({ client: this.#source, fullDepth: o.fullDepth, dispatcher: rings, logger: this.#logger });
    this.#adapter.on('subscribeError', (e) => {
      this.#subscribeErrors++;
      this.emit('subscribeError', e);
    });
    this.#checkEvery = Math.max(1, Math.min(256, Math.floor(o.maxSize / 4)));
    this.#only = o.symbols === undefined ? undefined : new Set(o.symbols);
    for (const s of o.symbols ?? headerSymbols) this.#adapter.subscribe(s);
    this.ended = new Promise((resolve) => {
      // Started on the next turn: the caller attaches its listeners and consumer first.
      setImmediate(() => void this.#pump().then(() => resolve(this.#counters())));
    });
  }

  get dispatcher(): Dispatcher<K> {
    return this.shards[0]!;
  }

  /** CONNECTING until the replay starts, CONNECTED while it runs, SHUTDOWN once it ended. */
  get state(): ClientState {
    return this.#state;
  }

  get subscribedSymbols(): readonly string[] {
    return this.#adapter.subscribedSymbols;
  }

  subscribe(symbol: string): string {
    if (this.#done) throw new SettradeError('ERR_SHUTDOWN', 'feed is shut down (the replay has ended)');
    const s = this.#adapter.subscribe(symbol);
    this.#unsubscribed.delete(s);
    return s;
  }

  unsubscribe(symbol: string): void {
    if (this.#done) return;
    const s = normalizeSymbol(symbol);
    this.#unsubscribed.add(s);
    this.#adapter.unsubscribe(s);
  }

  stats(): Promise<ReplayFeedStats> {
    const adapter = this.#adapter.stats();
    return Promise.resolve({
      client: sourceClientStats({
        state: this.#state,
        messagesReceived: this.#messages,
        reconnectCount: this.#reconnects,
        // The client's times are recorded wall clock (ms): of the last message replayed, of the last
        // recorded connect or reconnect (a reconnect also stands for the loss of connection before it).
        lastMessageTs: Number(this.#lastMessageWallNs / 1_000_000n),
        subscribeErrors: this.#subscribeErrors,
        reconnectEpoch: this.#epoch,
        lastConnectTs: this.#lastConnectTs,
        lastDisconnectTs: this.#lastDisconnectTs,
        staleMessagesDropped: 0,
        failed: this.#error !== undefined,
      }),
      adapter,
      subscribeErrors: this.#subscribeErrors,
      workerRestarts: 0,
      replay: this.#counters(),
    });
  }

  /** Stops the replay, closes the files and the rings (consumers end once drained). Idempotent. */
  shutdown(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    this.#closing ??= this.ended.then(() => undefined);
    return this.#closing;
  }

  #counters(): ReplayCounters {
    const r = this.#reader.stats();
    return { ...r, messages: this.#messages, feedEvents: this.#feedEvents, done: this.#done, error: this.#error };
  }

  #setState(next: ClientState): void {
    const previous = this.#state;
    if (next === previous) return;
    this.#state = next;
    this.emit('state', next, previous);
  }

  async #pump(): Promise<void> {
    const r = this.#reader;
    const speed = this.#o.speed;
    const from = this.#o.from ?? -1n;
    const to = this.#o.to;
    try {
      if (!this.#stopping) this.#setState('CONNECTED');
      while (!this.#stopping) {
        while (!this.#stopping && r.next()) {
          const c = r.current;
          if (c.type === RecordType.TOPIC) {
            this.#onTopic(c.topic);
            continue;
          }
          if (c.wallNs < from || (to !== undefined && c.wallNs > to)) continue;
          if (speed !== 'max') {
            await this.#pace(speed, c.fileIndex, c.monoNs, c.wallNs);
            if (this.#stopping) break;
          }
          if (c.type === RecordType.MESSAGE) {
            if (++this.#sinceCheck >= this.#checkEvery) {
              this.#sinceCheck = 0;
              await this.#room();
              if (this.#stopping) break;
            }
            this.#epoch = c.epoch;
            this.#messages++;
            this.#lastMessageWallNs = c.wallNs;
            const stamp = this.#stamp;
            stamp.recvTs = c.wallNs;
            stamp.recvMonoNs = c.monoNs;
            this.#source.deliver(c.topic, c.payload, c.epoch, stamp);
            if (++this.#sinceYield >= YIELD_EVERY) {
              this.#sinceYield = 0;
              await immediate();
            }
          } else if (c.event !== undefined) {
            this.#feedEvents++;
            this.#onFeedEvent(c.event, c.wallNs);
          }
        }
        if (this.#stopping || !(await r.fill())) break;
      }
    } catch (err) {
      this.#error = err instanceof Error ? err : new Error(String(err));
      this.#logger.error({ err: this.#error.message, file: r.paths[r.fileIndex] }, 'replay stopped: a recording could not be read');
    } finally {
      this.#done = true;
      await r.close().catch(() => undefined);
      this.#adapter.close();
      this.#rings.close();
      this.#setState('SHUTDOWN');
    }
  }

  /** Waits until the recorded gap since the previous paced record, divided by the speed, has passed. */
  async #pace(speed: number, file: number, mono: bigint, wall: bigint): Promise<void> {
    const now = process.hrtime.bigint();
    if (this.#prevFile === -1) {
      this.#anchor = now;
    } else {
      // Monotonic stamps compare within a file only (a rotation may span processes): across files, wall time.
      const gap = file === this.#prevFile ? mono - this.#prevMono : wall - this.#prevWall;
      if (gap > 0n) this.#timeline += gap;
    }
    this.#prevFile = file;
    this.#prevMono = mono;
    this.#prevWall = wall;
    const due = this.#anchor + BigInt(Math.round(Number(this.#timeline) / speed));
    for (;;) {
      const remainingMs = Number(due - process.hrtime.bigint()) / 1e6;
      // Within a millisecond: go (timers have ms resolution; the anchor keeps errors from adding up).
      if (remainingMs < 1 || this.#stopping) return;
      try {
        // Aborted by shutdown(): a recorded hour of silence must not hold it up.
        await sleep(Math.min(Math.floor(remainingMs), MAX_TIMER_MS), undefined, { signal: this.#abort.signal });
      } catch {
        return;
      }
    }
  }

  /** Waits while any ring has fewer than `checkEvery` free slots (the next `checkEvery` pushes then fit). */
  async #room(): Promise<void> {
    const threshold = this.#o.maxSize - this.#checkEvery;
    for (let turn = 0; !this.#stopping; turn++) {
      let full = false;
      for (const ring of this.shards) {
        if (ring.stats().queueLen > threshold) {
          full = true;
          break;
        }
      }
      if (!full) return;
      if (turn < ROOM_IMMEDIATE_TURNS) await immediate();
      else await sleep(1);
    }
  }

  /** A topic declared (in every file before its first message): subscribed unless the recording or the user unsubscribed it. */
  #onTopic(topic: string): void {
    const symbol = symbolOfTopic(topic);
    if (symbol !== undefined && !this.#recordedOff.has(symbol)) this.#autoSubscribe(symbol);
  }

  /** Subscribes a symbol the recording carries, when the `symbols` option and the user's unsubscribes allow it. */
  #autoSubscribe(symbol: string): void {
    if (this.#unsubscribed.has(symbol) || (this.#only !== undefined && !this.#only.has(symbol))) return;
    try {
      this.#adapter.subscribe(symbol);
    } catch (err) {
      this.#logger.warn({ symbol, err: err instanceof Error ? err.message : String(err) }, 'replay: recorded symbol is not valid (its messages are not replayed)');
    }
  }

  #onFeedEvent(e: FeedEventRecord, wallNs: bigint): void {
    switch (e.kind) {
      case 'connect':
        this.#epoch = e.epoch;
        this.#lastConnectTs = Number(wallNs / 1_000_000n);
        break;
      case 'reconnect': {
        this.#epoch = e.epoch;
        this.#reconnects++;
        this.#lastConnectTs = this.#lastDisconnectTs = Number(wallNs / 1_000_000n);
        const reason = (RECONNECT_REASONS.has(e.reason) ? e.reason : 'connection-lost') as FeedReconnectReason;
        this.emit('reconnect', { epoch: e.epoch, reason, subscriptions: this.#adapter.subscribedSymbols.length });
        break;
      }
      // The recorded subscription state is replayed: live, the adapter dropped
      // what arrived for a symbol after it was unsubscribed (messages in flight).
      case 'subscribe':
        this.#recordedOff.delete(e.symbol);
        this.#autoSubscribe(e.symbol);
        break;
      case 'unsubscribe':
        this.#recordedOff.add(e.symbol);
        if (this.#adapter.subscribedSymbols.includes(e.symbol)) this.#adapter.unsubscribe(e.symbol);
        break;
      case 'subscribeError': {
        const event: SubscribeErrorEvent = {
          ...(e.symbol !== undefined ? { symbol: e.symbol } : {}),
          ...(e.topic !== undefined ? { topic: e.topic } : {}),
          message: e.message,
          raw: e.message,
        };
        this.#source.subscribeError(event);
        break;
      }
    }
  }
}

/**
 * Replays recordings as a {@link Feed}. Validates the options (a bad or
 * unknown key throws SettradeConfigError naming it) and every file's header
 * (RecordingFormatError: ERR_RECORDING_FORMAT for a file that is not a
 * recording, ERR_RECORDING_VERSION for another format version) before it
 * resolves; the replay starts on the next turn of the event loop.
 *
 * ```ts
 * const feed = await replayFeed({ files: ['day.stfrec'], speed: 'max', fullDepth: true });
 * for await (const e of feed.dispatcher.events()) { ... }   // ends after the last recorded event
 * console.log((await feed.stats()).replay);
 * ```
 */
export async function replayFeed<F extends boolean>(options: ReplayFeedOptions<F>): Promise<ReplayFeed<KindForDepth<F>>> {
  const o = parseReplayOptions(options);
  const symbols = o.symbols?.map((s) => normalizeSymbol(s));
  const headerSymbols = new Set<string>();
  for (const path of o.files) {
    const header = await RecordingReader.header(path);
    for (const s of header.symbols) headerSymbols.add(s);
  }
  const valid = [...headerSymbols].filter((s) => {
    try {
      return normalizeSymbol(s) === s;
    } catch {
      return false;
    }
  });
  const rings = new ShardedDispatcher({
    shards: o.shards,
    kind: kindForDepth(options.fullDepth),
    maxSize: o.maxSize,
    overflow: o.overflow,
    preTouchMemory: o.preTouchMemory,
    logger: o.logger,
  });
  return new ReplayFeedImpl({ ...o, symbols }, rings, valid);
}
