/**
 * FeedHealth: consumer-side liveness of the feed as a whole and per symbol,
 * on the monotonic clock only (never the wall clock: it jumps). Single
 * threaded: call it from the thread that consumes events. Every query takes
 * an optional `nowNs` (monotonic ns, e.g. an event's `recvMonoNs`) so tests
 * and replays are deterministic; without it the clock is
 * `process.hrtime.bigint()`.
 */
import type { z } from 'zod';
import { InvalidSymbolError, normalizeSymbol } from '../protocol/symbol.js';
import { InvalidOptionError } from '../dispatcher/errors.js';
import { describeValue, lazy, parseOptions } from '../util/options-schema.js';

/** Defaults of `FeedHealthOptions`. */
export const FEED_HEALTH_DEFAULTS = {
  globalTimeoutSec: 5,
  symbolTimeoutSec: 10,
} as const;

/** Schema of `FeedHealthOptions`: the source of its type, defaults and checks (built on first use). */
export const feedHealthOptionsSchema = lazy((z) => {
  // Seconds: finite and > 0 (zod's number() already refuses NaN and Infinity).
  const secondsError = 'must be a finite number of seconds > 0';
  const secondsSchema = z.number({ error: secondsError }).positive({ error: secondsError });

  // An override key must be a symbol as the feed delivers it (valid and upper
  // case), or the override could never apply.
  const overridesSchema = z.record(z.string(), secondsSchema, { error: 'must be an object of symbol -> seconds' }).superRefine((overrides, ctx) => {
    for (const key of Object.keys(overrides)) {
      let message: string | undefined;
      try {
        const symbol = normalizeSymbol(key);
        if (symbol !== key) message = `key '${key}' is not upper case: events carry '${symbol}'`;
      } catch (err) {
        if (!(err instanceof InvalidSymbolError)) throw err;
        message = `key ${err.message}`;
      }
      if (message !== undefined) ctx.addIssue({ code: 'custom', message });
    }
  });

  return z.object({
    /** The whole feed is dead when nothing arrived for this long (s, finite, > 0). The seed's `global_timeout_sec`. */
    globalTimeoutSec: secondsSchema.default(FEED_HEALTH_DEFAULTS.globalTimeoutSec),
    /** A symbol is stale when it got nothing for this long (s, finite, > 0). The seed's `symbol_timeout_sec`. */
    symbolTimeoutSec: secondsSchema.default(FEED_HEALTH_DEFAULTS.symbolTimeoutSec),
    /** Per-symbol overrides of `symbolTimeoutSec` (s), e.g. `{ RARE: 60 }` for illiquid names; keys are upper-case symbols. */
    perSymbolTimeoutSec: overridesSchema.default({}),
  });
});

/** Options of `new FeedHealth(...)`. */
export type FeedHealthOptions = z.input<ReturnType<typeof feedHealthOptionsSchema>>;

/** A monotonic timestamp in ns: a bigint (hrtime) or a number, >= 0. */
export type MonoNs = bigint | number;

function checkSymbol(symbol: unknown): void {
  if (typeof symbol !== 'string' || symbol.length === 0) {
    throw new InvalidOptionError('symbol', `must be a non-empty string, got ${describeValue(symbol)}`);
  }
}

// ns as a number: exact below 2^53 ns (104 days of uptime), and beyond that the
// error is a few ns, irrelevant to timeouts measured in seconds.
function toNs(nowNs: MonoNs | undefined): number {
  if (nowNs === undefined) return Number(process.hrtime.bigint());
  if (typeof nowNs === 'bigint') {
    if (nowNs >= 0n) return Number(nowNs);
  } else if (typeof nowNs === 'number' && nowNs >= 0 && nowNs - nowNs === 0) {
    return nowNs;
  }
  throw new InvalidOptionError('nowNs', `must be monotonic ns: a bigint or a finite number, >= 0, got ${describeValue(nowNs)}`);
}

