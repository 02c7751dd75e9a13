/**
 * Options of `createFeed`: one zod schema for the feed's own keys (the type,
 * the defaults and the checks), extended with the SettradeClient's schema.
 */
import type { z } from 'zod';
import { MAX_RING_CAPACITY } from '../dispatcher/ring-layout.js';
import { SettradeConfigError } from '../transport/errors.js';
import { settradeClientOptionsSchema, type SettradeClientOptions } from '../transport/options.js';
import { lazy, msSchema, parseOptions } from '../util/options-schema.js';
import { recordOptionsSchema } from '../record/options.js';

/** Defaults of {@link FeedOptions}. */
export const FEED_DEFAULTS = {
  maxSize: 100_000,
  overflow: 'drop-oldest',
  worker: true,
  shards: 1,
  maxWorkerRestarts: 5,
  workerRestartWindowMs: 60_000,
} as const;

/** The feed's own options (the schema, built on first use). */
export const feedOwnOptionsSchema = lazy((z) =>
  z.object({
    /** Symbols subscribed from the start. */
    symbols: z.array(z.string()).readonly().default([]),
    /** true: `FullBidOffer` events; false: `BestBidAsk`. */
    fullDepth: z.boolean(),
    /** Dispatcher capacity in events (of each ring when sharded), 1 to 2^24. */
    maxSize: z.number().int().min(1).max(MAX_RING_CAPACITY).default(FEED_DEFAULTS.maxSize),
    /**
     * Number of rings, one per consumer thread (1 to 64, default 1). Events
     * are routed by symbol (`shardOf`), so each symbol stays on one ring, in
     * order. Consume `feed.shards[i]` in thread i (`Dispatcher.attach(feed.shards[i].handle)`).
     */
    shards: z.number().int().min(1).max(64).default(FEED_DEFAULTS.shards),
    /** Dispatcher overflow policy. */
    overflow: z.enum(['drop-oldest', 'reject-newest']).default(FEED_DEFAULTS.overflow),
    /** Fault in every ring page at creation (DispatcherOptions.preTouchMemory, default true). */
    preTouchMemory: z.boolean().optional(),
    /** Run client + adapter in a worker thread (default true). */
    worker: z.boolean().default(FEED_DEFAULTS.worker),
    /**
     * Worker mode: how many times the worker is restarted after it dies within
     * `workerRestartWindowMs` before the feed gives up (`error` ERR_WORKER_EXITED,
     * state SHUTDOWN, consumers end). 0: never restart. Default 5.
     */
    maxWorkerRestarts: z.number().int().min(0).max(1000).default(FEED_DEFAULTS.maxWorkerRestarts),
    /** Worker mode: the sliding window (ms) `maxWorkerRestarts` counts restarts in. Default 60,000. */
    workerRestartWindowMs: msSchema().min(1).default(FEED_DEFAULTS.workerRestartWindowMs),
    /**
     * Worker mode: the worker's V8 heap limits (Node's `resourceLimits`).
     * Default: Node's. For a small feed a small young generation
     * (`{ maxYoungGenerationSizeMb: 2 }`) made no difference to the
     * process's RSS beyond run-to-run noise (bench/memory.ts,
     * docs/performance.md): the worker allocates little once connected.
     * A limit caps the worker's heap; reaching it kills the worker (the
     * feed then restarts it).
     */
    workerResourceLimits: z
      .strictObject({
        maxYoungGenerationSizeMb: z.number().positive().max(4096).optional(),
        maxOldGenerationSizeMb: z.number().positive().max(65_536).optional(),
        codeRangeSizeMb: z.number().positive().max(4096).optional(),
        stackSizeMb: z.number().positive().max(1024).optional(),
      })
      .optional(),
    /**
     * Record every received message, and the feed's connect / reconnect /
     * subscribe events, to a file (docs/recording-format.md), written from
     * where messages are received (the worker in worker mode) off the live
     * path. `{ path, fsync?, rotate?, flushIntervalMs?, maxPendingBytes? }`.
     * A write failure is an `error` event (ERR_RECORDING_WRITE); the feed goes on.
     */
    record: recordOptionsSchema().optional(),
  }),
);

// The client's own schema checks its keys here too, so one pass names any bad or unknown key.
const feedOptionsSchema = lazy(() => feedOwnOptionsSchema().extend(settradeClientOptionsSchema().shape));

/**
 * Options of `createFeed`: the client's options plus the feed's (see
 * {@link feedOwnOptionsSchema}). A literal `fullDepth` types the feed's events.
 */
export type FeedOptions<F extends boolean = boolean> = Omit<z.input<ReturnType<typeof feedOwnOptionsSchema>>, 'fullDepth'> & {
  /** true: `FullBidOffer` events; false: `BestBidAsk`. */
  readonly fullDepth: F;
} & SettradeClientOptions;

/** The feed's own options after validation, defaults filled in. */
export type ResolvedFeedOptions = z.output<ReturnType<typeof feedOwnOptionsSchema>>;

/**
 * Validates `options` (a bad or unknown key throws SettradeConfigError naming
 * it) and splits them into the feed's own, resolved, and the client's, as given.
 */
export function resolveFeedOptions(options: FeedOptions): { feed: ResolvedFeedOptions; client: SettradeClientOptions } {
  const parsed = parseOptions(feedOptionsSchema, options, (field, message) => new SettradeConfigError(field, message));
  // Valid by now; this strips the client's keys (z.object drops unknown keys).
  const feed = feedOwnOptionsSchema().parse(parsed);
  const {
    symbols: _s,
    fullDepth: _f,
    maxSize: _m,
    shards: _n,
    overflow: _o,
    preTouchMemory: _p,
    worker: _w,
    maxWorkerRestarts: _r,
    workerRestartWindowMs: _rw,
    workerResourceLimits: _rl,
    record: _rec,
    ...client
  } = options;
  return { feed, client };
}
