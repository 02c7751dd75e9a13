/**
 * Hand-off latency over a sliding window: for each consumed event,
 * `now - recvMonoNs` (time from the socket read to the consumer seeing it).
 * Samples go into a fixed-size ring of doubles, so recording allocates
 * nothing; percentiles sort a preallocated scratch copy (a few times a second,
 * not per event).
 */

/** Percentiles of the current window, in microseconds. */
export interface LatencySnapshot {
  /** Samples in the window (at most the window size). */
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

/** Default number of samples kept. */
export const DEFAULT_LATENCY_WINDOW = 8192;

/** A sliding window of latency samples with p50/p99. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private readonly scratch: Float64Array;
  private next = 0;
  private filled = 0;
  private total = 0;

  /** @param size how many recent samples the percentiles cover. */
  constructor(size: number = DEFAULT_LATENCY_WINDOW) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
    this.samples = new Float64Array(size);
    this.scratch = new Float64Array(size);
  }

  /** Records one latency sample in nanoseconds (negative values, from clock skew between threads, count as 0). */
  record(latencyNs: number): void {
    this.samples[this.next] = latencyNs > 0 ? latencyNs : 0;
    this.next = this.next + 1 === this.samples.length ? 0 : this.next + 1;
    if (this.filled < this.samples.length) this.filled++;
    this.total++;
  }

  /** Samples recorded since creation or the last {@link reset}. */
  get count(): number {
    return this.total;
  }

  /** p50, p99 and max of the window; zeros when empty. */
  snapshot(): LatencySnapshot {
    const n = this.filled;
    if (n === 0) return { samples: 0, p50Us: 0, p99Us: 0, maxUs: 0 };
    const sorted = this.scratch.subarray(0, n);
    sorted.set(this.samples.subarray(0, n));
    sorted.sort();
    return {
      samples: n,
      p50Us: sorted[percentileIndex(n, 0.5)] / 1000,
      p99Us: sorted[percentileIndex(n, 0.99)] / 1000,
      maxUs: sorted[n - 1] / 1000,
    };
  }

  /** Empties the window. */
  reset(): void {
    this.next = 0;
    this.filled = 0;
    this.total = 0;
  }
}

/** Nearest-rank percentile index into a sorted array of length n. */
function percentileIndex(n: number, q: number): number {
  return Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
}
