/**
 * The BidOfferV3 codec: decode a payload into an event slot (native C++ when
 * the addon is loaded, else pure JS; same bytes either way), or into a frozen
 * event object.
 */
import { nativeBinding } from '../native.js';
import { InvalidArgTypeError } from '../errors.js';
import { SlotLayout, slotMemory, type EventKind, type SlotMemory } from '../events/slot-layout.js';
import { readBestBidAsk, readFullBidOffer } from '../events/slot-reader.js';
import { writeMeta } from '../events/slot-writer.js';
import type { BestBidAsk, FullBidOffer, ReceiveMeta } from '../events/types.js';
import { monoNs, wallClockAt } from './clock.js';
import { decodeIntoSlot as jsDecodeIntoSlot } from './js-decoder.js';
import { DecodeStatus, ParseError } from './status.js';

export { DecodeStatus, ParseError, parseErrorReason, type ParseErrorReason } from './status.js';
export { wallClockNs, wallClockAt, monoNs, monoNsNumber } from './clock.js';
export { jsDecodeIntoSlot };
export type { CodecBinding, ByteSource } from './native-binding.js';

/** Signature shared by both backends' slot decoders. */
export type DecodeIntoSlot = (kind: EventKind, payload: Uint8Array, mem: SlotMemory, slotByteOffset: number) => number;

function nativeDecodeIntoSlot(binding: NonNullable<typeof nativeBinding>): DecodeIntoSlot {
  const fbo = binding.decodeFullBidOffer;
  const bba = binding.decodeBestBidAsk;
  return (kind, payload, mem, off) => (kind === 'bestBidAsk' ? bba(payload, mem.u8, off) : fbo(payload, mem.u8, off));
}

/**
 * Decodes `payload` into the slot of kind `kind` at byte offset
 * `slotByteOffset` (a multiple of 8) of `mem`, with the live backend. Writes
 * book, flags and symbol (not the receive metadata). Returns 0
 * (DecodeStatus.OK) or the status of the first error, and then leaves the
 * slot unmodified. Allocates nothing.
 */
export const decodeIntoSlot: DecodeIntoSlot = nativeBinding ? nativeDecodeIntoSlot(nativeBinding) : jsDecodeIntoSlot;

// One private slot for the object-returning API (single-threaded per isolate).
const scratch = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize));

// The scratch decoder: with the addon, functions bound to the scratch slot
// (the slot buffer is unwrapped once, not per message).
const decodeIntoScratch: (kind: EventKind, payload: Uint8Array) => number = (() => {
  if (!nativeBinding) return (kind, payload) => jsDecodeIntoSlot(kind, payload, scratch, 0);
  const bound = nativeBinding.bindSlots(scratch.u8);
  const fbo = bound.decodeFullBidOffer;
  const bba = bound.decodeBestBidAsk;
  return (kind, payload) => (kind === 'bestBidAsk' ? bba(payload) : fbo(payload));
})();

function decodeScratch(kind: EventKind, payload: Uint8Array, meta: Partial<ReceiveMeta> | undefined): void {
  if (!(payload instanceof Uint8Array)) {
    throw new InvalidArgTypeError(`payload must be a Uint8Array (or Buffer), got ${payload === null ? 'null' : typeof payload}`);
  }
  const status = decodeIntoScratch(kind, payload);
  if (status !== DecodeStatus.OK) throw new ParseError(status);
  // One clock read: both timestamps describe the same instant.
  const mono = meta?.recvMonoNs ?? monoNs();
  writeMeta(scratch, 0, meta?.recvTs ?? wallClockAt(mono), mono, meta?.connectionEpoch ?? 0);
}

/**
 * Decodes a BidOfferV3 payload as top of book. Missing metadata defaults to
 * now (wall clock and monotonic, ns) and epoch 0.
 * @throws ParseError when the payload is not a valid BidOfferV3 message.
 */
export function decodeBestBidAsk(payload: Uint8Array, meta?: Partial<ReceiveMeta>): BestBidAsk {
  decodeScratch('bestBidAsk', payload, meta);
  return readBestBidAsk(scratch, 0);
}

/**
 * Decodes a BidOfferV3 payload as the ten-level book. Missing metadata
 * defaults to now (wall clock and monotonic, ns) and epoch 0.
 * @throws ParseError when the payload is not a valid BidOfferV3 message.
 */
export function decodeFullBidOffer(payload: Uint8Array, meta?: Partial<ReceiveMeta>): FullBidOffer {
  decodeScratch('fullBidOffer', payload, meta);
  return readFullBidOffer(scratch, 0);
}
