/**
 * Errors of reading a recording: a file that is not a settrade-feed
 * recording (ERR_RECORDING_FORMAT), or one of a format version this release
 * does not read (ERR_RECORDING_VERSION). Both name the file.
 */
import { SettradeFeedError } from '../errors.js';
import { RECORDING_FORMAT_VERSION } from './format.js';

/** A recording that cannot be read: `path` names the file; `version` is set for ERR_RECORDING_VERSION. */
export class RecordingFormatError extends SettradeFeedError {
  declare readonly code: 'ERR_RECORDING_FORMAT' | 'ERR_RECORDING_VERSION';
  /** The file at fault. */
  readonly path: string;
  /** ERR_RECORDING_VERSION: the version the file declares. */
  readonly version?: number;

  constructor(code: 'ERR_RECORDING_FORMAT' | 'ERR_RECORDING_VERSION', path: string, message: string, version?: number) {
    super(code, `${path}: ${message}`);
    this.name = 'RecordingFormatError';
    this.path = path;
    if (version !== undefined) this.version = version;
  }

  /** Not a recording (bad magic, header CRC, JSON or schema). */
  static format(path: string, message: string): RecordingFormatError {
    return new RecordingFormatError('ERR_RECORDING_FORMAT', path, `not a settrade-feed recording: ${message}`);
  }

  /** A recording of another format version. */
  static version(path: string, version: number): RecordingFormatError {
    return new RecordingFormatError(
      'ERR_RECORDING_VERSION',
      path,
      `recording format version ${version}; this release reads version ${RECORDING_FORMAT_VERSION}`,
      version,
    );
  }
}
