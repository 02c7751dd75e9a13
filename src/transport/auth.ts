/**
 * Settrade Open API authentication: the ECDSA-signed login and the
 * dispatcher (MQTT) token request. See docs/design.md "The wire protocol".
 *
 * Secrets discipline: the app secret, the access token, the dispatcher token
 * and the signature never appear in an error message or a log line; errors
 * carry the step, the HTTP status and the server's error `code` at most.
 */
import { dispatcherTokenPath, loginPath, refreshTokenPath } from '../protocol/paths.js';
import { createECDH, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { sendRequest, type HttpRequest, type HttpResponse } from './http.js';
import { SettradeAuthError, SettradeConfigError, SettradeError, type AuthStep } from './errors.js';
import { USER_AGENT } from './version.js';

/** Production REST base URL. */
export const PRODUCTION_BASE_URL = 'https://open-api.settrade.com';
/** Sandbox/UAT REST base URL (broker id `SANDBOX`). */
export const UAT_BASE_URL = 'https://open-api-test.settrade.com';
/** Broker id the sandbox actually uses on the wire. */
export const SANDBOX_WIRE_BROKER_ID = '098';

/** Where REST calls go and which broker id goes in their paths. */
export interface ApiTarget {
  readonly baseUrl: string;
  readonly brokerId: string;
}

/**
 * Resolves the broker id and the base URL: `SANDBOX` means UAT and broker
 * `098`; an explicit `baseUrl` overrides the choice of host (the simulator).
 */
export function resolveApiTarget(brokerId: string, baseUrl?: string): ApiTarget {
  const sandbox = brokerId.toUpperCase() === 'SANDBOX';
  const wireBroker = sandbox ? SANDBOX_WIRE_BROKER_ID : brokerId;
  const base = baseUrl ?? (sandbox ? UAT_BASE_URL : PRODUCTION_BASE_URL);
  return { baseUrl: base.replace(/\/+$/, ''), brokerId: wireBroker };
}

function base64UrlOf(buf: Buffer): string {
  return buf.toString('base64url');
}

/**
 * Builds the P-256 private key from the base64 big-endian scalar the Settrade
 * console shows as the app secret. The console sometimes drops base64 `=`
 * padding; it is restored here.
 */
export function privateKeyFromSecret(appSecret: string): KeyObject {
  const trimmed = appSecret.trim();
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) {
    throw new SettradeError('ERR_SECRET_INVALID', 'appSecret: not base64');
  }
  const unpadded = trimmed.replace(/=+$/, '');
  const padded = unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
  let scalar = Buffer.from(padded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  // A big-endian scalar may carry a sign byte (33 bytes) or lose leading zero bytes.
  while (scalar.length > 32 && scalar[0] === 0) scalar = scalar.subarray(1);
  if (scalar.length > 32 || scalar.length === 0) {
    throw new SettradeError('ERR_SECRET_INVALID', `appSecret: expected a 32-byte P-256 scalar, got ${scalar.length} bytes`);
  }
  if (scalar.length < 32) scalar = Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]);
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(scalar);
    const pub = ecdh.getPublicKey(); // 0x04 || X (32) || Y (32)
    return createPrivateKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: base64UrlOf(scalar),
        x: base64UrlOf(pub.subarray(1, 33)),
        y: base64UrlOf(pub.subarray(33, 65)),
      },
      format: 'jwk',
    });
  } catch {
    // The crypto error text is harmless, but do not risk echoing key material.
    throw new SettradeError('ERR_SECRET_INVALID', 'appSecret: not a valid P-256 private key');
  }
}

/**
 * Signs `"{appId}.{params}.{timestamp}"`: SHA-256, ECDSA P-256, DER-encoded,
 * returned as lower-case hex (what the login endpoint expects).
 */
export function signLogin(key: KeyObject, appId: string, params: string, timestamp: string): string {
  return cryptoSign('sha256', Buffer.from(`${appId}.${params}.${timestamp}`, 'utf8'), {
    key,
    dsaEncoding: 'der',
  }).toString('hex');
}

/** Login credentials as the Settrade console issues them. */
export interface Credentials {
  readonly appId: string;
  readonly appSecret: string;
  readonly appCode: string;
  readonly brokerId: string;
}

/** A successful login. */
export interface LoginResult {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken: string | undefined;
  /** Absolute expiry (ms since the epoch), from `expires_in`. */
  readonly expiresAtMs: number;
}

/** A dispatcher token: where to connect and with what. */
export interface DispatcherToken {
  readonly hosts: readonly string[];
  readonly token: string;
}

// The two response shapes are checked by hand, not with zod: a feed worker
// logs in and fetches tokens but never loads zod (src/util/options-schema.ts).
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
// A header token (RFC 7230 tchar): it goes into an Authorization header as is.
const TOKEN_TYPE_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/;

interface LoginResponse {
  access_token: string;
  token_type?: string;
  refresh_token?: string;
  expires_in: number;
}

function isLoginResponse(v: unknown): v is LoginResponse {
  return (
    isRecord(v) &&
    nonEmptyString(v.access_token) &&
    (v.token_type === undefined || (typeof v.token_type === 'string' && TOKEN_TYPE_RE.test(v.token_type))) &&
    (v.refresh_token === undefined || typeof v.refresh_token === 'string') &&
    typeof v.expires_in === 'number' &&
    Number.isFinite(v.expires_in) &&
    v.expires_in > 0
  );
}

function isTokenResponse(v: unknown): v is DispatcherToken {
  return isRecord(v) && Array.isArray(v.hosts) && v.hosts.length > 0 && v.hosts.every(nonEmptyString) && nonEmptyString(v.token);
}

