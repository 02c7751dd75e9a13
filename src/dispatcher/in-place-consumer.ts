/**
 * The consumer side of the ring protocol (docs/ring-protocol.md) without the
 * copy-out: `poll()` materializes events straight from the ring's slots and
 * then commits, instead of copying the batch into private memory first (the
 * native ring's copy, eight bytes at a time, cost ~50 ns a FullBidOffer).
 *
 * Why reading in place is as safe as the copy: the producer only overwrites a
 * slot after moving the read index past it (eviction, drop-oldest), and
 * `commit` is the same CAS as the copying consumer's. If it finds the read
 * index where `peek` saw it, no slot of the window was evicted, so every read
 * was of a published, untouched slot. If the producer evicted the first
 * `skipped` slots meanwhile, those reads may be torn and are discarded by the
 * caller; the slots after them could not have been overwritten. So this fits
 * only a caller that is done with the slots before it commits (poll: events
 * are built, then the window is committed); drain's views, read after the
 * fact by user code, keep the copy.
 */
import type { SlotMemory } from '../events/slot-layout.js';
import * as layout from './ring-layout.js';
import type { RingMemory } from './js-ring.js';

// Module-local copies (tsx turns each use of an imported binding into a getter call).
const HEADER_BYTES = layout.RingHeader.headerBytes;
const W_WRITE = layout.W.writeIndex;
const W_READ = layout.W.readIndex;
const F_POLLED = layout.W.polled;

export class InPlaceConsumer {
  /** Views over the whole ring buffer: slot `k` of the window is at `offsetOf(k)`. */
  readonly mem: SlotMemory;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly capacity: number;
  private readonly modulus: number;
  private readonly slotSize: number;
  /** Read index when the window was taken (`peek`). */
  private start = 0;

  /** @param ring the ring; @param mem slot views over the same buffer (`slotMemory(ring.buffer)`). */
  constructor(ring: RingMemory, mem: SlotMemory) {
    this.mem = mem;
    this.i32 = ring.i32;
    this.f64 = ring.f64;
    this.capacity = ring.config.capacity;
    this.modulus = ring.config.modulus;
    this.slotSize = ring.config.slotSize;
  }

  /**
   * Takes a window of up to `max` queued events (oldest first) without
   * removing them; returns its length. Their slots are at `firstOffset()`,
   * then every `slotSize` bytes, wrapping to `wrapOffset()` at `endOffset()`.
   */
  peek(max: number): number {
    const r = Atomics.load(this.i32, W_READ);
    const w = Atomics.load(this.i32, W_WRITE);
    let avail = w - r;
    if (avail < 0) avail += this.modulus;
    // More than capacity: the producer evicted past r between the two loads.
    if (avail > this.capacity) avail = this.capacity;
    this.start = r;
    return avail < max ? avail : max;
  }

  /** Byte offset of the window's first slot. */
  firstOffset(): number {
    return HEADER_BYTES + (this.start % this.capacity) * this.slotSize;
  }

  /** Byte offset just past the last slot of the ring (where a window wraps). */
  endOffset(): number {
    return HEADER_BYTES + this.capacity * this.slotSize;
  }

  /** Byte offset of the ring's first slot (where a window continues after wrapping). */
  wrapOffset(): number {
    return HEADER_BYTES;
  }

  /**
   * Removes the window's first `n` events from the ring (counting the ones
   * kept as polled). Returns how many of them, from the front, the producer
   * evicted meanwhile (0 almost always): what was read of those is void.
   */
  commit(n: number): number {
    const i32 = this.i32;
    const r = this.start;
    const end = (r + n) % this.modulus;
    let expected = r;
    for (;;) {
      const prev = Atomics.compareExchange(i32, W_READ, expected, end);
      if (prev === expected) break;
      // The producer evicted [r, prev): the slots of [prev, end) are intact.
      expected = prev;
      let gone = expected - r;
      if (gone < 0) gone += this.modulus;
      if (gone >= n) return n;
    }
    let skipped = expected - r;
    if (skipped < 0) skipped += this.modulus;
    const kept = n - skipped;
    this.f64[F_POLLED] = this.f64[F_POLLED]! + kept;
    return skipped;
  }
}
