/**
 * Seeded books per symbol: a random walk of the best bid on the SET tick grid,
 * ten levels a side, volumes in board lots of 100. Each symbol has its own
 * PRNG derived from (seed, symbol), so the sequence for a symbol does not
 * depend on which other symbols are active or in which order they appeared.
 */
import { WireFlag, type SimBook } from './proto-encoder.js';
import type { MarketPhase } from './options.js';
import { snapToGrid, thbToSatang, tickDown, tickUp } from './tick-size.js';

/** Board lot on the SET main board. */
export const BOARD_LOT = 100;
const LEVELS = 10;
const MIN_BEST_BID = 100; // 1.00 THB: keeps ten bid levels above zero
const MAX_BEST_BID = 400_000; // 4,000 THB

/** mulberry32: tiny, fast, seedable; good enough for a market simulation and for tests' random streams. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(seed: number, symbol: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** One symbol's evolving book. */
export class SymbolBook {
  /** The current book (mutated in place by {@link next}). */
  readonly book: SimBook = {
    bidPrices: new Int32Array(LEVELS),
    askPrices: new Int32Array(LEVELS),
    bidVolumes: new Float64Array(LEVELS),
    askVolumes: new Float64Array(LEVELS),
    bidFlag: WireFlag.NORMAL,
    askFlag: WireFlag.NORMAL,
  };
  private readonly rand: () => number;
  private bestBid: number;

  constructor(
    /** The symbol. */
    readonly symbol: string,
    seed: number,
    initialPriceThb?: number,
  ) {
    this.rand = mulberry32(hashSeed(seed, symbol));
    // Log-uniform starting price between 2 and 400 THB when none is given.
    const start = initialPriceThb !== undefined ? thbToSatang(initialPriceThb) : Math.round(200 * Math.pow(200, this.rand()));
    this.bestBid = Math.min(MAX_BEST_BID, Math.max(MIN_BEST_BID, snapToGrid(start)));
  }

  /** Advances the walk one step and rebuilds the book for `phase`. */
  next(phase: MarketPhase): SimBook {
    const r = this.rand();
    if (r < 0.3 && this.bestBid > MIN_BEST_BID) this.bestBid = tickDown(this.bestBid);
    else if (r > 0.7 && this.bestBid < MAX_BEST_BID) this.bestBid = tickUp(this.bestBid);
    const b = this.book;
    if (phase === 'NORMAL') {
      b.bidFlag = b.askFlag = WireFlag.NORMAL;
      // Spread of one tick most of the time, sometimes two.
      let ask = tickUp(this.bestBid);
      if (this.rand() < 0.2) ask = tickUp(ask);
      let bid = this.bestBid;
      for (let i = 0; i < LEVELS; i++) {
        b.bidPrices[i] = bid;
        b.askPrices[i] = ask;
        b.bidVolumes[i] = this.lots();
        b.askVolumes[i] = this.lots();
        bid = tickDown(bid);
        ask = tickUp(ask);
      }
    } else {
      // Auctions (ATO/ATC): no continuous prices; the feed shows zero prices with
      // the auction flag and the matched auction volume at level 1.
      b.bidFlag = b.askFlag = phase === 'ATO' ? WireFlag.ATO : WireFlag.ATC;
      b.bidPrices.fill(0);
      b.askPrices.fill(0);
      b.bidVolumes.fill(0);
      b.askVolumes.fill(0);
      b.bidVolumes[0] = this.lots() * 10;
      b.askVolumes[0] = this.lots() * 10;
    }
    return b;
  }

  private lots(): number {
    return (1 + Math.floor(this.rand() * 500)) * BOARD_LOT;
  }
}

/** Books for many symbols, created on first use. */
export class MarketGenerator {
  private readonly books = new Map<string, SymbolBook>();

  constructor(
    private readonly seed: number,
    private readonly initialPrices: Readonly<Record<string, number>> = {},
  ) {}

  /** The book state of `symbol` (created when first asked for). */
  book(symbol: string): SymbolBook {
    let b = this.books.get(symbol);
    if (b === undefined) {
      b = new SymbolBook(symbol, this.seed, this.initialPrices[symbol]);
      this.books.set(symbol, b);
    }
    return b;
  }
}
