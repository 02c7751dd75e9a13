/** FeedHealth: global and per-symbol feed liveness on the monotonic clock. */
export { FeedHealth, FEED_HEALTH_DEFAULTS } from './feed-health.js';
export type { FeedHealthOptions, MonoNs } from './feed-health.js';
