/**
 * `connectRelayFeed`: a {@link Feed} whose events come from the relay's
 * JetStream stream instead of a Settrade session. Each payload is decoded by
 * the same decoders into the same rings (`Dispatcher.pushPayload`), stamped
 * with the relay's receive time and connection epoch from the headers.
 *
 * One ordered consumer per symbol (one filter subject each: multi-subject
 * filters need nats-server 2.10, and per-symbol consumers make subscribe and
 * unsubscribe independent). The NATS client runs on the calling thread.
 */
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamManager, type OrderedConsumerOptions } from '@nats-io/jetstream';
import { connect, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { normalizeSymbol } from '../protocol/symbol.js';
import type { Feed, FeedEvents, FeedStats } from '../feed/feed.js';
import { sourceClientStats } from '../feed/source-client-stats.js';
import { ParseError } from '../codec/index.js';
import { Dispatcher, ShardedDispatcher } from '../dispatcher/index.js';
import type { ClientState } from '../transport/client.js';
import { SettradeError } from '../transport/errors.js';
import { TypedEmitter } from '../transport/typed-emitter.js';
import { defaultLogger, type Logger } from '../util/logger.js';
import { RateLimitedLog } from '../util/rate-limited-log.js';
import { parseRelayFeedOptions, type RelayFeedOptions, type ResolvedRelayFeedOptions } from './options.js';
import { RelayHeader, subjectOf } from './protocol.js';
import { SeqVerdict, SequenceTracker, type GapEvent } from './sequence-tracker.js';

export type { GapEvent } from './sequence-tracker.js';

/** Relay-specific counters of a {@link RelayFeed}. */
export interface RelayFeedCounters {
  /** Gap events (jumps in a symbol's sequence). */
  readonly gaps: number;
  /** Messages missing across every gap. */
  readonly missed: number;
  /** Duplicates or older messages skipped. */
  readonly stale: number;
  /** Relay restarts seen (a symbol's run id changed). */
  readonly relayRuns: number;
  /** Messages without valid relay headers (skipped). */
  readonly badHeaders: number;
  /** Reconnects of this consumer's NATS connection. */
  readonly natsReconnects: number;
}

/** {@link FeedStats} plus the relay counters. */
export interface RelayFeedStats extends FeedStats {
  readonly relay: RelayFeedCounters;
}

/** Events of a {@link RelayFeed}: the feed's, plus `gap`. */
export interface RelayFeedEvents extends FeedEvents {
  /** A jump in a symbol's sequence. */
  gap: (gap: GapEvent) => void;
}

/**
 * A {@link Feed} fed from the relay. `state` follows this consumer's NATS
 * connection (CONNECTED / RECONNECTING / SHUTDOWN); `reconnect` fires when a
 * higher Settrade connection epoch first shows up in the stream (the relay's
 * Settrade session reconnected; the reason is not carried: reported as
 * 'connection-lost'); `gap` reports sequence jumps.
 */
export interface RelayFeed extends Feed {
  stats(): Promise<RelayFeedStats>;
  on<K extends keyof RelayFeedEvents>(event: K, listener: RelayFeedEvents[K]): this;
  off<K extends keyof RelayFeedEvents>(event: K, listener: RelayFeedEvents[K]): this;
}

interface SymbolReader {
  messages: ConsumerMessages | undefined;
  stopped: boolean;
  /** Where the first reader of this symbol starts (everything, once the stream was re-created). */
  start: Partial<OrderedConsumerOptions>;
  /** Stream sequence of the last message delivered (0: none yet). */
  lastStreamSeq: number;
  /** Bumped on every (re)start, so a superseded start gives up. */
  generation: number;
}

const RESTART_BACKOFF_MS = [100, 250, 500, 1000, 2000] as const;

class RelayFeedImpl extends TypedEmitter<RelayFeedEvents> implements RelayFeed {
  readonly inWorker = false;
  readonly #rings: ShardedDispatcher;
  readonly #o: ResolvedRelayFeedOptions;
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #readers = new Map<string, SymbolReader>();
  // Subscribed symbols, updated synchronously (their readers start asynchronously).
  readonly #wanted = new Set<string>();
  readonly #seq = new SequenceTracker();
  readonly #log: RateLimitedLog;
  readonly #logger: Logger;
  // Reused meta: pushPayload reads it synchronously.
  readonly #meta: { recvTs: bigint; connectionEpoch: number } = { recvTs: 0n, connectionEpoch: 0 };
  #state: ClientState = 'CONNECTED';
  #epoch = 0;
  // Relay run of the last message delivered (the epoch baseline belongs to it).
  #run = '';
  #received = 0;
  #parsed = 0;
  #parseErrors = 0;
  #badHeaders = 0;
  #natsReconnects = 0;
  #lastConnectTs = Date.now();
  #lastDisconnectTs = 0;
  #lastMessageTs = 0;
  // Creation time of the stream as first seen (tells a re-created stream from the same one).
  #created: string | undefined;
  #closing: Promise<void> | undefined;

  constructor(o: ResolvedRelayFeedOptions, rings: ShardedDispatcher, nc: NatsConnection, jsm: JetStreamManager) {
    super();
    this.#o = o;
    this.#rings = rings;
    this.#nc = nc;
    this.#jsm = jsm;
    this.#logger = o.logger ?? defaultLogger();
    this.#log = new RateLimitedLog(this.#logger);
  }

  get dispatcher(): Dispatcher {
    return this.#rings.shards[0]!;
  }

  get shards(): readonly Dispatcher[] {
    return this.#rings.shards;
  }

  /** This consumer's NATS connection state. */
  get state(): ClientState {
    return this.#state;
  }

  get subscribedSymbols(): readonly string[] {
    return [...this.#wanted].sort();
  }

  subscribe(symbol: string): string {
    const s = normalizeSymbol(symbol);
    subjectOf(s);
    if (!this.#wanted.has(s) && this.#closing === undefined) {
      this.#wanted.add(s);
      void this.#start([s]).catch((err) => this.#fail(err));
    }
    return s;
  }

  unsubscribe(symbol: string): void {
    const s = normalizeSymbol(symbol);
    if (!this.#wanted.delete(s)) return;
    const r = this.#readers.get(s);
    this.#seq.forget(s);
    if (r === undefined) return; // its start sees it is no longer wanted
    this.#readers.delete(s);
    r.stopped = true;
    r.messages?.stop();
  }

  stats(): Promise<RelayFeedStats> {
    const t = this.#seq;
    return Promise.resolve({
      client: sourceClientStats({
        state: this.#state,
        messagesReceived: this.#received,
        reconnectCount: this.#natsReconnects,
        lastMessageTs: this.#lastMessageTs,
        subscribeErrors: 0,
        reconnectEpoch: this.#epoch,
        lastConnectTs: this.#lastConnectTs,
        lastDisconnectTs: this.#lastDisconnectTs,
        staleMessagesDropped: t.stale,
        failed: false,
      }),
      adapter: {
        messagesParsed: this.#parsed,
        parseErrors: this.#parseErrors,
        callbackErrors: 0,
        // Settrade's subscription refusals reach the relay (its `subscribeError` event and log), not its consumers.
        subscribeErrors: 0,
        subscribedSymbols: this.subscribedSymbols,
        fullDepth: this.#o.fullDepth,
      },
      relay: { gaps: t.gaps, missed: t.missed, stale: t.stale, relayRuns: t.runChanges, badHeaders: this.#badHeaders, natsReconnects: this.#natsReconnects },
      subscribeErrors: 0,
      workerRestarts: 0,
    });
  }

  shutdown(): Promise<void> {
    this.#closing ??= (async () => {
      for (const s of [...this.#wanted]) this.unsubscribe(s);
      this.#setState('SHUTDOWN');
      await this.#nc.close();
    })();
    return this.#closing;
  }

  /**
   * Starts readers for `symbols`. With from 'last', every symbol's last stored
   * message is fetched and delivered first, then each reader starts right
   * after it: every book arrives before any live message, none twice, none lost.
   */
  async #start(symbols: readonly string[]): Promise<void> {
    let fresh = symbols.filter((s) => !this.#readers.has(s));
    const starts: Partial<OrderedConsumerOptions>[] = [];
    const from = this.#o.from;
    if (from === 'last') {
      const all = await Promise.all(fresh.map((s) => this.#jsm.streams.getMessage(this.#o.stream, { last_by_subj: subjectOf(s) }).catch(notFoundAsNull)));
      // Unsubscribed (or started by another call) while fetching: leave those alone.
      const keep = fresh.map((s) => this.#wanted.has(s) && !this.#readers.has(s));
      const lasts = all.filter((_, i) => keep[i]);
      fresh = fresh.filter((_, i) => keep[i]);
      for (let i = 0; i < fresh.length; i++) {
        const m = lasts[i];
        // Nothing stored yet for this symbol: read everything (there is nothing older), so a message stored meanwhile is not missed.
        starts.push(m ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: m.seq + 1 } : { deliver_policy: DeliverPolicy.All });
      }
      const readers = fresh.map((s, i) => this.#addReader(s, starts[i]!));
      for (let i = 0; i < fresh.length; i++) {
        const m = lasts[i];
        if (m) this.#deliver(fresh[i]!, readers[i]!, m.seq, m.header, m.data);
      }
    } else {
      const start =
        from === 'new'
          ? { deliver_policy: DeliverPolicy.New }
          : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(from.startTime).toISOString() };
      fresh = fresh.filter((s) => this.#wanted.has(s));
      for (const s of fresh) this.#addReader(s, start);
    }
    await Promise.all(fresh.map((s) => this.#read(s, true)));
  }

  #addReader(symbol: string, start: Partial<OrderedConsumerOptions>): SymbolReader {
    const r: SymbolReader = { messages: undefined, stopped: false, start, lastStreamSeq: 0, generation: 0 };
    this.#readers.set(symbol, r);
    return r;
  }

  /**
   * (Re)starts the ordered consumer of `symbol` right after the last stream
   * sequence it delivered. Done on every NATS reconnect: after a server
   * restart the client's own ordered consumer may not resume (its heartbeat
   * monitor stays off when the first check after reconnecting fails while
   * JetStream is still loading), so the feed restarts it, retrying with backoff.
   */
  async #read(symbol: string, first: boolean): Promise<void> {
    const r = this.#readers.get(symbol);
    if (r === undefined) return;
    const gen = ++r.generation;
    r.messages?.stop();
    r.messages = undefined;
    const js = jetstream(this.#nc);
    for (let attempt = 0; ; attempt++) {
      if (r.stopped || r.generation !== gen || this.#closing !== undefined) return;
      const start = r.lastStreamSeq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: r.lastStreamSeq + 1 } : r.start;
      try {
        const consumer = await js.consumers.get(this.#o.stream, { filter_subjects: subjectOf(symbol), ...start });
        // A superseded reader's late messages (its client-side reset may already have moved it) are ignored.
        const messages = await consumer.consume({
          callback: (m) => {
            if (r.generation === gen) this.#deliver(symbol, r, m.seq, m.headers, m.data);
          },
        });
        if (r.stopped || r.generation !== gen) {
          messages.stop();
          return;
        }
        r.messages = messages;
        return;
      } catch (err) {
        if (first) throw err;
        await new Promise((res) => setTimeout(res, RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]));
      }
    }
  }

  // Hot path: headers to meta, sequence check, decode into the symbol's ring.
  #deliver(symbol: string, r: SymbolReader, streamSeq: number, h: MsgHdrs | undefined, data: Uint8Array): void {
    // Unsubscribed, or already delivered by a reader this one replaced.
    if (r.stopped || streamSeq <= r.lastStreamSeq) return;
    r.lastStreamSeq = streamSeq;
    this.#received++;
    this.#lastMessageTs = Date.now();
    const seq = Number(h?.get(RelayHeader.seq));
    const epoch = Number(h?.get(RelayHeader.epoch));
    const ts = h?.get(RelayHeader.recvTs) ?? '';
    const run = h?.get(RelayHeader.run) ?? '';
    if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isSafeInteger(epoch) || epoch < 0 || !/^\d{1,20}$/.test(ts) || run === '') {
      this.#badHeaders++;
      this.#log.error('headers', () => ({ symbol, seq: h?.get(RelayHeader.seq), epoch: h?.get(RelayHeader.epoch) }), 'relay message without valid Settrade-* headers (skipped)');
      return;
    }
    const verdict = this.#seq.check(symbol, run, seq);
    if (verdict === SeqVerdict.Stale) return;
    if (verdict === SeqVerdict.Gap) this.emit('gap', { symbol, expected: this.#seq.expected, got: seq });
    if (run !== this.#run) {
      // First message, or a restarted relay (its epochs start at 0 again): a new baseline, not a reconnect.
      this.#run = run;
      this.#epoch = epoch;
    } else if (epoch > this.#epoch) {
      this.#epoch = epoch;
      this.emit('reconnect', { epoch, reason: 'connection-lost', subscriptions: this.#readers.size });
    }
    const meta = this.#meta;
    meta.recvTs = BigInt(ts);
    meta.connectionEpoch = epoch;
    try {
      this.#rings.shardFor(symbol).pushPayload(data, meta);
      this.#parsed++;
    } catch (err) {
      this.#parseErrors++;
      this.#log.error('parse', () => ({ symbol, seq, bytes: data.length, err: err instanceof ParseError ? err.message : String(err) }), 'relayed BidOfferV3 payload did not parse');
    }
  }

  watch(): void {
    void (async () => {
      for await (const s of this.#nc.status()) {
        if (s.type === 'disconnect') {
          this.#lastDisconnectTs = Date.now();
          this.#setState('RECONNECTING');
        } else if (s.type === 'reconnect') {
          this.#natsReconnects++;
          this.#lastConnectTs = Date.now();
          this.#setState('CONNECTED');
          void this.#resumeAll();
        }
      }
    })();
  }

  /**
   * After a reconnect: restarts every reader. A stream re-created meanwhile (a
   * server that lost its store; the relay re-creates it) numbers from 1 again,
   * so the readers then start from its beginning instead of their old position.
   */
  async #resumeAll(): Promise<void> {
    // Silence every reader now: until we know whether the stream is the same one, none may deliver.
    for (const r of this.#readers.values()) {
      r.generation++;
      r.messages?.stop();
      r.messages = undefined;
    }
    const created = await this.#streamCreated();
    if (created !== undefined && this.#created !== undefined && created !== this.#created) {
      this.#logger.warn({ stream: this.#o.stream }, 'relay stream was re-created: reading it from its beginning');
      for (const r of this.#readers.values()) {
        r.lastStreamSeq = 0;
        r.start = { deliver_policy: DeliverPolicy.All };
      }
    }
    if (created !== undefined) this.#created = created;
    for (const sym of [...this.#readers.keys()]) void this.#read(sym, false);
  }

  // The stream's creation time, retried while JetStream is still loading; undefined if it never answers (or does not exist yet).
  async #streamCreated(): Promise<string | undefined> {
    for (let attempt = 0; attempt < RESTART_BACKOFF_MS.length * 2; attempt++) {
      if (this.#closing !== undefined) return undefined;
      try {
        return (await this.#jsm.streams.info(this.#o.stream)).created;
      } catch {
        await new Promise((res) => setTimeout(res, RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]));
      }
    }
    return undefined;
  }

  #setState(next: ClientState): void {
    const prev = this.#state;
    if (prev === next || prev === 'SHUTDOWN') return;
    this.#state = next;
    this.emit('state', next, prev);
  }

  #fail(err: unknown): void {
    const e = new SettradeError('ERR_NETWORK_ERROR', `relay consumer: ${err instanceof Error ? err.message : String(err)}`);
    this.emit('error', e);
  }

  async begin(symbols: readonly string[]): Promise<void> {
    this.#created = (await this.#jsm.streams.info(this.#o.stream)).created;
    this.watch();
    for (const s of symbols) this.#wanted.add(s);
    await this.#start(symbols);
  }
}

function notFoundAsNull(err: unknown): null {
  const e = err as { name?: unknown; message?: unknown } | null;
  if (e?.name === 'MessageNotFoundError' || /no message found|not found/i.test(String(e?.message ?? ''))) return null;
  throw err;
}

/**
 * Connects to the relay's stream and resolves once every symbol's reader is
 * running (with from 'last': once every stored last book is in the rings).
 */
export async function connectRelayFeed(options: RelayFeedOptions): Promise<RelayFeed> {
  const o = parseRelayFeedOptions(options);
  const symbols = [...new Set(o.symbols.map((s) => normalizeSymbol(s)))];
  for (const s of symbols) subjectOf(s);
  const rings = new ShardedDispatcher({
    shards: o.shards,
    kind: o.fullDepth ? 'fullBidOffer' : 'bestBidAsk',
    maxSize: o.maxSize ?? 100_000,
    overflow: o.overflow,
    preTouchMemory: o.preTouchMemory,
    logger: o.logger,
  });
  const nc = await connect({ servers: o.servers, name: 'settrade-feed-relay-consumer', maxReconnectAttempts: -1, reconnectTimeWait: o.natsReconnectWaitMs });
  const feed = new RelayFeedImpl(o, rings, nc, await jetstreamManager(nc));
  try {
    await feed.begin(symbols);
  } catch (err) {
    await feed.shutdown();
    throw err;
  }
  return feed;
}
