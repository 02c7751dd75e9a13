/**
 * Producer and consumer backed by the native ring (native/src/ring_binding.cc),
 * over the same memory and protocol as js-ring.ts.
 */
import type { SlotMemory } from '../events/slot-layout.js';
import type { RingProducer, RingConsumer } from './js-ring.js';
import type { NativeRingHandle, RingBinding } from './native-binding.js';

/** Both sides of one native ring handle (the native object caches the geometry once). */
export class NativeRing implements RingProducer, RingConsumer {
  readonly scratch: SlotMemory;
  readonly out: SlotMemory;
  readonly outSlots: number;
  /** The native handle: keeps the ring, scratch and out memory alive. */
  readonly handle: NativeRingHandle;

  constructor(
    private readonly binding: RingBinding,
    buffer: SharedArrayBuffer,
    scratch: SlotMemory,
    out: SlotMemory,
    slotSize: number,
  ) {
    this.scratch = scratch;
    this.out = out;
    this.outSlots = Math.floor(out.u8.byteLength / slotSize);
    this.handle = binding.ringOpen(new Uint8Array(buffer), scratch.u8, out.u8);
  }

  pushScratch(): number {
    return this.binding.ringPush(this.handle);
  }

  /** Decode + stamp + push in one native call; PUSH_* bits or -DecodeStatus. */
  pushPayload(payload: Uint8Array, epoch: number, recvTs?: bigint, recvMonoNs?: bigint): number {
    if (recvTs === undefined || recvMonoNs === undefined) {
      return this.binding.ringPushPayload(this.handle, payload, epoch);
    }
    return this.binding.ringPushPayloadAt(this.handle, payload, epoch, recvTs, recvMonoNs);
  }

  poll(max: number): number {
    return this.binding.ringPoll(this.handle, max > this.outSlots ? this.outSlots : max);
  }
}
