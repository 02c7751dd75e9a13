/**
 * Errors raised by the transport. Every one carries a stable `code`; none
 * ever contains the app secret, an access or dispatcher token, or a login
 * signature (messages are built from fixed text, field names, URLs without
 * credentials and HTTP statuses only).
 */

/** Codes of {@link SettradeError}. */
export type SettradeErrorCode =
  | 'CONFIG_INVALID'
  | 'INSECURE_URL'
  | 'SECRET_INVALID'
  | 'AUTH_REJECTED'
  | 'HTTP_ERROR'
  | 'HTTP_TIMEOUT'
  | 'RESPONSE_INVALID'
  | 'NETWORK_ERROR'
  | 'MQTT_AUTH_REJECTED'
  | 'MQTT_CONNECT_FAILED'
  | 'RETRIES_EXHAUSTED'
  | 'SHUTDOWN'
  /** The feed's worker thread kept dying: the feed gave up (FeedWorkerExitedError). */
  | 'WORKER_EXITED';

/** Base class of every transport error. */
export class SettradeError extends Error {
  /** Stable machine-readable reason. */
  readonly code: SettradeErrorCode;

  constructor(code: SettradeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SettradeError';
    this.code = code;
  }
}

/** Invalid options or an unsafe connection target; thrown synchronously, never retried. */
export class SettradeConfigError extends SettradeError {
  /** The option at fault, e.g. `baseUrl` or `maxRetries`. */
  readonly field: string;

  constructor(field: string, message: string, code: SettradeErrorCode = 'CONFIG_INVALID') {
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
    return this.code === 'AUTH_REJECTED';
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
  return err instanceof SettradeError && (err.code === 'AUTH_REJECTED' || err.code === 'MQTT_AUTH_REJECTED');
}
