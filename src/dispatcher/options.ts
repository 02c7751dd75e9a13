/**
 * Dispatcher options: one zod schema per options object (`new Dispatcher`,
 * `new ShardedDispatcher`, `Dispatcher.attach`, `events()`) gives the type, the defaults
 * and the checks; `parseOptions` turns the first problem into an
 * InvalidOptionError naming the field.
 */
import type { z } from 'zod';
import { slotSize, type EventKind } from '../events/slot-layout.js';
import { lazy, loggerSchema, markValidated, parseOptions, type Zod } from '../util/options-schema.js';
import { InvalidOptionError } from './errors.js';
import { MAX_RING_CAPACITY, RingHeader } from './ring-layout.js';

/** Which implementation drives a side of the ring. */
export type RingBackend = 'native' | 'js';

/**
 * Largest ring, header included: 4 GiB. Node 20 cannot view more than 2^32
 * bytes through one typed array (`buffer.constants.MAX_LENGTH`), and a larger
 * ring would fail later with a bare RangeError; long before that a ring this
 * big is a sizing mistake (docs/operations.md, "Ring sizing against memory").
 */
export const MAX_RING_BYTES = 4 * 1024 ** 3;

/** Bytes a ring of `maxSize` events of `kind` occupies (header included). */
export function ringBytes(kind: EventKind, maxSize: number): number {
  return RingHeader.headerBytes + slotSize(kind) * maxSize;
}

/** Defaults of `DispatcherOptions`. */
export const DISPATCHER_DEFAULTS = {
  kind: 'bestBidAsk',
  maxSize: 100_000,
  overflow: 'drop-oldest',
  dropWarningThreshold: 0.01,
  emaAlpha: 0.01,
  pollBatchSize: 256,
  spinBeforeSleepUs: 50,
  preTouchMemory: true,
} as const;

// maxSize x slot size within MAX_RING_BYTES: the bound depends on the kind, so it is checked on the whole object.
function checkRingBytes(o: { kind: EventKind; maxSize: number }, ctx: z.RefinementCtx): void {
  const bytes = ringBytes(o.kind, o.maxSize);
  if (bytes > MAX_RING_BYTES) {
    const most = Math.floor((MAX_RING_BYTES - RingHeader.headerBytes) / slotSize(o.kind));
    ctx.addIssue({
      code: 'custom',
      path: ['maxSize'],
      message:
        `a ${o.kind} ring of ${o.maxSize} events needs ${bytes} bytes, over the ${MAX_RING_BYTES}-byte (4 GiB) cap ` +
        `(at most ${most} events of ${slotSize(o.kind)} bytes)`,
    });
  }
}

