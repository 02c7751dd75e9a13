/**
 * `settrade-feed/relay`: one Settrade session republished to NATS JetStream
 * ({@link createRelay}), and consumers that get the same `Feed` interface as
 * `createFeed` from it ({@link connectRelayFeed}). See docs/scale-out.md.
 */
export { createRelay } from './relay.js';
export type { Relay, RelayEvents, RelayStats, NatsState } from './relay.js';
export { connectRelayFeed } from './consumer.js';
export type { RelayFeed, RelayFeedEvents, RelayFeedStats, RelayFeedCounters, GapEvent } from './consumer.js';
export { RelayConfigError } from './options.js';
export type { RelayOptions, RelayFeedOptions, RelayStart } from './options.js';
export type { PublisherStats, UnpublishedReason } from './publisher.js';
export { RELAY_SUBJECT_PREFIX, RELAY_SUBJECTS, DEFAULT_STREAM, RelayHeader, subjectOf, symbolOfSubject } from './protocol.js';
