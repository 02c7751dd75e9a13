/** Adapter: BidOfferV3 messages to typed events, decoded straight into a ring slot. */
export { BidOfferAdapter, AdapterConfigError } from './adapter.js';
export type { BidOfferAdapterOptions, BidOfferAdapterStats, BidOfferAdapterEvents, PayloadSink, MessageSource } from './adapter.js';
export { RateLimitedLog } from '../util/rate-limited-log.js';