export class FeedHealth {
  /** Global timeout (s). */
  readonly globalTimeoutSec: number;
  /** Default per-symbol timeout (s). */
  readonly symbolTimeoutSec: number;
  private readonly overridesNs = new Map<string, number>();
  private readonly globalNs: number;
  private readonly symbolNs: number;
  private readonly lastSeen = new Map<string, number>();
  private lastAny: number | undefined;

  /** @param options see FeedHealthOptions (defaults: FEED_HEALTH_DEFAULTS). Throws InvalidOptionError naming the option. */
  constructor(options: FeedHealthOptions = {}) {
    const o = parseOptions(feedHealthOptionsSchema, options, (field, message) => new InvalidOptionError(field, message));
    this.globalTimeoutSec = o.globalTimeoutSec;
    this.symbolTimeoutSec = o.symbolTimeoutSec;
    this.globalNs = this.globalTimeoutSec * 1e9;
    this.symbolNs = this.symbolTimeoutSec * 1e9;
    for (const [symbol, sec] of Object.entries(o.perSymbolTimeoutSec)) this.overridesNs.set(symbol, sec * 1e9);
  }

  /**
   * Records that an event of `symbol` arrived (at `nowNs`, default now).
   * Throws InvalidOptionError naming the argument for an empty or non-string
   * symbol or a negative, non-finite or non-numeric `nowNs`.
   */
  onEvent(symbol: string, nowNs?: MonoNs): void {
    checkSymbol(symbol);
    const now = toNs(nowNs);
    this.lastSeen.set(symbol, now);
    this.lastAny = now;
  }

  /** True when events arrived before but none for more than `globalTimeoutSec`. False before the first event. */
  isFeedDead(nowNs?: MonoNs): boolean {
    const now = toNs(nowNs);
    if (this.lastAny === undefined) return false;
    return now - this.lastAny > this.globalNs;
  }

  /** True once any event arrived (since construction or `reset()`). */
  hasEverReceived(): boolean {
    return this.lastAny !== undefined;
  }

  /** True when `symbol` was seen but not for more than its timeout. False for never-seen symbols. */
  isStale(symbol: string, nowNs?: MonoNs): boolean {
    checkSymbol(symbol);
    const now = toNs(nowNs);
    const last = this.lastSeen.get(symbol);
    if (last === undefined) return false;
    return now - last > this.timeoutNs(symbol);
  }

  /** True when an event of `symbol` arrived (and it was not purged since). */
  hasSeen(symbol: string): boolean {
    checkSymbol(symbol);
    return this.lastSeen.has(symbol);
  }

  /** How many symbols are tracked (seen and not purged). */
  get trackedSymbolCount(): number {
    return this.lastSeen.size;
  }

  /** The tracked symbols that are stale now, in first-seen order. */
  staleSymbols(nowNs?: MonoNs): string[] {
    const now = toNs(nowNs);
    const out: string[] = [];
    for (const [symbol, last] of this.lastSeen) if (now - last > this.timeoutNs(symbol)) out.push(symbol);
    return out;
  }

  /** Milliseconds since `symbol`'s last event, or undefined when never seen. */
  lastSeenGapMs(symbol: string, nowNs?: MonoNs): number | undefined {
    checkSymbol(symbol);
    const now = toNs(nowNs);
    const last = this.lastSeen.get(symbol);
    if (last === undefined) return undefined;
    return (now - last) / 1e6;
  }

  /** The timeout that applies to `symbol` (s): its override or `symbolTimeoutSec`. */
  timeoutSecFor(symbol: string): number {
    checkSymbol(symbol);
    return this.timeoutNs(symbol) / 1e9;
  }

  /** Forgets `symbol` (e.g. after unsubscribing). Returns whether it was tracked. */
  purge(symbol: string): boolean {
    checkSymbol(symbol);
    return this.lastSeen.delete(symbol);
  }

  /** Forgets everything: back to the startup state (overrides kept). */
  reset(): void {
    this.lastSeen.clear();
    this.lastAny = undefined;
  }

  private timeoutNs(symbol: string): number {
    return this.overridesNs.get(symbol) ?? this.symbolNs;
  }
}
