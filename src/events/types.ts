import type { EventKind } from './slot-layout.js';

/** Bid/ask flag of a BidOfferV3 message. Values outside the enum are kept as numbers. */
export const BidAskFlag = {
  UNDEFINED: 0,
  NORMAL: 1,
  /** At-the-opening auction: prices are zero. */
  ATO: 2,
  /** At-the-close auction: prices are zero. */
  ATC: 3,
} as const;
export type BidAskFlag = (typeof BidAskFlag)[keyof typeof BidAskFlag];

/**
 * Where and when an event was received. Timestamps are exact integer
 * nanoseconds (bigint): `recvTs` is the wall clock (for correlating with other
 * systems), `recvMonoNs` the monotonic clock (`process.hrtime.bigint()`, for
 * latency). `connectionEpoch` counts reconnects: 0 on the first connection.
 */
export interface ReceiveMeta {
  readonly recvTs: bigint;
  readonly recvMonoNs: bigint;
  readonly connectionEpoch: number;
}

/** Top of book. Volumes are exact up to 2^53 (SET volumes are far below). */
export interface BestBidAsk extends ReceiveMeta {
  readonly symbol: string;
  readonly bid: number;
  readonly ask: number;
  readonly bidVol: number;
  readonly askVol: number;
  /** A `BidAskFlag` value, or the raw number when the feed sends an unknown one. */
  readonly bidFlag: number;
  readonly askFlag: number;
}

/** Ten levels a side; level 1 is index 0. Missing levels are zero. */
export interface FullBidOffer extends ReceiveMeta {
  readonly symbol: string;
  readonly bidPrices: readonly number[];
  readonly askPrices: readonly number[];
  readonly bidVolumes: readonly number[];
  readonly askVolumes: readonly number[];
  readonly bidFlag: number;
  readonly askFlag: number;
}

export type BidOfferEvent = BestBidAsk | FullBidOffer;

/** Narrows an event of either kind (e.g. of a `Dispatcher<EventKind>`) to a FullBidOffer. */
export function isFullBidOffer(event: BidOfferEvent): event is FullBidOffer {
  return 'bidPrices' in event;
}

/** Narrows an event of either kind to a BestBidAsk. */
export function isBestBidAsk(event: BidOfferEvent): event is BestBidAsk {
  return !('bidPrices' in event);
}

/** The event type of each event kind. */
export interface EventByKind {
  bestBidAsk: BestBidAsk;
  fullBidOffer: FullBidOffer;
}

/** The event of kind `K` (`EventOf<EventKind>` is either event). */
export type EventOf<K extends EventKind> = EventByKind[K];

/**
 * What a ring of kind `K` accepts from `push`: its own event; a bestBidAsk
 * ring also takes a FullBidOffer (its level 1 is written).
 */
export type AcceptedEvent<K extends EventKind> = K extends 'bestBidAsk' ? BidOfferEvent : FullBidOffer;

/** The event kind of `fullDepth` (`KindForDepth<boolean>` is either kind). */
export type KindForDepth<F extends boolean> = F extends true ? 'fullBidOffer' : 'bestBidAsk';

/** The event kind a feed or adapter with this `fullDepth` produces. */
export function kindForDepth<F extends boolean>(fullDepth: F): KindForDepth<F> {
  // A conditional type on a type parameter cannot be narrowed by a runtime check: the one cast.
  return (fullDepth ? 'fullBidOffer' : 'bestBidAsk') as KindForDepth<F>;
}

/** True when either side is in an opening or closing auction (ATO/ATC): prices are zero then. */
export function isAuction(event: { readonly bidFlag: number; readonly askFlag: number }): boolean {
  return (
    event.bidFlag === BidAskFlag.ATO ||
    event.bidFlag === BidAskFlag.ATC ||
    event.askFlag === BidAskFlag.ATO ||
    event.askFlag === BidAskFlag.ATC
  );
}
