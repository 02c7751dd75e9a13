/**
 * The ring protocol of docs/ring-protocol.md in TypeScript, with Atomics on
 * the same SharedArrayBuffer the native ring uses: either side may be JS or
 * native. Byte level only (slots are opaque here); Dispatcher adds events.
 */
import type { SlotMemory } from '../events/slot-layout.js';
import * as layout from './ring-layout.js';
import type { RingConfig } from './ring-layout.js';

// Module-local copies: under some loaders (tsx) every access to an imported
// binding is a getter call, which showed up as the top cost of the hot path.
const PUSH_ACCEPTED = layout.PUSH_ACCEPTED;
const PUSH_EVICTED = layout.PUSH_EVICTED;
const PUSH_WAKE = layout.PUSH_WAKE;
const HEADER_BYTES = layout.RingHeader.headerBytes;
const W = { ...layout.W } as const;
const W_WRITE = W.writeIndex;
const W_READ = W.readIndex;
const W_SLEEPING = W.sleeping;
const F_PUSHED = W.pushed;
const F_DROPPED = W.dropped;
const F_POLLED = W.polled;
const F_EMA = W.dropRateEma;

/** What the Dispatcher needs from a producer backend (JS or native). */
export interface RingProducer {
  /** The scratch slot (offset 0) where the caller writes the next event before `pushScratch()`. */
  readonly scratch: SlotMemory;
  /** Copies the scratch slot into the ring. Returns PUSH_* bits (0: refused by reject-newest). */
  pushScratch(): number;
}

/** What the Dispatcher needs from a consumer backend (JS or native). */
export interface RingConsumer {
  /** Consumer-local memory the polled slots are copied into (slot k at k * slotSize). */
  readonly out: SlotMemory;
  /** How many slots `out` holds. */
  readonly outSlots: number;
  /** Moves up to `max` (<= outSlots) events out of the ring into `out`; returns how many. */
  poll(max: number): number;
}

/** Views over a ring buffer shared by both JS sides. */
export class RingMemory {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly config: RingConfig,
  ) {
    this.i32 = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    this.f64 = new Float64Array(buffer, 0, HEADER_BYTES >> 3);
    this.u8 = new Uint8Array(buffer);
  }

  /** Queue length from two indices. */
  distance(w: number, r: number): number {
    const d = w - r;
    return d < 0 ? d + this.config.modulus : d;
  }

  /**
   * Producer side, only while no producer runs (its thread died): a JS
   * producer stopped mid-push (`Worker.terminate()` stops JS at V8's
   * interrupt checks, and a push passes some between counting itself and
   * publishing the slot) may have counted a push it never published. Every
   * accepted push moves the write index by one, so between pushes
   * `totalPushed - refusals == writeIndex (mod M)`; one push ahead of that is
   * the interrupted one, and it is uncounted (it never reached the ring,
   * like the messages that died in the worker's socket). Returns whether it was.
   */
  settleInterruptedPush(): boolean {
    const { modulus, overflow } = this.config;
    const refused = overflow === 'reject-newest' ? this.f64[F_DROPPED]! : 0;
    const counted = (this.f64[F_PUSHED]! - refused) % modulus;
    const w = Atomics.load(this.i32, W_WRITE);
    if (counted !== (w + 1) % modulus) return false;
    this.f64[F_PUSHED] = this.f64[F_PUSHED]! - 1;
    return true;
  }

  /** Empties the ring and zeroes counters and EMA. Only while neither side runs. */
  clear(): void {
    Atomics.store(this.i32, W_WRITE, 0);
    Atomics.store(this.i32, W_READ, 0);
    Atomics.store(this.i32, W.dropWarned, 0);
    this.f64[F_PUSHED] = 0;
    this.f64[F_DROPPED] = 0;
    this.f64[F_POLLED] = 0;
    this.f64[F_EMA] = 0;
  }
}

/** JS producer: caches the read index and reloads it only when the cache says full. */
export class JsRingProducer implements RingProducer {
  readonly scratch: SlotMemory;
  private readonly scratchU8: Uint8Array;
  private readCache: number;

  constructor(
    private readonly ring: RingMemory,
    scratch: SlotMemory,
  ) {
    this.scratch = scratch;
    // Exactly one slot long, so `set` copies it whole without a subarray view per push.
    this.scratchU8 = new Uint8Array(scratch.u8.buffer, 0, ring.config.slotSize);
    this.readCache = Atomics.load(ring.i32, W_READ);
  }

