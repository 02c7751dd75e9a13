/**
 * The receive stamps of the last payload this thread pushed with
 * `Dispatcher.pushPayload` (either backend), with a sequence number that
 * moves on each push. A recording reads them back after the adapter pushed
 * (src/record/recording-tap.ts): the file then holds the very stamps the
 * event got, and the live path stamps once, natively, with no bigint per
 * message.
 *
 * Layout, host byte order (little-endian on every platform Node supports):
 * recvTs i64 at 0, recvMonoNs i64 at 8, sequence u32 at 16.
 */
import { nativeBinding } from '../native.js';

const bytes = new Uint8Array(24);
const i64 = new BigInt64Array(bytes.buffer, 0, 2);

/** The cell as 32-bit words: [recvTs lo, recvTs hi, recvMonoNs lo, recvMonoNs hi, sequence]. */
export const pushStampWords = new Uint32Array(bytes.buffer, 0, 5);

/** Index of the sequence word in {@link pushStampWords}. */
export const PUSH_STAMP_SEQUENCE = 4;

// The addon writes the cell itself when it stamps (one cell per thread: module state is per isolate).
// (An addon built before it existed lacks the function: then the recording stamps in JS.)
if (typeof nativeBinding?.bindPushStampCell === 'function') nativeBinding.bindPushStampCell(bytes);

/** The JS backend's push: records the stamps it wrote into the slot. */
export function notePushStamp(recvTs: bigint, recvMonoNs: bigint): void {
  i64[0] = recvTs;
  i64[1] = recvMonoNs;
  pushStampWords[PUSH_STAMP_SEQUENCE] = (pushStampWords[PUSH_STAMP_SEQUENCE]! + 1) >>> 0;
}
