import { describe, expect, it } from 'vitest';
import { onGrid, tickFor } from '../src/sim/index.js';
import { snapToGrid, tickDown, tickUp } from '../src/sim/tick-size.js';
import { SymbolBook } from '../src/sim/market-generator.js';

describe('SET tick-size table', () => {
  it('has the SET bands', () => {
    const cases: Array<[number, number]> = [
      [199, 1], [200, 2], [498, 2], [500, 5], [995, 5], [1000, 10], [2490, 10], [2500, 25],
      [9975, 25], [10000, 50], [19950, 50], [20000, 100], [39900, 100], [40000, 200],
    ];
    for (const [price, tick] of cases) expect(tickFor(price), `price ${price}`).toBe(tick);
  });

  it('steps along the grid across every band boundary, both ways', () => {
    let p = 100;
    const up: number[] = [];
    while (p < 50_000) {
      expect(onGrid(p), `up ${p}`).toBe(true);
      up.push(p);
      p = tickUp(p);
    }
    for (let i = up.length - 1; i > 0; i--) expect(tickDown(up[i])).toBe(up[i - 1]);
    expect(onGrid(201)).toBe(false);
    expect(snapToGrid(1003)).toBe(1000);
  });

  it('generated books keep ten strictly ordered levels on the grid, any seed', () => {
    for (let seed = 0; seed < 20; seed++) {
      const sb = new SymbolBook('X', seed);
      for (let n = 0; n < 200; n++) {
        const b = sb.next('NORMAL');
        expect(b.bidPrices[0]).toBeLessThan(b.askPrices[0]);
        for (let i = 0; i < 10; i++) {
          expect(onGrid(b.bidPrices[i]) && onGrid(b.askPrices[i])).toBe(true);
          if (i > 0) expect(b.bidPrices[i] < b.bidPrices[i - 1] && b.askPrices[i] > b.askPrices[i - 1]).toBe(true);
        }
      }
    }
  });
});
