/**
 * The SET tick-size table (Stock Exchange of Thailand, equities), in satang
 * (1/100 THB). Prices are kept as integer satang inside the simulator so that
 * stepping along the grid never accumulates floating-point error.
 *
 * | price (THB)  | tick |
 * |--------------|------|
 * | < 2          | 0.01 |
 * | 2 – < 5      | 0.02 |
 * | 5 – < 10     | 0.05 |
 * | 10 – < 25    | 0.10 |
 * | 25 – < 100   | 0.25 |
 * | 100 – < 200  | 0.50 |
 * | 200 – < 400  | 1.00 |
 * | ≥ 400        | 2.00 |
 *
 * Source: set.or.th, "Price Bands & Tick sizes" (effective since 30 March 2009;
 * unit trusts and ETFs use 0.01 throughout, which the simulator does not model).
 */

/** Upper bounds (exclusive, satang) and the tick (satang) below each bound. */
const TABLE: ReadonlyArray<readonly [number, number]> = [
  [200, 1],
  [500, 2],
  [1_000, 5],
  [2_500, 10],
  [10_000, 25],
  [20_000, 50],
  [40_000, 100],
];
const TOP_TICK = 200;

/** Tick size (satang) that applies to a price (satang). */
export function tickFor(priceSatang: number): number {
  for (const [bound, tick] of TABLE) if (priceSatang < bound) return tick;
  return TOP_TICK;
}

/** True when the price (satang) lies on the SET grid. */
export function onGrid(priceSatang: number): boolean {
  return Number.isInteger(priceSatang) && priceSatang > 0 && priceSatang % tickFor(priceSatang) === 0;
}

/** The next price up the grid. Every band boundary is on both adjacent grids. */
export function tickUp(priceSatang: number): number {
  return priceSatang + tickFor(priceSatang);
}

/** The next price down the grid (the tick of the band just below applies). */
export function tickDown(priceSatang: number): number {
  return priceSatang - tickFor(priceSatang - 1);
}

/** Rounds a price (satang) down onto the grid; never below one satang. */
export function snapToGrid(priceSatang: number): number {
  const p = Math.max(1, Math.floor(priceSatang));
  return Math.max(1, p - (p % tickFor(p)));
}

/** THB (as a number, e.g. 3.62) to integer satang, rounding to the nearest. */
export function thbToSatang(thb: number): number {
  return Math.round(thb * 100);
}
