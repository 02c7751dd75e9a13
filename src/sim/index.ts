/** The embedded Settrade Open API simulator. */
export {
  Simulator,
  toPublishedBook,
  type SimulatorCredentials,
  type SimulatorStartInfo,
  type SimulatorStats,
  type SimulatorEvents,
  type PublishedMessage,
  type PublishedBook,
  type SimAccounting,
} from './simulator.js';
export { SimulatorFaults } from './faults.js';
export { SimulatorError } from './errors.js';
export { SIMULATOR_DEFAULTS, DEFAULT_UNIVERSE, type SimulatorOptions, type MarketPhase, type PhaseStep, type BurstOptions } from './options.js';
export type { BurstStats } from './burst.js';
export { tickFor, onGrid } from './tick-size.js';
export { bidOfferType, protoPath, MALFORMED_PAYLOADS } from './proto-encoder.js';
export { reconcile, type AccountingReport, type ClientCounts, type SymbolAccounting } from './accounting.js';
export { MAX_BUFFERED_BYTES, type ConnectionAccounting, type ConnectionEnd, type PublisherAccounting } from './fast-publisher.js';
