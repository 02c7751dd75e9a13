/**
 * Slot layouts of the two event kinds, mirrored from
 * `native/include/settrade/slot_layout.h` (the source of truth).
 * test/contract.test.ts compares them with the addon's `contract` export
 * (built from the header's constexprs); test/slot-layout.test.ts parses the
 * header too, so the js project checks them without the addon.
 */
export const SlotLayout = {
  recvTsOffset: 0,
  recvMonoNsOffset: 8,
  bidFlagOffset: 16,
  askFlagOffset: 20,
  connectionEpochOffset: 24,
  symbolLengthOffset: 28,
  symbolOffset: 32,
  symbolCapacity: 32,
  headerSize: 64,

  bbaBidOffset: 64,
  bbaAskOffset: 72,
  bbaBidVolOffset: 80,
  bbaAskVolOffset: 88,
  bestBidAskSlotSize: 128,

  depthLevels: 10,
  fboBidPricesOffset: 64,
  fboAskPricesOffset: 144,
  fboBidVolumesOffset: 224,
  fboAskVolumesOffset: 304,
  fullBidOfferSlotSize: 384,

  slotAlignment: 64,
} as const;

export type EventKind = 'bestBidAsk' | 'fullBidOffer';

/** Bytes one queued event of this kind occupies. */
export function slotSize(kind: EventKind): number {
  return kind === 'bestBidAsk' ? SlotLayout.bestBidAskSlotSize : SlotLayout.fullBidOfferSlotSize;
}

/**
 * Typed-array views over one buffer (an ArrayBuffer or a SharedArrayBuffer)
 * that holds slots. All the views start at byte 0 of the same buffer, so a
 * slot at byte offset `o` (a multiple of 64) is `u8[o..]`, `i32[o/4..]`,
 * `f64[o/8..]`, `i64[o/8..]`. Created once per buffer: the hot path allocates nothing.
 */
export interface SlotMemory {
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  /** int64 view: bigint reads/writes in one access (a store of a bigint allocates nothing). */
  readonly i64: BigInt64Array;
}

export function slotMemory(buffer: ArrayBufferLike): SlotMemory {
  return {
    u8: new Uint8Array(buffer),
    i32: new Int32Array(buffer, 0, buffer.byteLength >>> 2),
    u32: new Uint32Array(buffer, 0, buffer.byteLength >>> 2),
    f64: new Float64Array(buffer, 0, buffer.byteLength >>> 3),
    i64: new BigInt64Array(buffer, 0, buffer.byteLength >>> 3),
  };
}
