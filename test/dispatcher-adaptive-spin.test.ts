/**
 * AdaptiveSpin: the spin before a consumer sleeps backs off while it finds
 * nothing (1, 2, 4 ... 64 waits skipped) and resets when it finds an event.
 * Pure logic, so every sequence is checked exactly; the Dispatcher's use of it
 * is checked in dispatcher-single.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveSpin, MAX_SPIN_BACKOFF } from '../src/dispatcher/adaptive-spin.js';

// Runs `waits` waits that all find nothing during a full spin window; returns which ones spun.
function emptyWaits(s: AdaptiveSpin, waits: number): boolean[] {
  const spun: boolean[] = [];
  for (let i = 0; i < waits; i++) {
    const spin = s.shouldSpin();
    spun.push(spin);
    if (spin) s.afterSpin(false, s.windowMs);
  }
  return spun;
}

describe('AdaptiveSpin', () => {
  it('a zero window never spins', () => {
    const s = new AdaptiveSpin(0);
    expect(s.enabled).toBe(false);
    expect(emptyWaits(s, 5)).toEqual([false, false, false, false, false]);
  });

  it('empty spins skip the next 1, 2, 4, ... waits, capped at 64', () => {
    const s = new AdaptiveSpin(0.05);
    expect(s.enabled).toBe(true);
    const spun = emptyWaits(s, 1 + 1 + 1 + 2 + 1 + 4 + 1 + 8 + 1);
    expect(spun).toEqual([true, false, true, false, false, true, false, false, false, false, true, ...Array<boolean>(8).fill(false), true]);
    // Keep failing: the gap between spins stops growing at MAX_SPIN_BACKOFF.
    const more = emptyWaits(s, 4 * (MAX_SPIN_BACKOFF + 1) + 1);
    const spinsAt = more.flatMap((x, i) => (x ? [i] : []));
    const gaps = spinsAt.slice(1).map((at, k) => at - spinsAt[k]! - 1);
    expect(gaps.at(-1)).toBe(MAX_SPIN_BACKOFF);
    expect(Math.max(...gaps)).toBe(MAX_SPIN_BACKOFF);
  });

  it('a spin that finds an event resets the backoff', () => {
    const s = new AdaptiveSpin(0.05);
    emptyWaits(s, 12); // backed off to skipping 4
    while (!s.shouldSpin()) {
      /* wait out the current skip */
    }
    s.afterSpin(true, 0.01);
    expect(s.enabled).toBe(true);
    // The next empty spin skips one wait only, as from the start.
    expect(emptyWaits(s, 3)).toEqual([true, false, true]);
  });

  it("a spin cut short by the wait's own timeout does not count as empty", () => {
    const s = new AdaptiveSpin(0.05);
    expect(s.shouldSpin()).toBe(true);
    s.afterSpin(false, 0.02);
    expect(s.enabled).toBe(true);
  });
});
