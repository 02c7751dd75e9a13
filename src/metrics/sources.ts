/**
 * The figures metrics read, typed structurally: anything with a matching
 * `stats()` works (the real SettradeClient, BidOfferAdapter, Dispatcher,
 * FeedHealth, the worker-mode feed), so this module depends on none of them.
 */

/** What `SettradeClient.stats()` reports (the fields metrics use). */
export interface ClientStatsLike {
  readonly state: string;
  readonly connected: boolean;
  readonly messagesReceived: number;
  readonly callbackErrors: number;
  readonly reconnectCount: number;
  readonly reconnectEpoch: number;
  /** Attempts since the last successful connection (0 while connected). */
  readonly reconnectAttempts?: number;
  /** Wall clock (ms) of the last message, 0 if never. */
  readonly lastMessageTs?: number;
}

/** What `BidOfferAdapter.stats()` reports. */
export interface AdapterStatsLike {
  readonly messagesParsed: number;
  readonly parseErrors: number;
  readonly callbackErrors: number;
  /** Subscriptions the service rejected. */
  readonly subscribeErrors?: number;
  /** A count or the list of symbols. */
  readonly subscribedSymbols: number | readonly string[];
}

/** What `Dispatcher.stats()` reports. */
export interface DispatcherStatsLike {
  readonly totalPushed: number;
  readonly totalPolled: number;
  readonly totalDropped: number;
  readonly queueLen: number;
  readonly maxSize: number;
}

/** What `Dispatcher.health()` reports. */
export interface DispatcherHealthLike {
  readonly dropRateEma: number;
  readonly queueUtilization: number;
}

type MaybePromise<T> = T | Promise<T>;

/** Something with a client's stats. */
export interface ClientSource {
  stats(): MaybePromise<ClientStatsLike>;
}

/** Something with an adapter's stats. */
export interface AdapterSource {
  stats(): MaybePromise<AdapterStatsLike>;
}

/** One ring (a Dispatcher); a sharded feed's rings are passed as an array of these (`feed.shards`). */
export interface DispatcherSource {
  stats(): DispatcherStatsLike;
  health?(): DispatcherHealthLike;
}

/** A FeedHealth. */
export interface HealthSource {
  isFeedDead(nowNs?: bigint): boolean;
  staleSymbols(nowNs?: bigint): readonly string[] | Iterable<string>;
  readonly trackedSymbolCount: number | (() => number);
}

/** The feed's own counters (`Feed.stats()`), which survive worker restarts. */
export interface FeedCountersLike {
  /** Subscriptions the service rejected. */
  readonly subscribeErrors?: number;
  /** Times the feed restarted its worker after it died. */
  readonly workerRestarts?: number;
}

/** A feed (`createFeed`): stats fetched from the worker in worker mode (client and adapter figures), plus the feed's own counters. */
export interface FeedSource {
  stats(): MaybePromise<{ readonly client?: ClientStatsLike; readonly adapter?: AdapterStatsLike } & Partial<ClientStatsLike> & FeedCountersLike>;
}
