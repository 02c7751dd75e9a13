/**
 * The `record` option (of `createFeed`, and of {@link RecordingWriter}):
 * one zod schema for the type, the defaults and the checks. Kept apart from
 * the writer so validating a feed's options loads no file I/O code.
 */
import type { z } from 'zod';
import { lazy, msSchema } from '../util/options-schema.js';

/** Defaults of {@link RecordOptions}. */
export const RECORD_DEFAULTS = {
  fsync: 1000,
  flushIntervalMs: 50,
  maxPendingBytes: 64 * 1024 * 1024,
} as const;

/** Smallest `rotate.maxBytes`: below a few KiB a file would hold little more than its header. */
export const MIN_ROTATE_BYTES = 4096;

/** The `record` option: where and how to record every received message. */
export const recordOptionsSchema = lazy((z) =>
  z.strictObject({
  /**
   * The first file of the recording (overwritten if it exists). Rotated
   * files are `path.0001`, `path.0002`... (docs/recording-format.md).
   */
  path: z.string().min(1, 'must be a non-empty file path'),
  /**
   * When written data is forced to disk (fsync): every `fsync` ms (default
   * 1000; 0 = after every batch write), or `'never'` (the OS decides; the
   * file is still synced on close). What a crash can lose is at most the
   * last interval's records.
   */
  fsync: z.union([msSchema(), z.literal('never')]).default(RECORD_DEFAULTS.fsync),
  /** Start a new file when the current one reaches `maxBytes` or is `maxSeconds` old. Default: one file. */
  rotate: z
    .strictObject({
      /** Bytes per file (at least 4096); a file ends before the record that would exceed it. */
      maxBytes: z.number().int().min(MIN_ROTATE_BYTES).max(Number.MAX_SAFE_INTEGER).optional(),
      /** Seconds per file (> 0). */
      maxSeconds: z.number().positive().max(365 * 24 * 3600).optional(),
    })
    .optional(),
  /** Longest a received message waits in memory before its batch is written (ms, 1 to 10,000; default 50). */
  flushIntervalMs: msSchema().min(1).max(10_000).default(RECORD_DEFAULTS.flushIntervalMs),
  /**
   * Bound on bytes waiting to be written (default 64 MiB, at least 1 MiB):
   * when the disk is slower than the feed, records beyond it are dropped
   * and counted (`droppedRecords`), never buffered without limit.
   */
  maxPendingBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .max(2 ** 32)
    .default(RECORD_DEFAULTS.maxPendingBytes),
}),
);

/** The `record` option as given. */
export type RecordOptions = z.input<ReturnType<typeof recordOptionsSchema>>;
/** The `record` option after validation, defaults filled in. */
export type ResolvedRecordOptions = z.output<ReturnType<typeof recordOptionsSchema>>;
