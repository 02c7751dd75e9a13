/**
 * The recording's write error (code ERR_RECORDING_WRITE): raised as an
 * `error` event by the writer and the feed, never thrown at the live path.
 * A SettradeError (so a SettradeFeedError), like every error a feed emits:
 * the feed's `error` listeners keep their type.
 */
import { SettradeError } from '../transport/errors.js';

/** Which step of the recording failed. */
export type RecordingWriteStep = 'open' | 'write' | 'fsync' | 'close';

/**
 * The recording file could not be opened, written, synced or closed (an
 * unwritable path, a full disk). The live feed goes on; the recording stops
 * and the records it could not write are counted (`droppedRecords`).
 * The message names the path and the system error code (ENOSPC, EACCES...),
 * nothing else: a recording path is not a secret, a credential never appears.
 */
export class RecordingWriteError extends SettradeError {
  declare readonly code: 'ERR_RECORDING_WRITE';
  /** The file the step was about. */
  readonly path: string;
  /** Which step failed. */
  readonly step: RecordingWriteStep;
  /** The system error code of the cause (`ENOSPC`, `EACCES`, `ENOTDIR`...), when it had one. */
  readonly causeCode: string | undefined;

  /** @param step what failed; @param path the file; @param cause the underlying error (kept as `cause`). */
  constructor(step: RecordingWriteStep, path: string, cause: unknown) {
    const causeCode = systemCode(cause);
    const what = cause instanceof Error ? cause.message : String(cause);
    super('ERR_RECORDING_WRITE', `recording ${step} failed for ${path}: ${causeCode ?? what}; recording stopped, the live feed goes on`, { cause });
    this.name = 'RecordingWriteError';
    this.path = path;
    this.step = step;
    this.causeCode = causeCode;
  }
}

function systemCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
