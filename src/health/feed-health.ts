/**
 * FeedHealth: consumer-side liveness of the feed as a whole and per symbol,
 * on the monotonic clock only (never the wall clock: it jumps). Single
 * threaded: call it from the thread that consumes events. Every query takes
 * an optional `nowNs` (monotonic ns, e.g. an event's `recvMonoNs`) so tests
 * and replays are deterministic; without it the clock is
 * `process.hrtime.bigint()`.
 */
import { InvalidOptionError } from '../dispatcher/errors.js';

/** Options of `new FeedHealth(...)`. */
export interface FeedHealthOptions {
  /** The whole feed is dead when nothing arrived for this long (s). The seed's `global_timeout_sec`. */
  globalTimeoutSec?: number;
  /** A symbol is stale when it got nothing for this long (s). The seed's `symbol_timeout_sec`. */
  symbolTimeoutSec?: number;
  /** Per-symbol overrides of `symbolTimeoutSec` (s), e.g. `{ RARE: 60 }` for illiquid names. */
  perSymbolTimeoutSec?: Readonly<Record<string, number>>;
}

/** Defaults of `FeedHealthOptions`. */
export const FEED_HEALTH_DEFAULTS = {
  globalTimeoutSec: 5,
  symbolTimeoutSec: 10,
} as const;

/** A monotonic timestamp in ns: a bigint (hrtime) or a number. */
export type MonoNs = bigint | number;

function checkTimeout(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidOptionError(name, `must be a finite number of seconds > 0, got ${String(v)}`);
  }
  return v;
}

// ns as a number: exact below 2^53 ns (104 days of uptime), and beyond that the
// error is a few ns, irrelevant to timeouts measured in seconds.
function toNs(nowNs: MonoNs | undefined): number {
  if (nowNs === undefined) return Number(process.hrtime.bigint());
  if (typeof nowNs === 'bigint') return Number(nowNs);
  if (!Number.isFinite(nowNs)) throw new InvalidOptionError('nowNs', `must be a finite number or a bigint, got ${nowNs}`);
  return nowNs;
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
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'must be an object');
    this.globalTimeoutSec = checkTimeout('globalTimeoutSec', options.globalTimeoutSec === undefined ? FEED_HEALTH_DEFAULTS.globalTimeoutSec : options.globalTimeoutSec);
    this.symbolTimeoutSec = checkTimeout('symbolTimeoutSec', options.symbolTimeoutSec === undefined ? FEED_HEALTH_DEFAULTS.symbolTimeoutSec : options.symbolTimeoutSec);
    this.globalNs = this.globalTimeoutSec * 1e9;
    this.symbolNs = this.symbolTimeoutSec * 1e9;
    const overrides = options.perSymbolTimeoutSec === undefined ? {} : options.perSymbolTimeoutSec;
    if (typeof overrides !== 'object' || overrides === null) {
      throw new InvalidOptionError('perSymbolTimeoutSec', 'must be an object of symbol -> seconds');
    }
    for (const [symbol, sec] of Object.entries(overrides)) {
      if (symbol.length === 0) throw new InvalidOptionError('perSymbolTimeoutSec', 'symbol names must not be empty');
      this.overridesNs.set(symbol, checkTimeout(`perSymbolTimeoutSec.${symbol}`, sec) * 1e9);
    }
  }

  /** Records that an event of `symbol` arrived (at `nowNs`, default now). */
  onEvent(symbol: string, nowNs?: MonoNs): void {
    const now = toNs(nowNs);
    this.lastSeen.set(symbol, now);
    this.lastAny = now;
  }

  /** True when events arrived before but none for more than `globalTimeoutSec`. False before the first event. */
  isFeedDead(nowNs?: MonoNs): boolean {
    if (this.lastAny === undefined) return false;
    return toNs(nowNs) - this.lastAny > this.globalNs;
  }

  /** True once any event arrived (since construction or `reset()`). */
  hasEverReceived(): boolean {
    return this.lastAny !== undefined;
  }

  /** True when `symbol` was seen but not for more than its timeout. False for never-seen symbols. */
  isStale(symbol: string, nowNs?: MonoNs): boolean {
    const last = this.lastSeen.get(symbol);
    if (last === undefined) return false;
    return toNs(nowNs) - last > this.timeoutNs(symbol);
  }

  /** True when an event of `symbol` arrived (and it was not purged since). */
  hasSeen(symbol: string): boolean {
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
    const last = this.lastSeen.get(symbol);
    if (last === undefined) return undefined;
    return (toNs(nowNs) - last) / 1e6;
  }

  /** The timeout that applies to `symbol` (s): its override or `symbolTimeoutSec`. */
  timeoutSecFor(symbol: string): number {
    return this.timeoutNs(symbol) / 1e9;
  }

  /** Forgets `symbol` (e.g. after unsubscribing). Returns whether it was tracked. */
  purge(symbol: string): boolean {
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
