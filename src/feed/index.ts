/** The feed: client + adapter + rings, in a supervised worker (default) or in-thread. */
export { createFeed, FEED_DEFAULTS, FeedWorkerExitedError } from './feed.js';
export type { Feed, FeedEvents, FeedOptions, FeedStats, FeedReconnectInfo, FeedReconnectReason } from './feed.js';
