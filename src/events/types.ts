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

/** True when either side is in an opening or closing auction (ATO/ATC): prices are zero then. */
export function isAuction(event: { readonly bidFlag: number; readonly askFlag: number }): boolean {
  return (
    event.bidFlag === BidAskFlag.ATO ||
    event.bidFlag === BidAskFlag.ATC ||
    event.askFlag === BidAskFlag.ATO ||
    event.askFlag === BidAskFlag.ATC
  );
}