  pushScratch(): number {
    const ring = this.ring;
    const { capacity, modulus, slotSize, overflow, emaAlpha } = ring.config;
    const i32 = ring.i32;
    const f64 = ring.f64;
    const w = Atomics.load(i32, W_WRITE);
    let result = PUSH_ACCEPTED;
    // totalPushed is bumped only once any eviction is done and counted, just
    // before the slot is published (or with the refusal's totalDropped): a
    // producer terminated between the two has then counted exactly one push
    // too many, which settleInterruptedPush() detects and undoes.
    while (ring.distance(w, this.readCache) >= capacity) {
      const r = Atomics.load(i32, W_READ);
      this.readCache = r;
      if (ring.distance(w, r) < capacity) break;
      if (overflow === 'reject-newest') {
        f64[F_PUSHED] = f64[F_PUSHED]! + 1;
        f64[F_DROPPED] = f64[F_DROPPED]! + 1;
        const ema = f64[F_EMA]!;
        f64[F_EMA] = ema + emaAlpha * (1 - ema);
        return 0;
      }
      // Evict the oldest without waiting for the consumer; only a won CAS counts.
      const next = r + 1 === modulus ? 0 : r + 1;
      if (Atomics.compareExchange(i32, W_READ, r, next) === r) {
        this.readCache = next;
        f64[F_DROPPED] = f64[F_DROPPED]! + 1;
        result |= PUSH_EVICTED;
        break;
      }
    }
    f64[F_PUSHED] = f64[F_PUSHED]! + 1;
    ring.u8.set(this.scratchU8, HEADER_BYTES + (w % capacity) * slotSize);
    Atomics.store(i32, W_WRITE, w + 1 === modulus ? 0 : w + 1);
    const ema = f64[F_EMA]!;
    f64[F_EMA] = ema + emaAlpha * ((result & PUSH_EVICTED) !== 0 ? 1 - ema : 0 - ema);
    // One wake per sleep: the first push that sees the flag takes it (exchange),
    // the pushes after it see 0 and do not ask for another notify.
    if (Atomics.load(i32, W_SLEEPING) !== 0 && Atomics.exchange(i32, W_SLEEPING, 0) !== 0) result |= PUSH_WAKE;
    return result;
  }
}

/** JS consumer: batch copy-out, then commit with a CAS (discarding what the producer evicted meanwhile). */
export class JsRingConsumer implements RingConsumer {
  readonly out: SlotMemory;
  readonly outSlots: number;

  constructor(
    private readonly ring: RingMemory,
    out: SlotMemory,
  ) {
    this.out = out;
    this.outSlots = Math.floor(out.u8.byteLength / ring.config.slotSize);
  }

  poll(max: number): number {
    const ring = this.ring;
    const { capacity, slotSize } = ring.config;
    const i32 = ring.i32;
    const src = ring.u8;
    const dst = this.out.u8;
    const base = HEADER_BYTES;
    if (max > this.outSlots) max = this.outSlots;
    if (max <= 0) return 0;
    for (;;) {
      const r = Atomics.load(i32, W_READ);
      const w = Atomics.load(i32, W_WRITE);
      let avail = ring.distance(w, r);
      if (avail === 0) return 0;
      if (avail > capacity) avail = capacity;
      const n = avail < max ? avail : max;
      const start = r % capacity;
      const first = n < capacity - start ? n : capacity - start;
      // One or two allocations (subarray views; two when the batch wraps) per batch, none per event.
      dst.set(src.subarray(base + start * slotSize, base + (start + first) * slotSize), 0);
      if (first < n) dst.set(src.subarray(base, base + (n - first) * slotSize), first * slotSize);
      const end = (r + n) % ring.config.modulus;
      let expected = r;
      for (;;) {
        const prev = Atomics.compareExchange(i32, W_READ, expected, end);
        if (prev === expected) break;
        // The producer evicted [r, prev): what we copied of [prev, end) is still valid.
        expected = prev;
        if (ring.distance(expected, r) >= n) break;
      }
      const skipped = ring.distance(expected, r);
      if (skipped >= n) continue;
      const kept = n - skipped;
      if (skipped > 0) dst.copyWithin(0, skipped * slotSize, n * slotSize);
      ring.f64[F_POLLED] = ring.f64[F_POLLED]! + kept;
      return kept;
    }
  }
}
