/**
 * settrade-feed: Settrade Open API BidOfferV3 ingestion for Node.js.
 *
 * The root is the consumer's API and nothing more: importing it loads no
 * simulator (aedes, ws server, protobufjs) and no metrics (prom-client).
 * Those are subpath exports: `settrade-feed/sim`, `settrade-feed/metrics`.
 */

// Errors: every error the package throws on purpose is a SettradeFeedError (codes: docs/errors.md)
export { SettradeFeedError, InvalidArgTypeError, NativeError, ERROR_CODES } from './errors.js';
export type { ErrorCode } from './errors.js';

// Backend
export { backend, nativeLoadError } from './native.js';
export type { Backend } from './native.js';

// Events
export { BidAskFlag, isAuction } from './events/types.js';
export type { BestBidAsk, FullBidOffer, BidOfferEvent, ReceiveMeta } from './events/types.js';
export type { EventKind } from './events/slot-layout.js';
export type { SlotView } from './events/slot-reader.js';

// Decoding
export { decodeBestBidAsk, decodeFullBidOffer, ParseError, parseErrorReason } from './codec/index.js';
export type { ParseErrorReason } from './codec/index.js';
export { wallClockNs, monoNs } from './codec/clock.js';

// Dispatcher
export { Dispatcher, ShardedDispatcher, shardOf, DISPATCHER_DEFAULTS, InvalidOptionError, RingHeaderError } from './dispatcher/index.js';
export type {
  AttachOptions,
  DispatcherHandle,
  DispatcherHealth,
  DispatcherOptions,
  DispatcherStats,
  EventsOptions,
  OverflowPolicy,
  RingBackend,
  ShardedDispatcherOptions,
} from './dispatcher/index.js';

// Feed health
export { FeedHealth, FEED_HEALTH_DEFAULTS } from './health/index.js';
export type { FeedHealthOptions, MonoNs } from './health/index.js';

// Transport
export {
  SettradeClient,
  SETTRADE_CLIENT_DEFAULTS,
  SettradeError,
  SettradeAuthError,
  SettradeConfigError,
  SettradeConnectionError,
  SUBSCRIBE_ERROR_TOPIC,
  PRODUCTION_BASE_URL,
  UAT_BASE_URL,
} from './transport/index.js';
export type {
  ClientState,
  MessageListener,
  ReceiveStamp,
  ReconnectInfo,
  ReconnectReason,
  SettradeClientEvents,
  SettradeClientOptions,
  SettradeClientStats,
  SettradeErrorCode,
  SubscribeErrorEvent,
} from './transport/index.js';

// Protocol rules
export { InvalidSymbolError, normalizeSymbol } from './protocol/symbol.js';

// Adapter
export { BidOfferAdapter, AdapterConfigError } from './adapter/index.js';
export type { BidOfferAdapterEvents, BidOfferAdapterOptions, BidOfferAdapterStats } from './adapter/index.js';

// Feed
export { createFeed, FEED_DEFAULTS, FeedWorkerExitedError } from './feed/index.js';
export type { Feed, FeedEvents, FeedOptions, FeedStats, FeedReconnectInfo, FeedReconnectReason } from './feed/index.js';

// Replay of recordings (the reader loads node:fs only)
export { replayFeed, REPLAY_DEFAULTS } from './record/replay.js';
export type { ReplayFeed, ReplayFeedOptions, ReplayFeedStats, ReplayCounters, ReplayTime } from './record/replay.js';
export { RecordingReader, readRecording } from './record/reader.js';
export type { RecordingReaderOptions, RecordingReaderStats, RecordingRecord, RecordView } from './record/reader.js';
export { RecordingFormatError } from './record/reader-errors.js';

// Recording (the `record` option; the writer itself loads only when recording)
export { RecordingWriteError } from './record/errors.js';
export type { RecordingWriteStep } from './record/errors.js';
export type { RecordOptions } from './record/options.js';
export type { RecordingStats } from './record/writer.js';

// Logging
export type { Logger } from './util/logger.js';
