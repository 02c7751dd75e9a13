/**
 * Options of `replayFeed`: one zod schema (the type, the defaults, the
 * checks); a bad or unknown key throws SettradeConfigError naming it.
 */
import type { z } from 'zod';
import { MAX_RING_CAPACITY } from '../dispatcher/ring-layout.js';
import { SettradeConfigError } from '../transport/errors.js';
import { lazy, loggerSchema, parseOptions, type Zod } from '../util/options-schema.js';

/** Defaults of {@link ReplayFeedOptions}. */
export const REPLAY_DEFAULTS = {
  speed: 'max',
  maxSize: 100_000,
  overflow: 'drop-oldest',
  shards: 1,
} as const;

/** A point in recorded wall time: a Date, an ISO-8601 string, or ns since the Unix epoch as a bigint. */
export type ReplayTime = Date | string | bigint;

const timeSchema = (z: Zod) =>
  z
  .union([z.date(), z.string(), z.bigint()], { error: 'must be a Date, an ISO-8601 string or a bigint of ns since the Unix epoch' })
  .transform((v, ctx): bigint => {
    if (typeof v === 'bigint') {
      if (v >= 0n) return v;
      ctx.addIssue({ code: 'custom', message: 'must be ns since the Unix epoch, >= 0' });
      return z.NEVER;
    }
    const ms = typeof v === 'string' ? Date.parse(v) : v.getTime();
    if (Number.isFinite(ms)) return BigInt(ms) * 1_000_000n;
    ctx.addIssue({ code: 'custom', message: typeof v === 'string' ? 'is not a date (use ISO-8601, e.g. 2026-12-01T09:30:00+07:00)' : 'is an invalid Date' });
    return z.NEVER;
  });

/** Schema of the replay's options. */
export const replayOptionsSchema = lazy((z) =>
  z.object({
  /** Recording files, replayed in this order (a rotation: oldest first). */
  files: z.array(z.string().min(1)).min(1, { error: 'must name at least one file' }).readonly(),
  /** 'max' (default): as fast as the consumer takes events, lossless; N > 0: N times real time (1: the recorded pace). */
  speed: z.union([z.literal('max'), z.number().positive().finite()], { error: "must be 'max' or a number > 0" }).default(REPLAY_DEFAULTS.speed),
  /** Only these symbols (default: every symbol in the files). */
  symbols: z.array(z.string()).readonly().optional(),
  /** true: `FullBidOffer` events; false: `BestBidAsk` (the payloads are the same either way). */
  fullDepth: z.boolean(),
  /** Only records received at or after this wall time. */
  from: timeSchema(z).optional(),
  /** Only records received at or before this wall time. */
  to: timeSchema(z).optional(),
  /** Number of rings (1 to 64), as createFeed's `shards`. */
  shards: z.number().int().min(1).max(64).default(REPLAY_DEFAULTS.shards),
  /** Capacity of each ring (1 to 2^24). The replay waits for room, so a small ring loses nothing. */
  maxSize: z.number().int().min(1).max(MAX_RING_CAPACITY).default(REPLAY_DEFAULTS.maxSize),
  /** Ring overflow policy (never reached by the replay itself: it waits for room). */
  overflow: z.enum(['drop-oldest', 'reject-newest']).default(REPLAY_DEFAULTS.overflow),
  /** Fault in every ring page at creation (DispatcherOptions.preTouchMemory). */
  preTouchMemory: z.boolean().optional(),
  /** pino-shaped logger (warnings about damaged files). Default: the library logger. */
  logger: loggerSchema().optional(),
}),
);

/** Options of `replayFeed`; a literal `fullDepth` types the feed's events. */
export type ReplayFeedOptions<F extends boolean = boolean> = Omit<z.input<ReturnType<typeof replayOptionsSchema>>, 'fullDepth' | 'from' | 'to'> & {
  /** true: `FullBidOffer` events; false: `BestBidAsk`. */
  readonly fullDepth: F;
  /** Only records received at or after this wall time (a Date, an ISO-8601 string, or ns since the Unix epoch). */
  readonly from?: ReplayTime;
  /** Only records received at or before this wall time. */
  readonly to?: ReplayTime;
};

/** Options after validation (times as ns bigints). */
export type ResolvedReplayOptions = z.output<ReturnType<typeof replayOptionsSchema>>;

/** Validates `options`; throws SettradeConfigError naming the first bad or unknown key. */
export function parseReplayOptions(options: unknown): ResolvedReplayOptions {
  const o = parseOptions(replayOptionsSchema, options, (field, message) => new SettradeConfigError(field, message));
  if (o.from !== undefined && o.to !== undefined && o.from > o.to) throw new SettradeConfigError('to', 'is before from');
  return o;
}
