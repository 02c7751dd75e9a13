/** Small statistics helpers for the dispatcher benchmark: percentiles, median, coefficient of variation. */

/** The q-quantile (0..1) of `values` (sorted copy, nearest-rank). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const a = Float64Array.from(values).sort();
  if (a.length === 0) return Number.NaN;
  const i = Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1));
  return a[i]!;
}

/** Median of `values`. */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** Coefficient of variation (stddev / mean) of `values`; 0 for fewer than two. */
export function cv(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / mean;
}

/** Median and CV of repeated runs, plus an `unstable` flag when CV > 15%. */
export function summarize(runs: readonly number[]): { median: number; cv: number; runs: number[]; unstable: boolean } {
  const c = cv(runs);
  return { median: median(runs), cv: Number(c.toFixed(4)), runs: runs.map((r) => Number(r.toFixed(1))), unstable: c > 0.15 };
}
