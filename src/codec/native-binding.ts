/** Functions the codec part of the addon exports (see native/src/codec_binding.cc). */

/** Bytes the addon accepts: any TypedArray/Buffer (its bytes), or an ArrayBuffer (pass a SharedArrayBuffer as a view: N-API 8 cannot read one directly). */
export type ByteSource = ArrayBufferView | ArrayBufferLike;

export interface CodecBinding {
  /**
   * Decodes a BidOfferV3 payload into the FullBidOffer slot at byte offset
   * `slotByteOffset` (a multiple of 8; the whole 384-byte slot inside `slots`).
   * Returns the DecodeStatus (0 = ok); a malformed payload is not an exception.
   * Throws a NativeError: ERR_INVALID_ARG_TYPE for a wrong argument type, ERR_INVALID_ARG_VALUE for a bad offset.
   */
  decodeFullBidOffer(payload: ByteSource, slots: ByteSource, slotByteOffset: number): number;
  /** As decodeFullBidOffer, into a 128-byte BestBidAsk slot (level 1 only, same validation). */
  decodeBestBidAsk(payload: ByteSource, slots: ByteSource, slotByteOffset: number): number;
  /**
   * Decodes `count` payloads in one call: payload i is `data[offsets[i], offsets[i + 1])`,
   * decoded into the slot at `slotByteOffset + i * slotSize`, its status written to
   * `statuses[i]`. `kind` 0 = BestBidAsk, 1 = FullBidOffer. Returns how many decoded ok.
   */
  decodeBatch(
    kind: 0 | 1,
    data: ByteSource,
    offsets: Int32Array,
    count: number,
    slots: ByteSource,
    slotByteOffset: number,
    statuses: Int32Array,
  ): number;
  /**
   * Decoders bound to one slot buffer: the buffer is unwrapped once here
   * rather than on every call (the per-message path of the public API). Each
   * function keeps `slots` alive.
   */
  bindSlots(slots: Uint8Array): BoundDecoders;
  /** Which C++ decoder variant runs: 'bmi2' (PEXT/TZCNT) or 'portable'. */
  readonly decoderVariant: 'bmi2' | 'portable';
}

/** Decoders over the slot buffer given to `bindSlots`; same statuses and errors as the unbound ones. */
export interface BoundDecoders {
  /** Offset omitted: the slot at byte 0 (one argument less to convert per call). */
  decodeFullBidOffer(payload: ByteSource, slotByteOffset?: number): number;
  decodeBestBidAsk(payload: ByteSource, slotByteOffset?: number): number;
}
