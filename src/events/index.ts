export * from './types.js';
export * from './slot-layout.js';
export * from './slot-reader.js';
export * from './slot-writer.js';
