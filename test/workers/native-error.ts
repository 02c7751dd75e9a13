/**
 * Worker entry of test/errors.test.ts: the addon's errors are
 * SettradeFeedErrors in a worker thread too (each environment registers
 * NativeError with the addon when it loads src/native.ts).
 */
import { parentPort } from 'node:worker_threads';
import { SettradeFeedError } from '../../src/errors.js';
import { nativeBinding } from '../../src/native.js';

let report: { feedError: boolean; name: string; code: unknown } | null = null;
try {
  nativeBinding?.bindSlots(new Int32Array(8) as unknown as Uint8Array);
} catch (err) {
  report = { feedError: err instanceof SettradeFeedError, name: (err as Error).name, code: (err as { code?: unknown }).code };
}
parentPort?.postMessage(report);