/** The dispatcher's schemas, built on first use (src/util/options-schema.ts). */
const schemas = lazy((z: Zod) => {
  // One message a field, whatever the check that failed (type, NaN, integer, range).
  const intIn = (min: number, max: number): z.ZodNumber => {
    const error = `must be an integer from ${min} to ${max}`;
    return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
  };
  const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `must be ${values.map((v) => `'${v}'`).join(' or ')}` });
  const fractionError = 'must be a number in (0, 1]';
  const fraction = z.number({ error: fractionError }).gt(0, { error: fractionError }).max(1, { error: fractionError });
  const spinUsSchema = intIn(0, 10_000);
  const backendSchema = enumOf(['native', 'js']);

  // The fields of a ring; shared by the Dispatcher and ShardedDispatcher schemas.
  const ringShape = {
    /** Event kind the ring carries (fixes the slot size: 128 or 384 bytes). */
    kind: enumOf(['bestBidAsk', 'fullBidOffer']).default(DISPATCHER_DEFAULTS.kind),
    /** Capacity in events (the seed's `maxsize`), 1 to 2^24, and at most MAX_RING_BYTES of ring. */
    maxSize: intIn(1, MAX_RING_CAPACITY).default(DISPATCHER_DEFAULTS.maxSize),
    /** What a push into a full ring does: evict the oldest (default) or refuse the newest. */
    overflow: enumOf(['drop-oldest', 'reject-newest']).default(DISPATCHER_DEFAULTS.overflow),
    /** Drop-rate EMA above which one warning is logged (an info once it falls below half of it), in (0, 1]. */
    dropWarningThreshold: fraction.default(DISPATCHER_DEFAULTS.dropWarningThreshold),
    /** Smoothing factor of the drop-rate EMA, per push attempt, in (0, 1]. */
    emaAlpha: fraction.default(DISPATCHER_DEFAULTS.emaAlpha),
    /** Events moved out of the ring per native/JS batch (the consumer-local buffer), 1 to 65,536. */
    pollBatchSize: intIn(1, 65_536).default(DISPATCHER_DEFAULTS.pollBatchSize),
    /**
     * Consumer side: how long `waitForEvents`/`events()` keep checking the ring
     * (microseconds, 0 to 10,000) before they go to sleep in Atomics.waitAsync;
     * 0 sleeps at once. A sleep costs a wake-up through the event loop (tens of
     * microseconds) and the producer a notify, so a consumer that keeps up with
     * a busy producer would otherwise sleep and wake thousands of times a
     * second. The spin is bounded, once per wait, and adaptive: a window that
     * passes empty skips the spin for the next 1, 2, 4 ... 64 waits, so an
     * idle or sparse consumer parks at once (no CPU use).
     */
    spinBeforeSleepUs: spinUsSchema.default(DISPATCHER_DEFAULTS.spinBeforeSleepUs),
    /**
     * Fault in every page of a new ring when it is created (default true), so
     * the first lap does not take a page fault every few events on the
     * producer's hot path. The ring's memory (maxSize x 128 or 384 bytes)
     * becomes resident at once; false leaves it to be faulted in as it fills.
     * Only the side that creates the ring (not `attach`) does this.
     */
    preTouchMemory: z.boolean({ error: 'must be a boolean' }).default(DISPATCHER_DEFAULTS.preTouchMemory),
    /** Logger with the pino call shape (debug/info/warn/error); default: the library logger (pino on stderr). */
    logger: loggerSchema().optional(),
    /**
     * Ring implementation of this side: 'native' (the addon) or 'js'.
     * Default: the loaded backend. Either side of one ring may use either.
     */
    backend: backendSchema.optional(),
  };

  /** Schema of `DispatcherOptions`: the source of its type, defaults and checks. */
  const dispatcher = z.object(ringShape).superRefine(checkRingBytes);

  /** Schema of `ShardedDispatcherOptions`: the ring options (every shard) plus `shards`. */
  const sharded = z
    .object({
      ...ringShape,
      /** Number of rings (one per consumer), 1 to 64. */
      shards: intIn(1, 64),
    })
    .superRefine(checkRingBytes);

  /** Schema of `AttachOptions` (what cannot travel in a handle). */
  const attach = z.object({
    /** Logger of this side. */
    logger: loggerSchema().optional(),
    /** Ring implementation of this side (default: the loaded backend). */
    backend: backendSchema.optional(),
    /** Consumer side: spin before sleeping, as DispatcherOptions.spinBeforeSleepUs (default: the handle's). */
    spinBeforeSleepUs: spinUsSchema.optional(),
  });

  /** A timeout in ms for a wait: a number >= 0, or Infinity (none). Not NaN: a NaN deadline never passes. */
  const waitTimeoutMs = z.custom<number>((v) => typeof v === 'number' && v >= 0, {
    message: 'must be a number of milliseconds >= 0 (Infinity: no timeout)',
  });

  /** Schema of `EventsOptions` (`dispatcher.events(options)`). */
  const events = z.object({
    /** End the iteration when no event arrives for this long (ms). Default: never. */
    timeoutMs: waitTimeoutMs.optional(),
    /** End the iteration when aborted. */
    signal: z.instanceof(AbortSignal).optional(),
  });
  return { dispatcher, sharded, attach, events, waitTimeoutMs };
});

