/**
 * How a feed records (in-thread, or in its worker): a RecordingWriter for the
 * `record` option and a RecordingTap between the client and the adapter.
 * Imported lazily by the feed, only when `record` is given.
 */
import { symbolOfTopic } from '../protocol/symbol.js';
import type { SettradeClient } from '../transport/client.js';
import type { RecordingWriteError } from './errors.js';
import type { ResolvedRecordOptions } from './options.js';
import { RecordingTap } from './recording-tap.js';
import { RecordingWriter } from './writer.js';
import { markValidated } from '../util/options-schema.js';

export { RecordingTap } from './recording-tap.js';
export { RecordingWriter } from './writer.js';

/** What {@link startRecording} needs. */
export interface StartRecordingOptions {
  readonly client: SettradeClient;
  readonly record: ResolvedRecordOptions;
  readonly fullDepth: boolean;
  /** The feed's symbols at start (the first file's header, before the adapter has subscribed). */
  readonly symbols: readonly string[];
  /** Where a recording failure goes (the feed's `error` event). */
  readonly onError: (err: RecordingWriteError) => void;
  /** A restarted feed worker: the rotation index to continue at. */
  readonly firstFileIndex?: number;
  /** A restarted feed worker: its first session is recorded as a reconnect. */
  readonly restarted?: boolean;
  /** Called when a file of the rotation is started. */
  readonly onFile?: (index: number, path: string) => void;
}

/** Opens the recording and returns the tap the adapter reads through. */
export function startRecording(o: StartRecordingOptions): RecordingTap {
  // The feed validated `record` (in this thread, or in the one that started this worker).
  const writer = new RecordingWriter(
    markValidated({
    ...o.record,
    fullDepth: o.fullDepth,
    // The symbols subscribed when each file is opened.
    symbols: () => {
      const now = o.client.subscriptions.map(symbolOfTopic).filter((s): s is string => s !== undefined);
      return now.length > 0 ? now.sort() : o.symbols;
    },
    ...(o.firstFileIndex !== undefined ? { firstFileIndex: o.firstFileIndex } : {}),
    ...(o.onFile ? { onFile: o.onFile } : {}),
    }),
  );
  writer.on('error', o.onError);
  return new RecordingTap({ client: o.client, writer, restarted: o.restarted ?? false });
}
