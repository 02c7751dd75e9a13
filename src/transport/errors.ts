/**
 * Errors raised by the transport. Every one carries a stable `code`; none
 * ever contains the app secret, an access or dispatcher token, or a login
 * signature (messages are built from fixed text, field names, URLs without
 * credentials and HTTP statuses only).
 */
import { SettradeFeedError, type ErrorCode } from '../errors.js';

/** Codes of {@link SettradeError} (a subset of {@link ErrorCode}). */
export type SettradeErrorCode = Extract<
  ErrorCode,
  | 'ERR_CONFIG_INVALID'
  | 'ERR_INSECURE_URL'
  | 'ERR_SECRET_INVALID'
  | 'ERR_AUTH_REJECTED'
  | 'ERR_HTTP_ERROR'
  | 'ERR_HTTP_TIMEOUT'
  | 'ERR_RESPONSE_INVALID'
  | 'ERR_NETWORK_ERROR'
  | 'ERR_MQTT_AUTH_REJECTED'
  | 'ERR_MQTT_CONNECT_FAILED'
  | 'ERR_RETRIES_EXHAUSTED'
  | 'ERR_SHUTDOWN'
  /** The feed's worker thread kept dying: the feed gave up (FeedWorkerExitedError). */
  | 'ERR_WORKER_EXITED'
  /** The feed's worker failed with an error that carried no code of its own. */
  | 'ERR_INTERNAL'
  /** The feed's recording could not be written (RecordingWriteError, src/record). */
  | 'ERR_RECORDING_WRITE'
>;

/** Base class of every transport error (and of the feed's). */
export class SettradeError extends SettradeFeedError {
  declare readonly code: SettradeErrorCode;

  constructor(code: SettradeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SettradeError';
  }
}

/** Invalid options or an unsafe connection target; thrown synchronously, never retried. */
export class SettradeConfigError extends SettradeError {
  /** The option at fault, e.g. `baseUrl` or `maxRetries`. */
  readonly field: string;

  constructor(field: string, message: string, code: SettradeErrorCode = 'ERR_CONFIG_INVALID') {
    super(code, `${field}: ${message}`);
    this.name = 'SettradeConfigError';
    this.field = field;
  }
}

/** The REST requests of the login flow. */
export type AuthStep = 'login' | 'refresh' | 'token';

/** The REST API refused or failed a request (login, refresh or dispatcher token). */
export class SettradeAuthError extends SettradeError {
  /** HTTP status when the server answered, else undefined. */
  readonly status: number | undefined;
  /** Which request: 'login', 'refresh' (refresh-token) or 'token' (dispatcher token). */
  readonly step: AuthStep;

  constructor(
    code: SettradeErrorCode,
    step: AuthStep,
    message: string,
    status?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'SettradeAuthError';
    this.step = step;
    this.status = status;
  }

  /** True for 401/403: the credentials themselves are wrong or expired. */
  get isAuthRejection(): boolean {
    return this.code === 'ERR_AUTH_REJECTED';
  }
}

/** An MQTT session could not be established or was refused. */
export class SettradeConnectionError extends SettradeError {
  constructor(code: SettradeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SettradeConnectionError';
  }
}

/** True when `err` means the server refused our credentials (retrying at once would storm). */
export function isAuthRejection(err: unknown): boolean {
  return err instanceof SettradeError && (err.code === 'ERR_AUTH_REJECTED' || err.code === 'ERR_MQTT_AUTH_REJECTED');
}
