/**
 * settrade-feed: Settrade Open API BidOfferV3 ingestion for Node.js.
 * See README.md for the guide and DESIGN notes.
 */
export { backend, nativeLoadError } from './native.js';
export type { Backend } from './native.js';
export * from './events/index.js';
export * from './codec/index.js';
export * from './dispatcher/index.js';
export * from './health/index.js';
export * from './transport/index.js';
export * from './adapter/index.js';
export * from './sim/index.js';
export * from './metrics/index.js';
