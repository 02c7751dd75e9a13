/** Functions the ring part of the addon exports (see native/src/ring_binding.cc). */

/** Opaque native ring handle (an N-API external). */
export interface NativeRingHandle {
  readonly __nativeRing: unique symbol;
}

export interface RingBinding {
  /**
   * Opens a ring over `ring` (a Uint8Array over the whole SharedArrayBuffer),
   * with `scratch` (one slot, JS writes events there before `ringPush`) and
   * `out` (a whole number of slots, `ringPoll` copies into it). The handle
   * keeps all three alive.
   */
  ringOpen(ring: Uint8Array, scratch: Uint8Array, out: Uint8Array): NativeRingHandle;
  /** Pushes the scratch slot; returns PUSH_* bits (0: refused by reject-newest). */
  ringPush(handle: NativeRingHandle): number;
  /** Decodes `payload` and pushes it, stamped natively; PUSH_* bits, or -DecodeStatus (ring untouched). */
  ringPushPayload(handle: NativeRingHandle, payload: Uint8Array, epoch: number): number;
  /** As ringPushPayload with the caller's timestamps. */
  ringPushPayloadAt(handle: NativeRingHandle, payload: Uint8Array, epoch: number, recvTs: bigint, recvMonoNs: bigint): number;
  /** Moves up to `max` events into `out`; returns how many. */
  ringPoll(handle: NativeRingHandle, max: number): number;
  /**
   * Faults in every page of `bytes` for writing (madvise MADV_POPULATE_WRITE
   * on Linux, else one atomic add of 0 per page). Returns 1 (madvise),
   * 2 (page by page), 0 (empty) or 3 (the kernel could not populate it,
   * e.g. ENOMEM: nothing was touched).
   */
  preTouchMemory(bytes: Uint8Array): number;
  /** A function that writes the clock of process.hrtime.bigint() (ns) into `cell[0]` and returns nothing (no allocation). */
  bindMonoClock(cell: Float64Array): () => void;
  /** From now on every pushPayload of this thread writes its stamps into `cell` (see src/dispatcher/push-stamp.ts). */
  bindPushStampCell(cell: Uint8Array): void;
}
