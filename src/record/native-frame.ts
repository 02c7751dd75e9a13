/**
 * The recording's native framing target (native/src/record_frame.h): with
 * the addon, the push that stamps and decodes a message also frames its
 * MESSAGE record into the chunk the recording is filling (its CRC is
 * filled per chunk, as for JS-framed records), so the live path's JS only
 * arms a cell before the adapter pushes and reads it back after. One target per thread (addon state is per environment);
 * the writer using it is its owner, and another writer of the same thread
 * takes it over by first letting the owner take back what was framed.
 *
 * Cell layout (Uint32Array, host byte order), mirrored by RecordCellWord:
 * armed topic id (0 = disarmed) | epoch | payload length | write offset |
 * limit | records framed since the owner last took them over.
 */
import { nativeBinding } from '../native.js';

/** The addon's side of the target; absent from an older prebuild. */
export interface NativeFrameBinding {
  /** From now on this thread's pushes read and update `cell`. */
  bindRecordCell(cell: Uint32Array): void;
  /** The chunk armed records are framed into (kept alive by the addon until the next bind). */
  bindRecordChunk(chunk: Uint8Array): void;
}

export const RECORD_CELL_TOPIC = 0;
export const RECORD_CELL_EPOCH = 1;
export const RECORD_CELL_LENGTH = 2;
export const RECORD_CELL_OFFSET = 3;
export const RECORD_CELL_LIMIT = 4;
export const RECORD_CELL_FRAMED = 5;
const RECORD_CELL_WORDS = 6;

/** Who frames records into the bound chunk, and how it takes back what the pushes framed. */
export interface NativeFrameOwner {
  /** Moves the records framed natively into the owner's own counters (before anyone else uses the target). */
  takeBack(): void;
}

/** The thread's target: the cell and its current owner and chunk. */
export interface NativeFrameTarget {
  readonly cell: Uint32Array;
  owner: NativeFrameOwner | undefined;
  /** Binds `chunk` unless it is the one bound already. */
  bindChunk(chunk: Uint8Array): void;
}

function createTarget(): NativeFrameTarget | undefined {
  const binding = nativeBinding as Partial<NativeFrameBinding> | null;
  if (typeof binding?.bindRecordCell !== 'function' || typeof binding.bindRecordChunk !== 'function') return undefined;
  const bindRecordChunk = binding.bindRecordChunk;
  // Over an ArrayBuffer of its own: never a small on-heap typed array the GC could move under the addon's pointer.
  const cell = new Uint32Array(new ArrayBuffer(RECORD_CELL_WORDS * 4));
  binding.bindRecordCell(cell);
  let bound: Uint8Array | undefined;
  return {
    cell,
    owner: undefined,
    bindChunk(chunk: Uint8Array): void {
      if (chunk === bound) return;
      bindRecordChunk(chunk);
      bound = chunk;
    },
  };
}

/**
 * This thread's target, or undefined when the addon is not loaded
 * (`SETTRADE_FEED_BACKEND=js`) or predates it: the writer frames in JS then.
 */
export const nativeFrameTarget: NativeFrameTarget | undefined = createTarget();
