export * from './types.js';
export * from './slot-layout.js';
