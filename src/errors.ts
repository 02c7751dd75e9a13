/**
 * The one base class of every error settrade-feed throws on purpose, and the
 * list of every error code. Each code is documented in docs/errors.md (code,
 * class, thrown by, what to do); test/errors.test.ts keeps the two in step.
 *
 * Codes follow Node's style: `ERR_` + upper snake case. A code names what went
 * wrong, a class names the component that noticed (a component may throw
 * several codes, a code may come from several components: `ERR_CONFIG_INVALID`
 * from the client, the adapter, the feed and the relay).
 */

/** Every `code` a {@link SettradeFeedError} can carry (docs/errors.md explains each). */
export const ERROR_CODES = [
  // Arguments and options
  'ERR_INVALID_OPTION',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_EVENT',
  'ERR_INVALID_SYMBOL',
  'ERR_CONFIG_INVALID',
  'ERR_INSECURE_URL',
  'ERR_SECRET_INVALID',
  // Decoding and rings
  'ERR_PARSE',
  'ERR_RING_HEADER',
  'ERR_NAPI',
  'ERR_NATIVE_UNAVAILABLE',
  // Transport
  'ERR_AUTH_REJECTED',
  'ERR_HTTP_ERROR',
  'ERR_HTTP_TIMEOUT',
  'ERR_RESPONSE_INVALID',
  'ERR_NETWORK_ERROR',
  'ERR_MQTT_AUTH_REJECTED',
  'ERR_MQTT_CONNECT_FAILED',
  'ERR_RETRIES_EXHAUSTED',
  'ERR_SHUTDOWN',
  // Feed
  'ERR_WORKER_EXITED',
  'ERR_INTERNAL',
  // Recording and replay
  'ERR_RECORDING_WRITE',
  'ERR_RECORDING_FORMAT',
  'ERR_RECORDING_VERSION',
  // Simulator
  'ERR_SIM_OPTIONS',
  'ERR_SIM_STATE',
  'ERR_SIM_ARGUMENT',
  // Metrics
  'ERR_METRICS_OPTION',
  'ERR_METRICS_LISTEN',
  // CLI
  'ERR_CLI_USAGE',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Base class of every error the package throws on purpose: check
 * `err instanceof SettradeFeedError` and switch on `err.code`. Subclasses set
 * `name` and add the fields of their component (`option`, `field`, `status`…).
 * Messages never contain the app secret, a token or a login signature.
 */
export class SettradeFeedError extends Error {
  /** Stable machine-readable reason: one of {@link ErrorCode}, listed in docs/errors.md. */
  readonly code: ErrorCode;

  /** @param code the code; @param message text for a person; @param options `cause`, the underlying error. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SettradeFeedError';
    this.code = code;
  }
}

/**
 * A function got an argument of the wrong type (a programmer error, e.g.
 * `push(payload)` with a string payload): code `ERR_INVALID_ARG_TYPE`, as
 * Node's own. The native addon throws this class too (see `setErrorClass` in
 * native/src/addon.cc).
 */
export class InvalidArgTypeError extends SettradeFeedError {
  constructor(message: string) {
    super('ERR_INVALID_ARG_TYPE', message);
    this.name = 'InvalidArgTypeError';
  }
}

/**
 * The error class the native addon throws, built by C++ as
 * `new NativeError(code, message)`: `ERR_INVALID_ARG_TYPE` (wrong type),
 * `ERR_INVALID_ARG_VALUE` (right type, bad value), `ERR_RING_HEADER`,
 * `ERR_NAPI` (an N-API call failed, e.g. out of memory).
 */
export class NativeError extends SettradeFeedError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'NativeError';
  }
}
