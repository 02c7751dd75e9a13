/**
 * The codec hooks the dispatcher uses for `pushPayload`: the JS decoder
 * (decode into a scratch slot) and the ParseError the codec throws.
 * PLACEHOLDER until src/codec lands its JS decoder.
 */
import type { EventKind, SlotMemory } from '../events/slot-layout.js';

/** Decodes `payload` into the slot at byte offset `off`; 0 on success, else a DecodeStatus. */
export function decodeIntoScratch(_kind: EventKind, _payload: Uint8Array, _mem: SlotMemory, _off: number): number {
  return 1;
}

/** The codec's error for a malformed payload with DecodeStatus `status`. */
export function payloadError(status: number): Error {
  return new Error(`malformed payload (status ${status})`);
}

/** Wall-clock time, exact integer ns. */
export function wallClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
