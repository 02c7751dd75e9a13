/**
 * The consumer side of the demo and `watch`: drains a dispatcher through its
 * reusable slot view, keeps each symbol's latest book in preallocated arrays,
 * counts events, feeds FeedHealth and records hand-off latency. Per event it
 * copies numbers only (no objects), so consuming allocates nothing beyond the
 * symbol lookup.
 */
import { SlotLayout } from '../events/slot-layout.js';
import { readInt64, type SlotView } from '../events/slot-reader.js';
import type { LatencyWindow } from './latency.js';
import type { SymbolView } from './live-view.js';

/** A dispatcher's consumer side as the demo uses it. */
export interface DrainSource {
  drain(fn: (view: SlotView) => void, maxEvents?: number): number;
}

/** The FeedHealth calls the consumer makes. */
export interface HealthSink {
  onEvent(symbol: string, nowNs?: bigint): void;
  isStale(symbol: string, nowNs?: bigint): boolean;
  lastSeenGapMs(symbol: string, nowNs?: bigint): number | undefined;
}

const LEVELS = SlotLayout.depthLevels;

/** The latest book of one symbol. */
class SymbolBook {
  events = 0;
  seen = false;
  bidFlag = 0;
  askFlag = 0;
  epoch = 0;
  readonly bidPrices = new Float64Array(LEVELS);
  readonly askPrices = new Float64Array(LEVELS);
  readonly bidVolumes = new Float64Array(LEVELS);
  readonly askVolumes = new Float64Array(LEVELS);
  constructor(readonly symbol: string) {}
}

/** Consumer-side state: per-symbol books, counts, latency. */
export class BookState {
  private readonly books = new Map<string, SymbolBook>();
  private readonly order: string[] = [];
  private readonly fullDepth: boolean;
  private readonly latency: LatencyWindow;
  private readonly health: HealthSink | undefined;
  private nowNs = 0;
  private nowBig = 0n;
  /** Events consumed in total. */
  totalEvents = 0;
  /** Highest connection epoch seen on an event. */
  maxEpoch = 0;
  // Bound once so drain() gets the same function every call (no closure per batch).
  private readonly onView = (view: SlotView): void => this.apply(view);

  /**
   * @param symbols shown in this order (others are appended as they appear)
   * @param fullDepth copy ten levels per event instead of the top of book
   */
  constructor(options: { symbols: readonly string[]; fullDepth: boolean; latency: LatencyWindow; health?: HealthSink }) {
    this.fullDepth = options.fullDepth;
    this.latency = options.latency;
    this.health = options.health;
    for (const s of options.symbols) this.book(s);
  }

  /** Drains up to `maxEvents` events from `source`; returns how many were consumed. */
  consume(source: DrainSource, maxEvents = 4096): number {
    // One clock read per batch: every event in the ring was received before it.
    this.nowBig = process.hrtime.bigint();
    this.nowNs = Number(this.nowBig);
    return source.drain(this.onView, maxEvents);
  }

  private apply(view: SlotView): void {
    const symbol = view.symbol;
    const book = this.books.get(symbol) ?? this.book(symbol);
    book.events++;
    book.seen = true;
    this.totalEvents++;
    book.bidFlag = view.bidFlag;
    book.askFlag = view.askFlag;
    const epoch = view.connectionEpoch;
    book.epoch = epoch;
    if (epoch > this.maxEpoch) this.maxEpoch = epoch;
    if (this.fullDepth) {
      for (let i = 0; i < LEVELS; i++) {
        book.bidPrices[i] = view.bidPrice(i);
        book.askPrices[i] = view.askPrice(i);
        book.bidVolumes[i] = view.bidVolume(i);
        book.askVolumes[i] = view.askVolume(i);
      }
    } else {
      book.bidPrices[0] = view.bid;
      book.askPrices[0] = view.ask;
      book.bidVolumes[0] = view.bidVol;
      book.askVolumes[0] = view.askVol;
    }
    this.latency.record(this.nowNs - readInt64(view.mem, view.offset + SlotLayout.recvMonoNsOffset));
    this.health?.onEvent(symbol, this.nowBig);
  }

  private book(symbol: string): SymbolBook {
    const book = new SymbolBook(symbol);
    this.books.set(symbol, book);
    this.order.push(symbol);
    return book;
  }

  /** Events consumed per symbol. */
  eventCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.order) out[s] = this.books.get(s)!.events;
    return out;
  }

  /** Rows for the live view (allocates: called a few times a second). */
  rows(withDepth: boolean, nowNs: bigint = process.hrtime.bigint()): SymbolView[] {
    return this.order.map((symbol) => {
      const b = this.books.get(symbol)!;
      if (!b.seen) return { symbol, events: 0, stale: false };
      return {
        symbol,
        events: b.events,
        bid: b.bidPrices[0],
        ask: b.askPrices[0],
        bidVol: b.bidVolumes[0],
        askVol: b.askVolumes[0],
        bidFlag: b.bidFlag,
        askFlag: b.askFlag,
        stale: this.health?.isStale(symbol, nowNs) ?? false,
        lastSeenMs: this.health?.lastSeenGapMs(symbol, nowNs) ?? 0,
        ...(withDepth && this.fullDepth
          ? {
              depth: {
                bidPrices: Array.from(b.bidPrices),
                askPrices: Array.from(b.askPrices),
                bidVolumes: Array.from(b.bidVolumes),
                askVolumes: Array.from(b.askVolumes),
              },
            }
          : {}),
      };
    });
  }
}
