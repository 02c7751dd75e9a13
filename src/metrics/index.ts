export { createMetrics, METRICS_DEFAULTS, CLIENT_STATES } from './registry.js';
export type { MetricsOptions } from './registry.js';
export { serveMetrics, SERVE_METRICS_DEFAULTS, MetricsServerError } from './server.js';
export type { ServeMetricsOptions, MetricsServer } from './server.js';
export type * from './sources.js';
