/**
 * Events of the cross-thread stress tests: each carries a sequence number and
 * values derived from it in several cache lines of the slot, so a torn copy
 * (bytes of two different events) is detected, not only a wrong sequence.
 */
import { SlotLayout as L, type EventKind, type SlotMemory } from '../../src/events/slot-layout.js';
import { isFullBidOffer, type BidOfferEvent } from '../../src/events/types.js';

const TWO32 = 4294967296;

/** The checksum stored in askVol (an integer below 2^53). */
export function checksum(seq: number): number {
  return ((Math.imul(seq, 0x9e3779b1) >>> 0) * 1024 + (seq % 1021)) % 2 ** 52;
}

function bidVolOffset(kind: EventKind): number {
  return kind === 'bestBidAsk' ? L.bbaBidVolOffset : L.fboBidVolumesOffset;
}
function askVolOffset(kind: EventKind): number {
  return kind === 'bestBidAsk' ? L.bbaAskVolOffset : L.fboAskVolumesOffset + 8 * (L.depthLevels - 1);
}

/** Writes event `seq` into the slot at byte offset 0 of `mem` with plain typed-array stores. */
export function writeStressEvent(kind: EventKind, mem: SlotMemory, seq: number): void {
  const i32 = mem.i32;
  let i = bidVolOffset(kind) >> 2;
  i32[i] = seq % TWO32;
  i32[i + 1] = Math.floor(seq / TWO32);
  const c = checksum(seq);
  i = askVolOffset(kind) >> 2;
  i32[i] = c % TWO32;
  i32[i + 1] = Math.floor(c / TWO32);
  mem.f64[L.bbaBidOffset >> 3] = seq; // bid (level 1 in both layouts)
  i32[L.recvMonoNsOffset >> 2] = seq ^ 0x5a5a5a5a; // first cache line
  mem.u8[L.symbolLengthOffset] = 3;
  mem.u8[L.symbolOffset] = 0x53; // 'S'
  mem.u8[L.symbolOffset + 1] = 0x45; // 'E'
  mem.u8[L.symbolOffset + 2] = 0x51; // 'Q'
}

/** Reads the sequence number of the slot at `off`, or -1 when the slot is not an intact stress event. */
export function readStressEvent(kind: EventKind, mem: SlotMemory, off: number): number {
  const i32 = mem.i32;
  const u32 = mem.u32;
  let i = (off + bidVolOffset(kind)) >> 2;
  const seq = i32[i + 1]! * TWO32 + u32[i]!;
  i = (off + askVolOffset(kind)) >> 2;
  const c = i32[i + 1]! * TWO32 + u32[i]!;
  if (c !== checksum(seq)) return -1;
  if (mem.f64[(off + L.bbaBidOffset) >> 3] !== seq) return -1;
  if (i32[(off + L.recvMonoNsOffset) >> 2] !== (seq ^ 0x5a5a5a5a)) return -1;
  return seq;
}

/** The same check on a polled event object: its sequence number, or -1 when it is not an intact stress event. */
export function stressSeqOfEvent(e: BidOfferEvent): number {
  const full = isFullBidOffer(e);
  const seq = full ? e.bidVolumes[0]! : e.bidVol;
  const c = full ? e.askVolumes[L.depthLevels - 1]! : e.askVol;
  if (c !== checksum(seq)) return -1;
  if ((full ? e.bidPrices[0]! : e.bid) !== seq) return -1;
  if (Number(BigInt.asIntN(32, e.recvMonoNs)) !== (seq ^ 0x5a5a5a5a)) return -1;
  return seq;
}