/** Schema of `DispatcherOptions`: the source of its type, defaults and checks. */
export const dispatcherOptionsSchema = (): Schemas['dispatcher'] => schemas().dispatcher;
/** Schema of `ShardedDispatcherOptions`: the ring options (every shard) plus `shards`. */
export const shardedDispatcherOptionsSchema = (): Schemas['sharded'] => schemas().sharded;
/** Schema of `AttachOptions` (what cannot travel in a handle). */
export const attachOptionsSchema = (): Schemas['attach'] => schemas().attach;
/** A timeout in ms for a wait: a number >= 0, or Infinity (none). */
export const waitTimeoutMsSchema = (): Schemas['waitTimeoutMs'] => schemas().waitTimeoutMs;
/** Schema of `EventsOptions` (`dispatcher.events(options)`). */
export const eventsOptionsSchema = (): Schemas['events'] => schemas().events;
type Schemas = ReturnType<typeof schemas>;

/** Options of `events()`. */
export type EventsOptions = z.input<Schemas['events']>;

/**
 * Options of `new Dispatcher(...)`; every field is optional (DISPATCHER_DEFAULTS).
 * `K` narrows `kind` for callers that fix it.
 */
export type DispatcherOptions<K extends EventKind = EventKind> = Omit<z.input<Schemas['dispatcher']>, 'kind'> & {
  kind?: K;
};

/** Options of `new ShardedDispatcher(...)`: the ring options (applied to every shard) plus the shard count. */
export type ShardedDispatcherOptions<K extends EventKind = EventKind> = Omit<z.input<Schemas['sharded']>, 'kind'> & {
  kind?: K;
};

/** Options of `Dispatcher.attach`. */
export type AttachOptions = z.input<Schemas['attach']>;

type ParsedDispatcherOptions = z.output<Schemas['dispatcher']>;

/** Options after validation, defaults filled in (what a handle carries: no logger, no backend). `K`: the ring's kind. */
export type ResolvedDispatcherOptions<K extends EventKind = EventKind> = Readonly<Omit<ParsedDispatcherOptions, 'logger' | 'backend' | 'kind'>> & {
  readonly kind: K;
};

const invalidOption = (field: string, message: string): InvalidOptionError => new InvalidOptionError(field, message);

/** Validates `options` (throws InvalidOptionError naming the option) and fills defaults. */
export function parseDispatcherOptions(options: unknown): ParsedDispatcherOptions {
  return parseOptions(dispatcherOptionsSchema, options, invalidOption);
}

/** Validates ShardedDispatcher options (throws InvalidOptionError naming the option) and fills defaults. */
export function parseShardedDispatcherOptions(options: unknown): z.output<Schemas['sharded']> {
  return parseOptions(shardedDispatcherOptionsSchema, options, invalidOption);
}

/** Validates `events()` options (throws InvalidOptionError naming the option). */
export function parseEventsOptions(options: unknown): z.output<Schemas['events']> {
  return parseOptions(eventsOptionsSchema, options, invalidOption);
}

/** Validates `Dispatcher.attach` options (throws InvalidOptionError naming the option). */
export function parseAttachOptions(options: unknown): z.output<Schemas['attach']> {
  return parseOptions(attachOptionsSchema, options, invalidOption);
}

/**
 * Attach options the library builds from values it already checked (a feed
 * worker's logger), marked so that `attach` takes them as they are and zod is
 * not loaded in that thread.
 */
export function prevalidatedAttachOptions(options: z.output<Schemas['attach']>): AttachOptions {
  return markValidated({ ...options });
}

/** The ring fields of validated options (logger and backend dropped). */
export function resolveDispatcherOptions(options: unknown): ResolvedDispatcherOptions {
  const { logger: _logger, backend: _backend, ...ring } = parseDispatcherOptions(options);
  return ring;
}
