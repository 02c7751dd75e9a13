/**
 * Whether a consumer about to sleep should first check the ring for a while
 * (`spinBeforeSleepUs`). A sleep costs an event-loop round trip on wake-up and
 * the producer a notify, so with a busy producer a short spin is cheaper;
 * with sparse or no traffic the spin is waste. So spinning backs off: a spin
 * window that passes without an event skips the spin for the next 1, 2, 4,
 * ... up to 64 waits, and a spin that finds an event resets that. An idle
 * or sparse consumer then spins on at most one wait in 64; a consumer that
 * keeps finding events while spinning keeps spinning. Counting waits, not
 * time, keeps the decision independent of how slowly this machine wakes.
 */
export const MAX_SPIN_BACKOFF = 64;

export class AdaptiveSpin {
  private backoff = 0;
  private skip = 0;

  /** @param windowMs the spin window (spinBeforeSleepUs / 1000); 0 never spins. */
  constructor(readonly windowMs: number) {}

  /** Whether the next wait would spin (does not count as a wait). */
  get enabled(): boolean {
    return this.windowMs > 0 && this.skip === 0;
  }

  /** Called once per wait that would spin: true to spin now, false to sleep at once (counted against the backoff). */
  shouldSpin(): boolean {
    if (this.windowMs <= 0) return false;
    if (this.skip > 0) {
      this.skip--;
      return false;
    }
    return true;
  }

  /** A spin ended: it found an event, or ran `spunMs` without one (shorter than the window when the wait's own timeout cut it). */
  afterSpin(foundEvent: boolean, spunMs: number): void {
    if (foundEvent) {
      this.backoff = 0;
    } else if (spunMs >= this.windowMs) {
      this.backoff = this.backoff === 0 ? 1 : Math.min(this.backoff * 2, MAX_SPIN_BACKOFF);
      this.skip = this.backoff;
    }
  }
}
