/**
 * Generic benchmark statistics and output: nearest-rank percentiles, median,
 * coefficient of variation, repeated timed runs, JSON results. No dependencies.
 */
import { writeFileSync } from 'node:fs';

/** The q-quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function percentile(values: ArrayLike<number>, q: number): number {
  const a = Float64Array.from(values).sort();
  if (a.length === 0) return Number.NaN;
  const i = Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1));
  return a[i]!;
}

/** Median of `values`. */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 0.5);
}

/** Arithmetic mean; NaN when empty. */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length ? s / values.length : Number.NaN;
}

/** Coefficient of variation (sample stddev / mean); 0 for fewer than two values. */
export function cv(values: ArrayLike<number>): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / (values.length - 1)) / m;
}

/** Summary of repeated runs of one measurement. */
export interface Summary {
  median: number;
  min: number;
  p95: number;
  cv: number;
  runs: number[];
  /** CV above the threshold (default 15%): the number is not to be trusted. */
  unstable: boolean;
}

/** Median, min, p95 and CV of `runs`; `unstable` when CV exceeds `cvThreshold`. */
export function summarize(runs: readonly number[], cvThreshold = 0.15): Summary {
  const c = cv(runs);
  return {
    median: round(median(runs)),
    min: round(Math.min(...runs)),
    p95: round(percentile(runs, 0.95)),
    cv: Number(c.toFixed(4)),
    runs: runs.map(round),
    unstable: c > cvThreshold,
  };
}

/** Rounds to 0.1 (ns figures). */
export function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Runs `body(iterations)` `warmup` times untimed, then `repeats` times timed,
 * returning ns per operation of each timed run (`opsPerCall` operations a call).
 */
export function timeRuns(body: (iterations: number) => void, iterations: number, repeats: number, opsPerCall = iterations, warmup = 2): number[] {
  for (let w = 0; w < warmup; w++) body(iterations);
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    body(iterations);
    out.push(Number(process.hrtime.bigint() - t0) / opsPerCall);
  }
  return out;
}

/** Value of `--name <value>` (or `--name=value`) on the command line. */
export function argValue(name: string, argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

/** Writes `result` as pretty JSON to `path`, with run metadata. */
export function writeJson(path: string, result: unknown): void {
  const doc = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    result,
  };
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
}
