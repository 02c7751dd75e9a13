/**
 * Pre-touched ring memory: a new ring's pages are made resident when it is
 * created (preTouchMemory, default true), so the producer's first lap takes
 * no page faults. Checked through the process's resident set size (each test
 * file runs in its own process): touching must make the whole ring resident,
 * not touching must leave it mostly unbacked, and no byte may change.
 */
import { describe, expect, it } from 'vitest';
import { Dispatcher, DISPATCHER_DEFAULTS, InvalidOptionError } from '../src/dispatcher/index.js';
import { preTouchMemory } from '../src/dispatcher/pre-touch.js';
import { nativeBinding } from '../src/native.js';
import { silentLogger } from '../src/util/logger.js';

const MiB = 1024 * 1024;
// RSS is only meaningful where the kernel allocates pages on first write.
const linux = process.platform === 'linux';

// Every value made while measuring stays reachable to the end of the file:
// one collected during a later trial would shrink that trial's growth.
const keptAlive: unknown[] = [];

function rssGrowth<T>(make: () => T): { value: T; grownBytes: number } {
  const before = process.memoryUsage.rss();
  const value = make();
  keptAlive.push(value);
  return { value, grownBytes: process.memoryUsage.rss() - before };
}

// RSS is process-wide. While `make` runs, the collector may hand pages back
// (hiding growth) or the runtime may allocate (adding some), and each moves
// the figure one way only. So a "became resident" check takes the largest
// growth of a few independent trials and a "stayed unbacked" check the
// smallest: a broken pre-touch still fails every trial. (A CI run saw 40.9
// of 48 MiB in a single trial while the ring was fully touched.)
const TRIALS = 3;

function largestRssGrowth<T>(make: () => T): { value: T; grownBytes: number } {
  let best = rssGrowth(make);
  for (let i = 1; i < TRIALS; i++) {
    const next = rssGrowth(make);
    if (next.grownBytes > best.grownBytes) best = next;
  }
  return best;
}

function smallestRssGrowth<T>(make: () => T): { value: T; grownBytes: number } {
  let best = rssGrowth(make);
  for (let i = 1; i < TRIALS; i++) {
    const next = rssGrowth(make);
    if (next.grownBytes < best.grownBytes) best = next;
  }
  return best;
}

describe('preTouchMemory()', () => {
  it.runIf(linux)('makes every page of a fresh SharedArrayBuffer resident', () => {
    const size = 64 * MiB;
    const fresh: SharedArrayBuffer[] = [];
    const untouched = smallestRssGrowth(() => {
      const buffer = new SharedArrayBuffer(size);
      fresh.push(buffer);
      return buffer;
    });
    expect(untouched.grownBytes).toBeLessThan(size / 4);
    let trial = 0;
    const { value: method, grownBytes } = largestRssGrowth(() => preTouchMemory(fresh[trial++]!));
    expect(grownBytes).toBeGreaterThan(size * 0.9);
    expect(method).toBe(nativeBinding ? 'madvise' : 'page-by-page');
  });

  it.runIf(linux)('skips (touches nothing) a buffer larger than the memory available', () => {
    const size = 64 * MiB;
    const untouched = rssGrowth(() => new SharedArrayBuffer(size));
    const { value: method, grownBytes } = smallestRssGrowth(() => preTouchMemory(untouched.value, size - 1));
    expect(method).toBe('skipped');
    expect(grownBytes).toBeLessThan(size / 4);
    expect(preTouchMemory(untouched.value, size)).toBe(nativeBinding ? 'madvise' : 'page-by-page');
  });

  it('changes no byte, at page boundaries and at both ends', () => {
    const buf = new SharedArrayBuffer(3 * 4096 + 100);
    const u8 = new Uint8Array(buf);
    for (let i = 0; i < u8.length; i++) u8[i] = (i * 37 + 11) & 0xff;
    const copy = u8.slice();
    preTouchMemory(buf);
    expect(Buffer.from(u8).equals(Buffer.from(copy))).toBe(true);
  });

  it('accepts an empty buffer', () => {
    expect(preTouchMemory(new SharedArrayBuffer(0))).toBe('none');
  });

  it.runIf(nativeBinding !== null)('the native function rejects what is not a Uint8Array', () => {
    expect(() => nativeBinding!.preTouchMemory(new Float64Array(4) as unknown as Uint8Array)).toThrow(/preTouchMemory\(bytes: Uint8Array\)/);
  });
});

describe('Dispatcher preTouchMemory option', () => {
  const ringBytes = (1 << 17) * 384; // 48 MiB of FullBidOffer slots

  it.runIf(linux)('a new ring is resident at once by default, and not with preTouchMemory: false', () => {
    const lazy = smallestRssGrowth(() => new Dispatcher({ kind: 'fullBidOffer', maxSize: 1 << 17, preTouchMemory: false, logger: silentLogger }));
    expect(lazy.grownBytes).toBeLessThan(ringBytes / 4);
    const eager = largestRssGrowth(() => new Dispatcher({ kind: 'fullBidOffer', maxSize: 1 << 17, logger: silentLogger }));
    expect(eager.grownBytes).toBeGreaterThan(ringBytes * 0.9);
    // Both still work as rings.
    for (const d of [lazy.value, eager.value]) {
      d.pushSlot((mem) => mem.i32.fill(0));
      expect(d.poll()).toHaveLength(1);
    }
  });

  it.runIf(linux)('attach() does not touch the memory again (only the creator does)', () => {
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 1 << 17, preTouchMemory: false, logger: silentLogger });
    const { grownBytes } = smallestRssGrowth(() => Dispatcher.attach(d.handle, { logger: silentLogger }));
    expect(grownBytes).toBeLessThan(ringBytes / 4);
  });

  it('defaults to true, travels in the handle, and must be a boolean', () => {
    expect(DISPATCHER_DEFAULTS.preTouchMemory).toBe(true);
    const d = new Dispatcher({ maxSize: 8, logger: silentLogger });
    expect(d.handle.preTouchMemory).toBe(true);
    expect(new Dispatcher({ maxSize: 8, preTouchMemory: false, logger: silentLogger }).handle.preTouchMemory).toBe(false);
    expect(Dispatcher.attach(d.handle, { logger: silentLogger }).handle.preTouchMemory).toBe(true);
    for (const bad of ['yes', 1, null]) {
      const make = (): Dispatcher => new Dispatcher({ maxSize: 8, preTouchMemory: bad as unknown as boolean, logger: silentLogger });
      expect(make).toThrow(InvalidOptionError);
      expect(make).toThrow(/preTouchMemory/);
    }
  });
});
