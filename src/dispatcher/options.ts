/** Dispatcher options: the interface, its defaults and validation. */
import type { EventKind } from '../events/slot-layout.js';
import type { Logger } from '../util/logger.js';
import { InvalidOptionError } from './errors.js';
import { MAX_RING_CAPACITY, type OverflowPolicy } from './ring-layout.js';

/** Which implementation drives a side of the ring. */
export type RingBackend = 'native' | 'js';

/** Options of `new Dispatcher(...)`. */
export interface DispatcherOptions<K extends EventKind = EventKind> {
  /** Event kind the ring carries (fixes the slot size: 128 or 384 bytes). A literal types the events (`Dispatcher<K>`). */
  kind?: K;
  /** Capacity in events (the seed's `maxsize`), 1 to 2^24. */
  maxSize?: number;
  /** What a push into a full ring does: evict the oldest (default) or refuse the newest. */
  overflow?: OverflowPolicy;
  /** Drop-rate EMA above which one warning is logged (an info once it falls below half of it). */
  dropWarningThreshold?: number;
  /** Smoothing factor of the drop-rate EMA, per push attempt, in (0, 1]. */
  emaAlpha?: number;
  /** Events moved out of the ring per native/JS batch (the consumer-local buffer). */
  pollBatchSize?: number;
  /**
   * Consumer side: how long `waitForEvents`/`events()` keep checking the ring
   * (microseconds) before they go to sleep in Atomics.waitAsync; 0 sleeps at
   * once. A sleep costs a wake-up through the event loop (tens of
   * microseconds) and the producer a notify, so a consumer that keeps up with
   * a busy producer would otherwise sleep and wake thousands of times a
   * second. The spin is bounded, once per wait, and adaptive: a window that
   * passes empty skips the spin for the next 1, 2, 4 ... 64 waits, so an
   * idle or sparse consumer parks at once (no CPU use).
   */
  spinBeforeSleepUs?: number;
  /**
   * Fault in every page of a new ring when it is created (default true), so
   * the first lap does not take a page fault every few events on the
   * producer's hot path. The ring's memory (maxSize x 128 or 384 bytes)
   * becomes resident at once; false leaves it to be faulted in as it fills.
   * Only the side that creates the ring (not `attach`) does this.
   */
  preTouchMemory?: boolean;
  /** Logger with the pino call shape; default: the library logger (pino on stderr). */
  logger?: Logger;
  /**
   * Ring implementation of this side: 'native' (the addon) or 'js'.
   * Default: the loaded backend. Either side of one ring may use either.
   */
  backend?: RingBackend;
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
} as const satisfies Partial<DispatcherOptions>;

/** Options after validation, defaults filled in. */
export interface ResolvedDispatcherOptions<K extends EventKind = EventKind> {
  readonly kind: K;
  readonly maxSize: number;
  readonly overflow: OverflowPolicy;
  readonly dropWarningThreshold: number;
  readonly emaAlpha: number;
  readonly pollBatchSize: number;
  readonly spinBeforeSleepUs: number;
  readonly preTouchMemory: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

// `undefined` takes the default; anything else (null included) is validated.
function def<T>(v: unknown, d: T): unknown {
  return v === undefined ? d : v;
}

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidOptionError(name, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

/** Validates `options` (throws InvalidOptionError naming the option) and fills defaults. */
export function resolveDispatcherOptions(options: unknown): ResolvedDispatcherOptions {
  if (options !== undefined && !isObject(options)) throw new InvalidOptionError('options', 'must be an object');
  const o = options ?? {};
  const kind = def(o.kind, DISPATCHER_DEFAULTS.kind);
  if (kind !== 'bestBidAsk' && kind !== 'fullBidOffer') {
    throw new InvalidOptionError('kind', `must be 'bestBidAsk' or 'fullBidOffer', got ${String(kind)}`);
  }
  const maxSize = checkInt('maxSize', def(o.maxSize, DISPATCHER_DEFAULTS.maxSize), 1, MAX_RING_CAPACITY);
  const overflow = def(o.overflow, DISPATCHER_DEFAULTS.overflow);
  if (overflow !== 'drop-oldest' && overflow !== 'reject-newest') {
    throw new InvalidOptionError('overflow', `must be 'drop-oldest' or 'reject-newest', got ${String(overflow)}`);
  }
  const threshold = def(o.dropWarningThreshold, DISPATCHER_DEFAULTS.dropWarningThreshold);
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new InvalidOptionError('dropWarningThreshold', `must be a number in (0, 1], got ${String(threshold)}`);
  }
  const emaAlpha = def(o.emaAlpha, DISPATCHER_DEFAULTS.emaAlpha);
  if (typeof emaAlpha !== 'number' || !(emaAlpha > 0 && emaAlpha <= 1)) {
    throw new InvalidOptionError('emaAlpha', `must be a number in (0, 1], got ${String(emaAlpha)}`);
  }
  const pollBatchSize = checkInt('pollBatchSize', def(o.pollBatchSize, DISPATCHER_DEFAULTS.pollBatchSize), 1, 65_536);
  const spinBeforeSleepUs = checkInt('spinBeforeSleepUs', def(o.spinBeforeSleepUs, DISPATCHER_DEFAULTS.spinBeforeSleepUs), 0, 10_000);
  const preTouchMemory = def(o.preTouchMemory, DISPATCHER_DEFAULTS.preTouchMemory);
  if (typeof preTouchMemory !== 'boolean') {
    throw new InvalidOptionError('preTouchMemory', `must be a boolean, got ${String(preTouchMemory)}`);
  }
  if (o.logger !== undefined && (!isObject(o.logger) || typeof o.logger.warn !== 'function' || typeof o.logger.info !== 'function')) {
    throw new InvalidOptionError('logger', 'must have warn(obj, msg) and info(obj, msg) methods');
  }
  if (o.backend !== undefined && o.backend !== 'native' && o.backend !== 'js') {
    throw new InvalidOptionError('backend', `must be 'native' or 'js', got ${String(o.backend)}`);
  }
  return { kind, maxSize, overflow, dropWarningThreshold: threshold, emaAlpha, pollBatchSize, spinBeforeSleepUs, preTouchMemory };
}
