/**
 * The codec hooks the dispatcher uses for `pushPayload` with the JS ring
 * backend: the JS slot decoder, the codec's ParseError and its clocks. (The
 * native ring backend decodes inside its own push call.)
 */
import { ParseError } from '../codec/status.js';
import { decodeIntoSlot } from '../codec/js-decoder.js';
import type { EventKind, SlotMemory } from '../events/slot-layout.js';

export { wallClockNs, monoNs } from '../codec/clock.js';

/** Decodes `payload` into the slot at byte offset `off`; 0 on success, else a DecodeStatus. */
export function decodeIntoScratch(kind: EventKind, payload: Uint8Array, mem: SlotMemory, off: number): number {
  return decodeIntoSlot(kind, payload, mem, off);
}

/** The codec's error for a malformed payload with DecodeStatus `status`. */
export function payloadError(status: number): ParseError {
  return new ParseError(status);
}
