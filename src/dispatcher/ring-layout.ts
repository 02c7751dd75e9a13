/**
 * Header layout of a ring in its SharedArrayBuffer, mirrored from
 * `native/include/settrade/spsc_ring.h` (the two must agree byte for byte:
 * test/contract.test.ts compares every constant here with the addon's
 * `contract` export, built from that header). See docs/ring-protocol.md for
 * the protocol.
 */
import { SettradeFeedError } from '../errors.js';
import { slotSize, type EventKind } from '../events/slot-layout.js';

/** Byte offsets in the ring header. Line 0 is immutable config; each mutable word has its own cache line. */
export const RingHeader = {
  magicOffset: 0,
  versionOffset: 4,
  kindOffset: 8,
  slotSizeOffset: 12,
  capacityOffset: 16,
  overflowOffset: 20,
  modulusOffset: 24,
  headerBytesOffset: 28,
  emaAlphaOffset: 32,
  writeIndexOffset: 64,
  readIndexOffset: 128,
  sleepingOffset: 192,
  pushedOffset: 256,
  droppedOffset: 320,
  polledOffset: 384,
  dropRateEmaOffset: 448,
  dropWarnedOffset: 456,
  closedOffset: 460,
  headerBytes: 512,
} as const;

export const RING_MAGIC = 0x47525453;
export const RING_VERSION = 1;
/** Largest ring (slots). Keeps indices modulo <= 2^30 with room for ~64 laps. */
export const MAX_RING_CAPACITY = 1 << 24;
/** Indices live in [0, modulus), modulus <= this (spsc_ring.h kIndexLimit). */
export const INDEX_LIMIT = 2 ** 30;

/** Header codes of the overflow policies (spsc_ring.h `Overflow`). */
export const OVERFLOW_CODE = { 'drop-oldest': 0, 'reject-newest': 1 } as const;

/** Push result bits (shared with the native producer). */
export const PUSH_ACCEPTED = 1;
export const PUSH_EVICTED = 2;
export const PUSH_WAKE = 4;

export type OverflowPolicy = 'drop-oldest' | 'reject-newest';

/** Int32/Float64 element indices of the header words (offset / 4 or / 8). */
export const W = {
  kind: RingHeader.kindOffset >> 2,
  slotSize: RingHeader.slotSizeOffset >> 2,
  capacity: RingHeader.capacityOffset >> 2,
  overflow: RingHeader.overflowOffset >> 2,
  modulus: RingHeader.modulusOffset >> 2,
  writeIndex: RingHeader.writeIndexOffset >> 2,
  readIndex: RingHeader.readIndexOffset >> 2,
  sleeping: RingHeader.sleepingOffset >> 2,
  dropWarned: RingHeader.dropWarnedOffset >> 2,
  closed: RingHeader.closedOffset >> 2,
  emaAlpha: RingHeader.emaAlphaOffset >> 3,
  pushed: RingHeader.pushedOffset >> 3,
  dropped: RingHeader.droppedOffset >> 3,
  polled: RingHeader.polledOffset >> 3,
  dropRateEma: RingHeader.dropRateEmaOffset >> 3,
} as const;

/** Largest multiple of `capacity` that is <= 2^30. */
export function indexModulus(capacity: number): number {
  return Math.floor(INDEX_LIMIT / capacity) * capacity;
}

/** The immutable configuration of a ring, read from its header. */
export interface RingConfig {
  readonly kind: EventKind;
  readonly slotSize: number;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly modulus: number;
  readonly emaAlpha: number;
}

/** Allocates and initializes a ring (before any other thread can see it). */
export function createRing(kind: EventKind, capacity: number, overflow: OverflowPolicy, emaAlpha: number): SharedArrayBuffer {
  const size = slotSize(kind);
  const sab = new SharedArrayBuffer(RingHeader.headerBytes + size * capacity);
  const i32 = new Int32Array(sab, 0, RingHeader.headerBytes >> 2);
  const f64 = new Float64Array(sab, 0, RingHeader.headerBytes >> 3);
  i32[RingHeader.magicOffset >> 2] = RING_MAGIC;
  i32[RingHeader.versionOffset >> 2] = RING_VERSION;
  i32[W.kind] = kind === 'bestBidAsk' ? 0 : 1;
  i32[W.slotSize] = size;
  i32[W.capacity] = capacity;
  i32[W.overflow] = OVERFLOW_CODE[overflow];
  i32[W.modulus] = indexModulus(capacity);
  i32[RingHeader.headerBytesOffset >> 2] = RingHeader.headerBytes;
  f64[W.emaAlpha] = emaAlpha;
  return sab;
}

/** Thrown by `readRingConfig` for memory that is not a ring this version understands. */
export class RingHeaderError extends SettradeFeedError {
  declare readonly code: 'ERR_RING_HEADER';
  /** @param message what is wrong with the header. */
  constructor(message: string) {
    super('ERR_RING_HEADER', message);
    this.name = 'RingHeaderError';
  }
}

/** Validates the header of `sab` and returns its configuration. */
export function readRingConfig(sab: SharedArrayBuffer): RingConfig {
  if (sab.byteLength < RingHeader.headerBytes) throw new RingHeaderError('ring: buffer smaller than the ring header');
  const i32 = new Int32Array(sab, 0, RingHeader.headerBytes >> 2);
  const f64 = new Float64Array(sab, 0, RingHeader.headerBytes >> 3);
  if (i32[RingHeader.magicOffset >> 2] !== RING_MAGIC) throw new RingHeaderError('ring: bad magic (not a ring buffer)');
  if (i32[RingHeader.versionOffset >> 2] !== RING_VERSION) throw new RingHeaderError('ring: unsupported version');
  const kindCode = i32[W.kind];
  const kind: EventKind | undefined = kindCode === 0 ? 'bestBidAsk' : kindCode === 1 ? 'fullBidOffer' : undefined;
  const capacity = i32[W.capacity]!;
  const overflowCode = i32[W.overflow];
  const emaAlpha = f64[W.emaAlpha]!;
  if (
    kind === undefined ||
    i32[W.slotSize] !== slotSize(kind) ||
    !(capacity >= 1 && capacity <= MAX_RING_CAPACITY) ||
    (overflowCode !== OVERFLOW_CODE['drop-oldest'] && overflowCode !== OVERFLOW_CODE['reject-newest']) ||
    i32[W.modulus] !== indexModulus(capacity) ||
    i32[RingHeader.headerBytesOffset >> 2] !== RingHeader.headerBytes ||
    !(emaAlpha > 0 && emaAlpha <= 1)
  ) {
    throw new RingHeaderError('ring: inconsistent header configuration');
  }
  const size = slotSize(kind);
  if (sab.byteLength < RingHeader.headerBytes + size * capacity) throw new RingHeaderError('ring: buffer smaller than its slots');
  return {
    kind,
    slotSize: size,
    capacity,
    overflow: overflowCode === OVERFLOW_CODE['drop-oldest'] ? 'drop-oldest' : 'reject-newest',
    modulus: i32[W.modulus]!,
    emaAlpha,
  };
}