/** Headers of every REST request (the official SDK sends a JSON content type and a User-Agent on all of them). */
function headers(authorization?: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT };
  if (authorization !== undefined) h.authorization = authorization;
  return h;
}

async function request(step: AuthStep, url: string, req: HttpRequest, timeoutMs: number): Promise<unknown> {
  let res: HttpResponse;
  try {
    res = await sendRequest(url, req, timeoutMs);
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new SettradeAuthError(
      timedOut ? 'ERR_HTTP_TIMEOUT' : 'ERR_NETWORK_ERROR',
      step,
      timedOut
        ? `${step} request to ${new URL(url).origin} timed out after ${timeoutMs} ms`
        : `${step} request to ${new URL(url).origin} failed: ${err instanceof Error ? err.message : 'network error'}`,
    );
  }
  const { status, text } = res;
  if (status < 200 || status > 299) {
    // Only the server's error code is kept: its body could echo what we sent.
    let serverCode = '';
    try {
      const body = JSON.parse(text) as { code?: unknown };
      if (typeof body.code === 'string' && /^[\w.-]{1,64}$/.test(body.code)) serverCode = ` (${body.code})`;
    } catch {
      /* not JSON */
    }
    const rejected = status === 401 || status === 403;
    throw new SettradeAuthError(
      rejected ? 'ERR_AUTH_REJECTED' : 'ERR_HTTP_ERROR',
      step,
      `${step} ${rejected ? 'rejected' : 'failed'}: HTTP ${status}${serverCode}`,
      status,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SettradeAuthError('ERR_RESPONSE_INVALID', step, `${step} response is not JSON (HTTP ${status})`, status);
  }
}

/** Options of the REST calls. */
export interface AuthRequestOptions {
  /** Per-request timeout in ms. */
  readonly httpTimeoutMs: number;
  /** Clock for the login timestamp (tests). */
  readonly now?: () => number;
}

/**
 * `POST {base}/api/oam/v1/{brokerId}/broker-apps/{appCode}/login`.
 * Throws {@link SettradeAuthError} (`ERR_AUTH_REJECTED` on 401/403).
 */
export async function login(
  target: ApiTarget,
  creds: Pick<Credentials, 'appId' | 'appCode'>,
  key: KeyObject,
  opts: AuthRequestOptions,
): Promise<LoginResult> {
  const now = opts.now ?? Date.now;
  const timestamp = String(now());
  const params = '';
  const signature = signLogin(key, creds.appId, params, timestamp);
  const url = target.baseUrl + loginPath(target.brokerId, creds.appCode);
  return postForTokens('login', url, { apiKey: creds.appId, params, signature, timestamp }, opts);
}

/**
 * `POST {base}/api/oam/v1/{brokerId}/broker-apps/{appCode}/refresh-token`
 * with `{ apiKey, refreshToken }` (what the official SDK does when 100 s or
 * less remain). Answers like the login. Throws {@link SettradeAuthError}
 * (`ERR_AUTH_REJECTED` on 401/403: the refresh token is used up or expired).
 */
export async function refreshLogin(
  target: ApiTarget,
  creds: Pick<Credentials, 'appId' | 'appCode'>,
  refreshToken: string,
  opts: AuthRequestOptions,
): Promise<LoginResult> {
  const url = target.baseUrl + refreshTokenPath(target.brokerId, creds.appCode);
  return postForTokens('refresh', url, { apiKey: creds.appId, refreshToken }, opts);
}

/** POSTs `payload` as JSON to a token endpoint (login or refresh) and reads the token set it answers. */
async function postForTokens(step: AuthStep, url: string, payload: object, opts: AuthRequestOptions): Promise<LoginResult> {
  const body = await request(step, url, { method: 'POST', headers: headers(), body: JSON.stringify(payload) }, opts.httpTimeoutMs);
  return toLoginResult(step, body, (opts.now ?? Date.now)());
}

function toLoginResult(step: AuthStep, body: unknown, nowMs: number): LoginResult {
  if (!isLoginResponse(body)) {
    throw new SettradeAuthError('ERR_RESPONSE_INVALID', step, `${step} response lacks a valid access_token, token_type or expires_in`);
  }
  return {
    accessToken: body.access_token,
    tokenType: body.token_type ?? 'Bearer',
    refreshToken: body.refresh_token,
    expiresAtMs: nowMs + body.expires_in * 1000,
  };
}

/** The `Authorization` value for a token: `{token_type} {token}` (the login's type, e.g. 'Bearer'). */
export function authorizationHeader(tokenType: string, token: string): string {
  return `${tokenType} ${token}`;
}

/** `GET {base}/api/dispatcher/v3/{brokerId}/token` with the access token. */
export async function fetchDispatcherToken(
  target: ApiTarget,
  auth: Pick<LoginResult, 'accessToken' | 'tokenType'>,
  opts: AuthRequestOptions,
): Promise<DispatcherToken> {
  const url = target.baseUrl + dispatcherTokenPath(target.brokerId);
  const body = await request(
    'token',
    url,
    { method: 'GET', headers: headers(authorizationHeader(auth.tokenType, auth.accessToken)) },
    opts.httpTimeoutMs,
  );
  if (!isTokenResponse(body)) {
    throw new SettradeAuthError('ERR_RESPONSE_INVALID', 'token', 'dispatcher token response lacks hosts/token');
  }
  // Only the two fields: nothing else of the server's answer is kept.
  return { hosts: [...body.hosts], token: body.token };
}

/** Validates that a credentials field is a non-empty string (config errors name the field). */
export function requireField(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SettradeConfigError(name, 'required (non-empty string)');
  }
  return value;
}
