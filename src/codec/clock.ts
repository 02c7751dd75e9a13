import { nativeBinding } from '../native.js';

/**
 * Wall clock in exact integer nanoseconds. `Date.now()` has millisecond
 * resolution, so the wall clock is anchored once at load and advanced by the
 * monotonic clock: values are exact integers, strictly consistent with
 * `process.hrtime.bigint()` deltas, and never go backwards. (Clock slews after
 * load are not followed; for correlation at feed timescales that is fine.)
 */
const wallMinusMonoNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** The wall-clock time (ns since the Unix epoch) of the monotonic instant `monoNs`. */
export function wallClockAt(monoNs: bigint): bigint {
  return wallMinusMonoNs + monoNs;
}

/** Nanoseconds since the Unix epoch (wall clock), as an exact bigint. */
export function wallClockNs(): bigint {
  return wallMinusMonoNs + process.hrtime.bigint();
}

/** Monotonic nanoseconds (`process.hrtime.bigint()`), for latency. */
export function monoNs(): bigint {
  return process.hrtime.bigint();
}

/**
 * Monotonic nanoseconds as a number (exact below 2^53 ns, ~104 days of
 * uptime), on the same clock as `monoNs()`. With the addon it allocates
 * nothing: the addon writes the time into a Float64Array cell, which
 * optimized code reads as a raw double (a bigint, or a number returned by a
 * native call, is a fresh heap object each time). So a latency probe in a hot
 * loop does not itself cause garbage-collection pauses.
 */
export const monoNsNumber: () => number = ((): (() => number) => {
  if (!nativeBinding) return (): number => Number(process.hrtime.bigint());
  const cell = new Float64Array(1);
  const read = nativeBinding.bindMonoClock(cell);
  return (): number => {
    read();
    return cell[0]!;
  };
})();
