/** Dispatcher: the shared-memory SPSC event ring, its sharded form, and their options. */
export { Dispatcher } from './dispatcher.js';
export type { DispatcherHandle, AttachOptions, DispatcherStats, DispatcherHealth, EventsOptions } from './dispatcher.js';
export { DISPATCHER_DEFAULTS } from './options.js';
export type { DispatcherOptions, RingBackend } from './options.js';
export type { OverflowPolicy } from './ring-layout.js';
export { RingHeaderError } from './ring-layout.js';
export { InvalidOptionError } from './errors.js';
export { ShardedDispatcher, shardOf } from './sharded.js';
export type { ShardedDispatcherOptions } from './sharded.js';
