/**
 * SettradeClient options: one zod schema is the type, the defaults and the
 * checks (see src/util/options-schema.ts). Unknown keys are rejected by name;
 * every millisecond value fits a Node timer; errors are SettradeConfigError
 * (code ERR_CONFIG_INVALID) naming the field and never echoing a string value.
 *
 * Reconnect defaults: base 1 s, multiplier 2, cap 30 s, jitter 0.2, and
 * unlimited retries (the delay grows to the cap and stays there). The tuning
 * guide's "5 retries" (1 + 2 + 4 + 8 + 16 s) is `maxRetries: 5`.
 */
import type { z } from 'zod';
import type { Logger } from '../util/logger.js';
import { lazy, loggerSchema, markValidated, msSchema, parseOptions } from '../util/options-schema.js';
import type { EndpointProvider } from './endpoint.js';
import { SettradeConfigError } from './errors.js';

/** Defaults of {@link SettradeClientOptions}. */
export const SETTRADE_CLIENT_DEFAULTS = {
  baseDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 30_000,
  maxRetries: Number.POSITIVE_INFINITY,
  jitter: 0.2,
  tokenRefreshBeforeExpSec: 100,
  keepaliveSec: 30,
  connectTimeoutMs: 10_000,
  httpTimeoutMs: 10_000,
  clientIdPrefix: 'settrade-feed-',
  initialEpoch: 0,
} as const;

const D = SETTRADE_CLIENT_DEFAULTS;

/** The schema of {@link SettradeClientOptions} (built on first use). */
export const settradeClientOptionsSchema = lazy((z) => {
  const credential = z.string().trim().min(1, 'must be a non-empty string');
  const endpointProvider = z.custom<EndpointProvider>((v) => typeof v === 'function');
  return z.object({
    /** API key (app id) from the Settrade console. */
    appId: credential.optional(),
    /** Base64 P-256 private scalar from the console (missing `=` padding is fine). Never logged. */
    appSecret: credential.optional(),
    /** Application code, e.g. 'ALGO'. */
    appCode: credential.optional(),
    /** Broker id; `SANDBOX` selects the UAT environment and broker `098`. */
    brokerId: credential.optional(),
    /** REST base URL override (the simulator's `http://127.0.0.1:PORT`); plain http only on loopback. */
    baseUrl: z.string().min(1, 'must be a non-empty URL').optional(),
    /**
     * Where to connect instead of the Settrade login flow: a provider called
     * before every attempt, or a fixed URL (`mqtt://127.0.0.1:1883`; plain only on loopback).
     */
    endpoint: z.union([z.string().min(1), endpointProvider], { error: 'must be a non-empty URL string or a function' }).optional(),
    /** First reconnect delay in ms. */
    baseDelayMs: msSchema().default(D.baseDelayMs),
    /** Growth factor of the delay per failed attempt (1 to 100). */
    multiplier: z.number().min(1).max(100).default(D.multiplier),
    /** Cap on a single delay in ms; the delay stays there once reached. */
    maxDelayMs: msSchema().default(D.maxDelayMs),
    /**
     * Retries after a failed attempt or a lost connection before giving up
     * (then: `error` ERR_RETRIES_EXHAUSTED, state SHUTDOWN, `stats().failed`); the
     * count resets on every successful CONNACK. Default `Infinity`: never give
     * up. The tuning guide's bounded policy is `5`.
     */
    maxRetries: z.union([z.number().int().nonnegative(), z.literal(Number.POSITIVE_INFINITY)]).default(D.maxRetries),
    /** Jitter ratio in [0, 1]: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
    jitter: z.number().min(0).max(1).default(D.jitter),
    /**
     * Renew the access token (refresh-token endpoint, else a signed login) and
     * reconnect this many seconds before it expires (the official SDK: 100 s).
     */
    tokenRefreshBeforeExpSec: z.number().min(0).max(2_147_483).default(D.tokenRefreshBeforeExpSec),
    /** MQTT keepalive in seconds (0 disables). */
    keepaliveSec: z.number().int().min(0).max(65_535).default(D.keepaliveSec),
    /** Time allowed for the transport to open and the CONNACK to arrive, in ms. */
    connectTimeoutMs: msSchema().min(1).default(D.connectTimeoutMs),
    /** Timeout of each REST call (login, refresh, token) in ms. */
    httpTimeoutMs: msSchema().min(1).default(D.httpTimeoutMs),
    /** Prefix of the random MQTT client id. */
    clientIdPrefix: z.string().max(64).regex(/^[\w.-]*$/, 'letters, digits, _ . - only').default(D.clientIdPrefix),
    /** `reconnectEpoch` of the first connection (each reconnection adds 1). */
    initialEpoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(D.initialEpoch),
    /** pino-shaped logger (debug, info, warn, error); default: the library logger on stderr. */
    logger: loggerSchema().optional(),
  });
});

/** Options of {@link SettradeClient}. Give either the four credentials or `endpoint`. */
export type SettradeClientOptions = z.input<ReturnType<typeof settradeClientOptionsSchema>>;

/** Every key {@link SettradeClientOptions} accepts (createFeed tells client keys from unknown ones with it). */
export const SETTRADE_CLIENT_OPTION_KEYS: readonly (keyof SettradeClientOptions)[] = Object.freeze(
  Object.keys({
    appId: 0,
    appSecret: 0,
    appCode: 0,
    brokerId: 0,
    baseUrl: 0,
    endpoint: 0,
    baseDelayMs: 0,
    multiplier: 0,
    maxDelayMs: 0,
    maxRetries: 0,
    jitter: 0,
    tokenRefreshBeforeExpSec: 0,
    keepaliveSec: 0,
    connectTimeoutMs: 0,
    httpTimeoutMs: 0,
    clientIdPrefix: 0,
    initialEpoch: 0,
    logger: 0,
  } satisfies Record<keyof SettradeClientOptions, 0>) as (keyof SettradeClientOptions)[],
);

/** Options after defaults and validation. */
export type ResolvedClientOptions = z.output<ReturnType<typeof settradeClientOptionsSchema>> & { readonly logger?: Logger };

const CREDENTIALS = ['appId', 'appSecret', 'appCode', 'brokerId'] as const;

/** Fills defaults and validates; a bad option throws {@link SettradeConfigError} naming it. */
export function resolveClientOptions(opts: unknown): ResolvedClientOptions {
  const o = parseOptions(settradeClientOptionsSchema, opts, (field, msg) => new SettradeConfigError(field, msg));
  if (o.endpoint === undefined) {
    const missing = CREDENTIALS.filter((k) => o[k] === undefined);
    if (missing.length > 0) {
      throw new SettradeConfigError(
        missing[0]!,
        `required (non-empty string); missing ${missing.join(', ')}: give appId, appSecret, appCode and brokerId, or endpoint`,
      );
    }
  }
  if (o.maxDelayMs < o.baseDelayMs) {
    throw new SettradeConfigError('maxDelayMs', `must be >= baseDelayMs (${o.baseDelayMs})`);
  }
  return o;
}

/**
 * Options `resolveClientOptions` already returned (a worker's structured
 * clone of them, a logger added), marked so that the client built from them
 * takes them as they are: no second validation, and zod is not loaded.
 */
export function prevalidatedClientOptions(resolved: ResolvedClientOptions): SettradeClientOptions {
  return markValidated({ ...resolved });
}
