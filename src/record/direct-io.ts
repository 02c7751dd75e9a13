/**
 * Direct I/O for the recording: with the addon, the writer's chunks are
 * 4 KiB-aligned native memory and a regular file is opened with O_DIRECT,
 * so the bytes go from the chunk to the disk without being copied into the
 * page cache. On the 2-core VM this was measured on, buffered writes of new
 * pages cost the kernel 1.2-2.6 ns a byte (350-800 ns per record, on the
 * thread pool, competing with the feed for the cores); O_DIRECT 0.1 ns
 * (docs/performance.md). Where O_DIRECT is not possible (no addon, not
 * Linux, a file system refusing it, not a regular file) the file is written
 * through the page cache as before; the bytes are the same either way.
 */
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { nativeBinding } from '../native.js';

/** Alignment of addresses, lengths and file offsets of direct writes (the largest common logical block size). */
export const DIRECT_IO_BLOCK = 4096;

interface AlignedAllocBinding {
  allocAlignedChunk(bytes: number): ArrayBuffer;
}

const binding = nativeBinding as Partial<AlignedAllocBinding> | null;

/**
 * Allocates `bytes` (a multiple of {@link DIRECT_IO_BLOCK}) at an aligned
 * address, or undefined without the addon (or with one that predates it).
 */
export const allocAlignedChunk: ((bytes: number) => ArrayBuffer) | undefined =
  typeof binding?.allocAlignedChunk === 'function' && typeof constants.O_DIRECT === 'number' ? binding.allocAlignedChunk : undefined;

/** `n` rounded up to a multiple of {@link DIRECT_IO_BLOCK}. */
export function roundUpToBlock(n: number): number {
  return Math.ceil(n / DIRECT_IO_BLOCK) * DIRECT_IO_BLOCK;
}

/** An opened recording file, and whether writes to it must be block-aligned (O_DIRECT). */
export interface RecordingFile {
  readonly fh: FileHandle;
  readonly direct: boolean;
}

/**
 * Opens `path` for writing, truncated: with O_DIRECT when `tryDirect` and
 * it is (or will be) a regular file whose file system accepts it, else as a
 * plain `'w'` open. Rejects only when the plain open fails.
 */
export async function openRecordingFile(path: string, tryDirect: boolean): Promise<RecordingFile> {
  // Only a regular file (or a new one) is tried: opening a FIFO twice would
  // end its reader's input at the first close and then wait for a reader.
  if (tryDirect && (await existingNonFile(path))) tryDirect = false;
  if (tryDirect) {
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DIRECT, 0o666);
      if ((await fh.stat()).isFile()) return { fh, direct: true };
    } catch {
      // EINVAL (tmpfs and others refuse O_DIRECT) and the like: the plain open below says what is really wrong, if anything.
    }
    await fh?.close().catch(() => undefined);
  }
  return { fh: await open(path, 'w'), direct: false };
}

/** Reopens `path` (already written) without O_DIRECT, keeping its bytes: a direct write was refused after all. */
export async function reopenBuffered(path: string): Promise<FileHandle> {
  return open(path, 'r+');
}

/** True when `path` exists and is not a regular file (a FIFO, a device, a directory). */
async function existingNonFile(path: string): Promise<boolean> {
  try {
    return !(await stat(path)).isFile();
  } catch {
    return false; // absent (created as a regular file), or the open says what is wrong
  }
}
