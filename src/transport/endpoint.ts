/**
 * Connection targets. The client asks an {@link EndpointProvider} for a fresh
 * target before every connection attempt, so the same state machine runs
 * against the Settrade API (login + dispatcher token each time), the embedded
 * simulator, or a plain MQTT broker (tests, the replay benchmark).
 */
import { dispatcherMqttPath } from '../protocol/paths.js';
import type { KeyObject } from 'node:crypto';
import { AccessTokenCache } from './access-token.js';
import {
  authorizationHeader,
  fetchDispatcherToken,
  privateKeyFromSecret,
  resolveApiTarget,
  type AuthRequestOptions,
  type Credentials,
  type DispatcherToken,
  type LoginResult,
} from './auth.js';
import { SettradeConfigError, isAuthRejection } from './errors.js';

/** Where one MQTT connection attempt goes. */
export interface Endpoint {
  /** `wss://…`, `ws://` (loopback only), `mqtts://` or `mqtt://` (loopback only). */
  readonly url: string;
  /** HTTP headers of the WebSocket upgrade (the dispatcher token). */
  readonly wsHeaders?: Readonly<Record<string, string>>;
  /** When the credentials of this target expire (ms since the epoch); triggers a token refresh. */
  readonly expiresAtMs?: number;
}

/** What the client asks of a provider for one attempt. */
export interface EndpointRequest {
  /** The attempt is a token refresh: renew the access token even if it still looks valid. */
  readonly renewToken: boolean;
}

/** Called before every connection attempt; must return a fresh target. */
export type EndpointProvider = (request?: EndpointRequest) => Promise<Endpoint>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/** True for 127.0.0.1, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

/**
 * Throws a {@link SettradeConfigError} (code `ERR_INSECURE_URL`) unless `url` is
 * encrypted or goes to a loopback host. Unencrypted traffic would expose the
 * tokens; it is only accepted for the simulator and local brokers.
 */
export function assertSafeUrl(field: string, url: string, allowed: readonly string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettradeConfigError(field, 'not a valid URL');
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!allowed.includes(scheme)) {
    throw new SettradeConfigError(field, `scheme '${scheme}' not supported (expected ${allowed.join(', ')})`);
  }
  const secure = scheme === 'https' || scheme === 'wss' || scheme === 'mqtts';
  if (!secure && !isLoopbackHost(parsed.hostname)) {
    throw new SettradeConfigError(
      field,
      `plain ${scheme}:// is only allowed to a loopback host (127.0.0.1, ::1, localhost), got '${parsed.hostname}'`,
      'ERR_INSECURE_URL',
    );
  }
  if (parsed.username || parsed.password) {
    throw new SettradeConfigError(field, 'must not embed credentials');
  }
  return parsed;
}

/**
 * The MQTT WebSocket URL for a dispatcher host: `wss://HOST[:PORT]/api/dispatcher/v3/{broker}/mqtt`.
 * Hosts may carry a port (the simulator: '127.0.0.1:PORT'); without one, 443.
 * Plain `ws://` only when the REST base URL is plain http on loopback and the
 * host is loopback too.
 */
export function dispatcherMqttUrl(baseUrl: string, host: string, brokerId: string): string {
  const base = new URL(baseUrl);
  const m = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) throw new SettradeConfigError('hosts', 'dispatcher returned an invalid host');
  const hostname = m[1] ?? '';
  const port = m[2] ?? '443';
  const plain = base.protocol === 'http:' && isLoopbackHost(base.hostname) && isLoopbackHost(hostname);
  return `${plain ? 'ws' : 'wss'}://${hostname}:${port}${dispatcherMqttPath(brokerId)}`;
}

/** The `exp` claim of a JWT in ms, or undefined when the token is not a JWT. */
function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link settradeEndpoint}. */
export interface SettradeEndpointOptions extends Credentials, AuthRequestOptions {
  /** Overrides the REST base URL (the simulator's `http://127.0.0.1:PORT`). */
  readonly baseUrl?: string;
  /** Renew the access token when this many ms or fewer remain (default 100 s, as the official SDK). */
  readonly refreshMarginMs?: number;
}

/**
 * The default provider: an access token (kept between attempts and renewed
 * through the refresh-token endpoint, or a signed login, when
 * `refreshMarginMs` or less remain), then a fresh dispatcher token, then the
 * first host. The WebSocket upgrade and the token request both send
 * `Authorization: {token_type} {token}` with the login's token type. A cached
 * or refreshed token the dispatcher refuses is replaced by a login at once.
 */
export function settradeEndpoint(opts: SettradeEndpointOptions): EndpointProvider {
  const target = resolveApiTarget(opts.brokerId, opts.baseUrl);
  assertSafeUrl('baseUrl', target.baseUrl, ['https', 'http']);
  const key: KeyObject = privateKeyFromSecret(opts.appSecret);
  const reqOpts: AuthRequestOptions = { httpTimeoutMs: opts.httpTimeoutMs, now: opts.now };
  const tokens = new AccessTokenCache(target, opts, key, { ...reqOpts, marginMs: opts.refreshMarginMs ?? 100_000 });
  return async (request) => {
    let { token: session, source } = await tokens.get(request?.renewToken === true);
    let dispatcher: DispatcherToken;
    try {
      dispatcher = await fetchDispatcherToken(target, session, reqOpts);
    } catch (err) {
      if (source === 'login' || !isAuthRejection(err)) throw err;
      tokens.invalidate(); // revoked or expired early on the server: log in again now
      session = await tokens.login();
      dispatcher = await fetchDispatcherToken(target, session, reqOpts);
    }
    return endpointFor(target.baseUrl, target.brokerId, session, dispatcher);
  };
}

function endpointFor(baseUrl: string, brokerId: string, session: LoginResult, dispatcher: DispatcherToken): Endpoint {
  const url = dispatcherMqttUrl(baseUrl, dispatcher.hosts[0] ?? '', brokerId);
  const jwtExp = jwtExpiryMs(dispatcher.token);
  return {
    url,
    wsHeaders: { Authorization: authorizationHeader(session.tokenType, dispatcher.token) },
    expiresAtMs: jwtExp === undefined ? session.expiresAtMs : Math.min(jwtExp, session.expiresAtMs),
  };
}

/** A fixed target (a plain MQTT broker): `mqtt://127.0.0.1:1883`. */
export function staticEndpoint(url: string, wsHeaders?: Record<string, string>): EndpointProvider {
  assertSafeUrl('endpoint', url, ['mqtt', 'mqtts', 'ws', 'wss']);
  const ep: Endpoint = { url, wsHeaders };
  return () => Promise.resolve(ep);
}
