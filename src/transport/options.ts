/**
 * SettradeClient options: the interface, its defaults and their validation.
 * The reconnect defaults are the seed's (base 1 s, multiplier 2, 5 retries:
 * 1 s, 2 s, 4 s, 8 s, 16 s), plus a cap and jitter.
 */
import { z } from 'zod';
import type { Logger } from '../util/logger.js';
import type { EndpointProvider } from './endpoint.js';
import { SettradeConfigError } from './errors.js';

/** Options of {@link SettradeClient}. Give either the four credentials or `endpoint`. */
export interface SettradeClientOptions {
  /** API key (app id) from the Settrade console. */
  readonly appId?: string;
  /** Base64 P-256 private scalar from the console (missing `=` padding is fine). Never logged. */
  readonly appSecret?: string;
  /** Application code, e.g. 'ALGO'. */
  readonly appCode?: string;
  /** Broker id; `SANDBOX` selects the UAT environment and broker `098`. */
  readonly brokerId?: string;
  /** REST base URL override (the simulator's `http://127.0.0.1:PORT`); plain http only on loopback. */
  readonly baseUrl?: string;
  /**
   * Where to connect instead of the Settrade login flow: a provider called
   * before every attempt, or a fixed URL (`mqtt://127.0.0.1:1883`; plain only on loopback).
   */
  readonly endpoint?: EndpointProvider | string;
  /** First reconnect delay in ms. */
  readonly baseDelayMs?: number;
  /** Growth factor of the delay per failed attempt. */
  readonly multiplier?: number;
  /** Cap on a single delay in ms. */
  readonly maxDelayMs?: number;
  /**
   * Retries after a failed attempt or a lost connection before giving up
   * (then: `error` RETRIES_EXHAUSTED, state SHUTDOWN, `stats().failed`); the
   * count resets on every successful CONNACK. `Infinity` never gives up.
   */
  readonly maxRetries?: number;
  /** Jitter ratio in [0, 1]: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  readonly jitter?: number;
  /** Refresh the token (controlled reconnect) this many seconds before it expires. */
  readonly tokenRefreshBeforeExpSec?: number;
  /** MQTT keepalive in seconds. */
  readonly keepaliveSec?: number;
  /** Time allowed for the transport to open and the CONNACK to arrive, in ms. */
  readonly connectTimeoutMs?: number;
  /** Timeout of each REST call (login, token) in ms. */
  readonly httpTimeoutMs?: number;
  /** Prefix of the random MQTT client id. */
  readonly clientIdPrefix?: string;
  /** pino-shaped logger; default: the library logger on stderr. */
  readonly logger?: Logger;
  /** Epoch of the first connection (integer >= 0, default 0); each reconnection adds 1. A restarted feed worker starts past the last epoch. */
  readonly initialEpoch?: number;
}

/** Defaults of {@link SettradeClientOptions}. */
export const SETTRADE_CLIENT_DEFAULTS = {
  baseDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 30_000,
  maxRetries: 5,
  jitter: 0.2,
  tokenRefreshBeforeExpSec: 60,
  keepaliveSec: 30,
  connectTimeoutMs: 10_000,
  httpTimeoutMs: 10_000,
  clientIdPrefix: 'settrade-feed-',
  initialEpoch: 0,
} as const;

/** Options after defaults and validation. */
export interface ResolvedClientOptions {
  readonly baseDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly maxRetries: number;
  readonly jitter: number;
  readonly tokenRefreshBeforeExpSec: number;
  readonly keepaliveSec: number;
  readonly connectTimeoutMs: number;
  readonly httpTimeoutMs: number;
  readonly clientIdPrefix: string;
  readonly initialEpoch: number;
}

const finiteNonNeg = z.number().finite().nonnegative();
const Schema = z.object({
  baseDelayMs: finiteNonNeg,
  multiplier: z.number().finite().min(1),
  maxDelayMs: finiteNonNeg,
  maxRetries: z.union([z.number().int().nonnegative(), z.literal(Number.POSITIVE_INFINITY)]),
  jitter: z.number().min(0).max(1),
  tokenRefreshBeforeExpSec: finiteNonNeg,
  keepaliveSec: z.number().int().min(0).max(65_535),
  connectTimeoutMs: z.number().finite().positive(),
  httpTimeoutMs: z.number().finite().positive(),
  clientIdPrefix: z.string().max(64).regex(/^[\w.-]*$/, 'letters, digits, _ . - only'),
  // The slot carries the epoch as a uint32.
  initialEpoch: z.number().int().min(0).max(0xffff_ffff),
});

/** Fills defaults and validates; a bad option throws {@link SettradeConfigError} naming it. */
export function resolveClientOptions(opts: SettradeClientOptions): ResolvedClientOptions {
  const merged: Record<string, unknown> = { ...SETTRADE_CLIENT_DEFAULTS };
  for (const k of Object.keys(SETTRADE_CLIENT_DEFAULTS)) {
    const v = (opts as Record<string, unknown>)[k];
    if (v !== undefined) merged[k] = v;
  }
  const r = Schema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') || 'options';
    throw new SettradeConfigError(field, issue?.message ?? 'invalid');
  }
  if (r.data.maxDelayMs < r.data.baseDelayMs) {
    throw new SettradeConfigError('maxDelayMs', `must be >= baseDelayMs (${r.data.baseDelayMs})`);
  }
  return r.data;
}
