/** FeedHealth: every method, on deterministic time (explicit nowNs), plus the default clock. */
import { describe, expect, it } from 'vitest';
import { FeedHealth, FEED_HEALTH_DEFAULTS, InvalidOptionError } from '../src/index.js';

const SEC = 1_000_000_000;

describe('FeedHealth', () => {
  it('defaults to the seed values and starts with nothing seen', () => {
    expect(FEED_HEALTH_DEFAULTS).toEqual({ globalTimeoutSec: 5, symbolTimeoutSec: 10 });
    const h = new FeedHealth();
    expect([h.globalTimeoutSec, h.symbolTimeoutSec]).toEqual([5, 10]);
    expect(h.hasEverReceived()).toBe(false);
    expect(h.isFeedDead(1e18)).toBe(false); // never dead before the first event
    expect(h.isStale('AOT', 1e18)).toBe(false); // never-seen symbols are not stale
    expect(h.hasSeen('AOT')).toBe(false);
    expect(h.trackedSymbolCount).toBe(0);
    expect(h.staleSymbols(1e18)).toEqual([]);
    expect(h.lastSeenGapMs('AOT', 0)).toBeUndefined();
  });

  it('global liveness: dead strictly after globalTimeoutSec without events', () => {
    const h = new FeedHealth({ globalTimeoutSec: 2 });
    h.onEvent('AOT', 100 * SEC);
    expect(h.hasEverReceived()).toBe(true);
    expect(h.isFeedDead(102 * SEC)).toBe(false);
    expect(h.isFeedDead(102 * SEC + 1)).toBe(true);
    h.onEvent('PTT', 103 * SEC);
    expect(h.isFeedDead(104 * SEC)).toBe(false);
  });

  it('per-symbol staleness with overrides, stale lists and gaps', () => {
    const h = new FeedHealth({ symbolTimeoutSec: 10, perSymbolTimeoutSec: { RARE: 60 } });
    expect(h.timeoutSecFor('RARE')).toBe(60);
    expect(h.timeoutSecFor('AOT')).toBe(10);
    h.onEvent('AOT', 0);
    h.onEvent('RARE', 0);
    h.onEvent('PTT', 5 * SEC);
    expect(h.trackedSymbolCount).toBe(3);
    expect(h.hasSeen('PTT')).toBe(true);
    expect(h.isStale('AOT', 10 * SEC)).toBe(false);
    expect(h.isStale('AOT', 10 * SEC + 1)).toBe(true);
    expect(h.isStale('RARE', 59 * SEC)).toBe(false);
    expect(h.isStale('RARE', 61 * SEC)).toBe(true);
    expect(h.staleSymbols(12 * SEC)).toEqual(['AOT']);
    expect(h.staleSymbols(16 * SEC)).toEqual(['AOT', 'PTT']);
    expect(h.staleSymbols(61 * SEC)).toEqual(['AOT', 'RARE', 'PTT']);
    expect(h.lastSeenGapMs('PTT', 7.5 * SEC)).toBe(2500);
    h.onEvent('AOT', 20 * SEC); // a fresh event clears staleness
    expect(h.isStale('AOT', 21 * SEC)).toBe(false);
  });

  it('accepts bigint timestamps (recvMonoNs) as well as numbers', () => {
    const h = new FeedHealth({ symbolTimeoutSec: 1 });
    h.onEvent('AOT', 5_000_000_000n);
    expect(h.isStale('AOT', 6_000_000_001n)).toBe(true);
    expect(h.lastSeenGapMs('AOT', 5_250_000_000n)).toBe(250);
  });

  it('purge forgets one symbol; reset returns to the startup state, overrides kept', () => {
    const h = new FeedHealth({ perSymbolTimeoutSec: { RARE: 60 } });
    h.onEvent('AOT', 0);
    h.onEvent('RARE', 0);
    expect(h.purge('AOT')).toBe(true);
    expect(h.purge('AOT')).toBe(false);
    expect(h.hasSeen('AOT')).toBe(false);
    expect(h.isStale('AOT', 1e12)).toBe(false);
    expect(h.trackedSymbolCount).toBe(1);
    h.reset();
    expect(h.hasEverReceived()).toBe(false);
    expect(h.isFeedDead(1e15)).toBe(false);
    expect(h.trackedSymbolCount).toBe(0);
    expect(h.timeoutSecFor('RARE')).toBe(60);
  });

  it('uses the monotonic clock when nowNs is omitted', () => {
    const h = new FeedHealth({ globalTimeoutSec: 3600 });
    h.onEvent('AOT');
    expect(h.isFeedDead()).toBe(false);
    expect(h.isStale('AOT')).toBe(false);
    const gap = h.lastSeenGapMs('AOT')!;
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(60_000);
    expect(h.isFeedDead(Number(process.hrtime.bigint()) + 3601 * SEC)).toBe(true);
  });

  it.each([
    [{ globalTimeoutSec: 0 }, 'globalTimeoutSec'],
    [{ globalTimeoutSec: Number.POSITIVE_INFINITY }, 'globalTimeoutSec'],
    [{ symbolTimeoutSec: -1 }, 'symbolTimeoutSec'],
    [{ symbolTimeoutSec: '10' }, 'symbolTimeoutSec'],
    [{ perSymbolTimeoutSec: { RARE: 0 } }, 'perSymbolTimeoutSec.RARE'],
    [{ perSymbolTimeoutSec: null }, 'perSymbolTimeoutSec'],
  ])('rejects %j naming the option', (o, name) => {
    expect(() => new FeedHealth(o as never)).toThrow(InvalidOptionError);
    expect(() => new FeedHealth(o as never)).toThrow(new RegExp(`^${name.replace('.', '\\.')}: `));
  });
});
