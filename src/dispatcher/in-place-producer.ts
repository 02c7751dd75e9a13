/**
 * The producer side of the ring protocol (docs/ring-protocol.md) without the
 * scratch slot: `push(event)` validates and writes the event straight into
 * the ring's next free slot, then publishes it, instead of writing a scratch
 * slot and copying it in (a native call and a 384-byte copy per FullBidOffer).
 *
 * Only while that slot is free: the slot after the write index holds nothing
 * the consumer may read (it is outside [read, write)), so a write that throws
 * half-way (a bad field) leaves nothing visible, and nothing is evicted or
 * counted. When the ring is full the caller takes the scratch path, whose
 * push evicts (drop-oldest) or refuses (reject-newest) after the event was
 * checked. The bookkeeping of an accepted push is the JS producer's
 * (js-ring.ts), in the same order, so `settleInterruptedPush` still holds.
 */
import * as layout from './ring-layout.js';
import type { RingMemory } from './js-ring.js';

// Module-local copies (tsx turns each use of an imported binding into a getter call).
const PUSH_ACCEPTED = layout.PUSH_ACCEPTED;
const PUSH_WAKE = layout.PUSH_WAKE;
const HEADER_BYTES = layout.RingHeader.headerBytes;
const W_WRITE = layout.W.writeIndex;
const W_READ = layout.W.readIndex;
const W_SLEEPING = layout.W.sleeping;
const F_PUSHED = layout.W.pushed;
const F_EMA = layout.W.dropRateEma;

export class InPlaceProducer {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly capacity: number;
  private readonly modulus: number;
  private readonly slotSize: number;
  private readonly emaAlpha: number;
  // The read index as last loaded: reloaded only when it says "full" (a stale one only errs towards full).
  private readCache: number;
  private write = 0;

  /** @param ring the ring this side pushes into. */
  constructor(ring: RingMemory) {
    this.i32 = ring.i32;
    this.f64 = ring.f64;
    this.capacity = ring.config.capacity;
    this.modulus = ring.config.modulus;
    this.slotSize = ring.config.slotSize;
    this.emaAlpha = ring.config.emaAlpha;
    this.readCache = Atomics.load(ring.i32, W_READ);
  }

  /**
   * Byte offset (in the ring buffer) of the free slot the next event goes
   * into, or -1 when the ring is full. Write the event there, then `publish()`.
   */
  reserve(): number {
    const w = Atomics.load(this.i32, W_WRITE);
    this.write = w;
    let used = w - this.readCache;
    if (used < 0) used += this.modulus;
    if (used >= this.capacity) {
      const r = Atomics.load(this.i32, W_READ);
      this.readCache = r;
      used = w - r;
      if (used < 0) used += this.modulus;
      if (used >= this.capacity) return -1;
    }
    return HEADER_BYTES + (w % this.capacity) * this.slotSize;
  }

  /** Publishes the slot `reserve()` returned; PUSH_* bits as a ring push returns them. */
  publish(): number {
    const i32 = this.i32;
    const f64 = this.f64;
    const w = this.write;
    f64[F_PUSHED] = f64[F_PUSHED]! + 1;
    Atomics.store(i32, W_WRITE, w + 1 === this.modulus ? 0 : w + 1);
    const ema = f64[F_EMA]!;
    f64[F_EMA] = ema + this.emaAlpha * (0 - ema);
    // One wake per sleep, as in js-ring.ts and the native producer.
    if (Atomics.load(i32, W_SLEEPING) !== 0 && Atomics.exchange(i32, W_SLEEPING, 0) !== 0) return PUSH_ACCEPTED | PUSH_WAKE;
    return PUSH_ACCEPTED;
  }
}
