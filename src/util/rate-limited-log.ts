/**
 * Per-kind rate-limited logging: the first `firstN` occurrences of each kind
 * are logged in full, then only every `every`-th (with the running count), so
 * a stream of bad messages cannot flood the log or slow the feed.
 */
import type { Logger } from './logger.js';

export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #firstN: number;
  readonly #every: number;
  readonly #counts = new Map<string, number>();

  constructor(logger: Logger, firstN = 10, every = 1000) {
    this.#logger = logger;
    this.#firstN = firstN;
    this.#every = every;
  }

  /** Counts one occurrence of `kind`; logs it at error level when the policy says so. Returns whether it logged. */
  error(kind: string, fields: () => object, msg: string): boolean {
    const n = (this.#counts.get(kind) ?? 0) + 1;
    this.#counts.set(kind, n);
    if (n > this.#firstN && n % this.#every !== 0) return false;
    // Fields are built lazily: suppressed occurrences cost a map update only.
    this.#logger.error({ kind, count: n, ...fields() }, n > this.#firstN ? `${msg} (occurrence ${n})` : msg);
    return true;
  }

  /** Occurrences of `kind` so far. */
  count(kind: string): number {
    return this.#counts.get(kind) ?? 0;
  }
}
