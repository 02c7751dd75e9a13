/** Adapter: BidOfferV3 messages to typed events, and the feed (client + adapter + dispatcher, optionally in a worker). */
export { BidOfferAdapter, AdapterConfigError } from './adapter.js';
export type { BidOfferAdapterOptions, BidOfferAdapterStats, BidOfferAdapterEvents, PayloadSink, MessageSource } from './adapter.js';
export { normalizeSymbol, topicOf, symbolOfTopic, InvalidSymbolError, MAX_SYMBOL_BYTES, BIDOFFER_TOPIC_PREFIX } from '../protocol/symbol.js';
export { RateLimitedLog } from '../util/rate-limited-log.js';
export { createFeed, FEED_DEFAULTS, FeedWorkerExitedError } from './feed.js';
export type { Feed, FeedEvents, FeedOptions, FeedStats, FeedReconnectInfo, FeedReconnectReason } from './feed.js';
