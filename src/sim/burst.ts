/**
 * Burst mode: for a while, publish far above the normal rate (the seed's
 * market-open scenario is 100,000 events/s) from payloads encoded up front,
 * in a tight loop per timer tick, and measure what was actually achieved.
 * When the broker falls behind, the rest of a tick's quota is shed (counted)
 * rather than queued, so `achievedRate` is what subscribers could really take.
 */
import type { BurstOptions } from './options.js';
import type { SimBook } from './proto-encoder.js';

/** Burst counters. */
export interface BurstStats {
  /** True while the burst runs. */
  active: boolean;
  /** Requested messages per second (shared by `symbols`). */
  targetRate: number;
  /** The symbols the burst publishes (every active symbol when none were named). */
  symbols: string[];
  /** Requested duration (ms). */
  durationMs: number;
  /** Messages handed to the broker. */
  published: number;
  /** Messages written to a subscriber's socket (reached the kernel), summed over subscribers. */
  delivered: number;
  /** Messages not published because the gateway was stopped (per-connection shedding is in `Simulator.stats().shed`). */
  shed: number;
  /** Delivered messages per second, from the burst start to the last delivery. */
  achievedRate: number;
  /** Milliseconds since the burst started (or its full length once over). */
  elapsedMs: number;
}

/** A pre-encoded payload and the book it encodes. */
export interface BurstVariant {
  payload: Uint8Array;
  book: SimBook;
}

/** Runs one burst at a time. */
export class BurstRunner {
  private opts: BurstOptions | undefined;
  private symbols: string[] = [];
  private variants: BurstVariant[][] = [];
  private perSymbol = new Map<string, number>();
  private startedAt = 0;
  private endedAt = 0;
  private lastTick = 0;
  private carry = 0;
  private cursor = 0;
  private published = 0;
  private deliveredCount = 0;
  private shed = 0;
  private lastDeliveryAt = 0;
  private running = false;
  private everPublished = 0;

  constructor(
    private readonly publish: (symbol: string, payload: Uint8Array) => boolean,
    private readonly onEnd: (stats: BurstStats) => void,
  ) {}

  /** True while a burst runs. */
  get active(): boolean {
    return this.running;
  }

  /** Messages published by every burst so far. */
  get totalPublished(): number {
    return this.everPublished;
  }

  /** Messages published for `symbol` by every burst so far. */
  publishedFor(symbol: string): number {
    return this.perSymbol.get(symbol) ?? 0;
  }

  /** Starts a burst (replacing any running one). */
  begin(opts: BurstOptions, variants: Map<string, BurstVariant[]>, now: number): void {
    this.opts = opts;
    this.symbols = [...variants.keys()];
    this.variants = [...variants.values()];
    this.startedAt = this.lastTick = now;
    this.endedAt = 0;
    this.carry = 0;
    this.cursor = 0;
    this.published = 0;
    this.deliveredCount = 0;
    this.shed = 0;
    this.lastDeliveryAt = now;
    this.running = true;
  }

  /** Publishes this tick's share; `allow` filters stalled symbols. */
  tick(now: number, allow: (symbol: string) => boolean, emit: ((symbol: string, payload: Uint8Array, book: SimBook) => void) | undefined): void {
    const opts = this.opts;
    if (!this.running || opts === undefined) return;
    const end = this.startedAt + opts.durationMs;
    const until = Math.min(now, end);
    this.carry += (opts.ratePerSecond * Math.max(0, until - this.lastTick)) / 1000;
    this.lastTick = until;
    let n = Math.floor(this.carry);
    this.carry -= n;
    const count = this.symbols.length;
    if (count > 0) {
      // Tight loop over pre-encoded payloads: no encoding, no allocation per message.
      for (let i = 0; i < n; i++) {
        const k = this.cursor++;
        const s = k % count;
        const symbol = this.symbols[s];
        if (!allow(symbol)) continue;
        const list = this.variants[s];
        const v = list[Math.floor(k / count) % list.length];
        if (!this.publish(symbol, v.payload)) {
          this.shed += n - i;
          break;
        }
        this.published++;
        this.everPublished++;
        this.perSymbol.set(symbol, (this.perSymbol.get(symbol) ?? 0) + 1);
        if (emit !== undefined) emit(symbol, v.payload, v.book);
      }
    }
    if (now >= end) this.finish(end);
  }

  /** Called as messages are delivered (burst or not; only counted during a burst). */
  delivered(now: number, count = 1): void {
    if (!this.running) return;
    this.deliveredCount += count;
    this.lastDeliveryAt = now;
  }

  /** Ends a running burst early. */
  stop(): void {
    if (this.running) this.finish(this.lastTick);
  }

  /** Stats of the current or last burst, or undefined if none ran. */
  stats(now = performance.now()): BurstStats | undefined {
    const opts = this.opts;
    if (opts === undefined) return undefined;
    const elapsedMs = (this.running ? now : this.endedAt) - this.startedAt;
    return {
      active: this.running,
      targetRate: opts.ratePerSecond,
      symbols: [...this.symbols],
      durationMs: opts.durationMs,
      published: this.published,
      delivered: this.deliveredCount,
      shed: this.shed,
      achievedRate: this.lastDeliveryAt > this.startedAt ? (this.deliveredCount * 1000) / (this.lastDeliveryAt - this.startedAt) : 0,
      elapsedMs,
    };
  }

  private finish(at: number): void {
    this.running = false;
    this.endedAt = at;
    const s = this.stats();
    if (s !== undefined) this.onEnd(s);
  }
}
