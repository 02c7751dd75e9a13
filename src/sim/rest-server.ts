/**
 * The REST endpoints of the Settrade Open API that a market-data client
 * needs: login (ECDSA-signed), refresh-token (single-use refresh tokens) and
 * the dispatcher (MQTT) token, which wants `Authorization: {token_type}
 * {access token}` with the login's token type. Errors are JSON
 * `{ code, message }` and never echo a secret, a token or a signature.
 * During an outage every request is answered 503.
 */
import { dispatcherTokenPath, loginPath, refreshTokenPath } from '../protocol/paths.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { verifyLoginSignature } from './auth-keys.js';
import type { TokenStore } from './token-store.js';

/** What the REST handler needs from the simulator. */
export interface RestContext {
  readonly brokerId: string;
  readonly appCode: string;
  readonly appId: string;
  readonly publicKey: KeyObject;
  readonly tokens: TokenStore;
  /** The login's `token_type`, and the scheme the token request must use. */
  readonly tokenType: string;
  /** True during an outage (every request: 503). */
  unavailable(): boolean;
  /** Current token lifetime (s), read per login so it can change at run time. */
  tokenLifetimeSec(): number;
  readonly clockSkewSec: number;
  /** `host:port` handed out in the dispatcher response. */
  mqttHost(): string;
  onLogin(ok: boolean, reason: string): void;
  onRefresh(ok: boolean, reason: string): void;
  /** Every request, before it is handled (the headers a client sends). */
  onRequest(info: RestRequestInfo): void;
}

/** What {@link RestContext.onRequest} reports. */
export interface RestRequestInfo {
  readonly method: string;
  readonly path: string;
  readonly userAgent: string | undefined;
  readonly contentType: string | undefined;
}

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { code, message });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Extracts the token of an `Authorization: <scheme> <token>` header (the scheme compared case-insensitively). */
export function schemeToken(header: string | undefined, scheme: string): string | undefined {
  if (header === undefined) return undefined;
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (m === null || m[1]?.toLowerCase() !== scheme.toLowerCase()) return undefined;
  return m[2];
}

/** Extracts the token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  return schemeToken(header, 'Bearer');
}

/** A new access + refresh token pair, as the login and the refresh answer it. */
function issueSession(ctx: RestContext, res: ServerResponse): void {
  const lifetimeSec = ctx.tokenLifetimeSec();
  const expiresAt = Date.now() + lifetimeSec * 1000;
  const accessToken = ctx.tokens.issue('access', expiresAt);
  const refreshToken = ctx.tokens.issue('refresh', expiresAt + lifetimeSec * 1000);
  send(res, 200, { access_token: accessToken, token_type: ctx.tokenType, refresh_token: refreshToken, expires_in: lifetimeSec });
}

async function jsonBody(req: IncomingMessage): Promise<{ body: Record<string, unknown> } | { status: number; code: string; message: string }> {
  const text = await readBody(req);
  if (text === undefined) return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status: 400, code: 'INVALID_JSON', message: 'request body is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { status: 400, code: 'INVALID_REQUEST', message: 'request body must be a JSON object' };
  }
  return { body: body as Record<string, unknown> };
}

/** POST refresh-token: a single-use refresh token for a new pair. */
async function refresh(ctx: RestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reject = (status: number, code: string, message: string): void => {
    ctx.onRefresh(false, code);
    fail(res, status, code, message);
  };
  const parsed = await jsonBody(req);
  if (!('body' in parsed)) return reject(parsed.status, parsed.code, parsed.message);
  const { apiKey, refreshToken } = parsed.body;
  for (const [name, v] of [['apiKey', apiKey], ['refreshToken', refreshToken]] as const) {
    if (typeof v !== 'string' || v.length === 0) return reject(400, 'INVALID_REQUEST', `field "${name}" must be a non-empty string`);
  }
  if (apiKey !== ctx.appId) return reject(403, 'UNKNOWN_APP', 'unknown apiKey');
  const check = ctx.tokens.consumeRefresh(refreshToken as string);
  if (check === 'expired') return reject(401, 'REFRESH_TOKEN_EXPIRED', 'refresh token expired');
  if (check === 'used') return reject(401, 'REFRESH_TOKEN_USED', 'refresh token already used');
  if (check !== 'ok') return reject(401, 'INVALID_REFRESH_TOKEN', 'invalid refresh token');
  ctx.onRefresh(true, 'OK');
  issueSession(ctx, res);
}

/** POST login: a signed login (P-256 over apiKey, params, timestamp) for a new pair. */
async function login(ctx: RestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reject = (status: number, code: string, message: string): void => {
    ctx.onLogin(false, code);
    fail(res, status, code, message);
  };
  const parsed = await jsonBody(req);
  if (!('body' in parsed)) return reject(parsed.status, parsed.code, parsed.message);
  const { apiKey, params, signature, timestamp } = parsed.body;
  for (const [name, v] of [['apiKey', apiKey], ['signature', signature], ['timestamp', timestamp]] as const) {
    if (typeof v !== 'string' || v.length === 0) return reject(400, 'INVALID_REQUEST', `field "${name}" must be a non-empty string`);
  }
  if (params !== undefined && typeof params !== 'string') return reject(400, 'INVALID_REQUEST', 'field "params" must be a string');
  const ts = timestamp as string;
  if (!/^\d{1,16}$/.test(ts)) return reject(400, 'INVALID_REQUEST', 'field "timestamp" must be Unix milliseconds as a string');
  if (apiKey !== ctx.appId) return reject(403, 'UNKNOWN_APP', 'unknown apiKey');
  if (Math.abs(Date.now() - Number(ts)) > ctx.clockSkewSec * 1000) {
    return reject(401, 'TIMESTAMP_OUT_OF_RANGE', `timestamp is more than ${ctx.clockSkewSec} s from the server clock`);
  }
  if (!verifyLoginSignature(ctx.publicKey, apiKey, params ?? '', ts, signature as string)) {
    return reject(401, 'INVALID_SIGNATURE', 'signature verification failed');
  }
  ctx.onLogin(true, 'OK');
  issueSession(ctx, res);
}

/** GET dispatcher token: the MQTT host and a token for the WebSocket upgrade. */
function dispatcherToken(ctx: RestContext, req: IncomingMessage, res: ServerResponse): void {
  const token = schemeToken(req.headers.authorization, ctx.tokenType);
  if (token === undefined) return fail(res, 401, 'UNAUTHORIZED', `missing ${ctx.tokenType} access token`);
  const check = ctx.tokens.check(token, 'access');
  if (check === 'expired') return fail(res, 401, 'TOKEN_EXPIRED', 'access token expired');
  if (check !== 'ok') return fail(res, 401, 'INVALID_TOKEN', 'invalid access token');
  // The dispatcher token lives exactly as long as the access token it came from.
  const expiresAt = ctx.tokens.expiresAt(token) ?? Date.now();
  send(res, 200, { hosts: [ctx.mqttHost()], token: ctx.tokens.issue('dispatcher', expiresAt) });
}

/** Builds the request listener for the REST endpoints. */
export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  const loginAt = loginPath(ctx.brokerId, ctx.appCode);
  const refreshAt = refreshTokenPath(ctx.brokerId, ctx.appCode);
  const tokenAt = dispatcherTokenPath(ctx.brokerId);

  const internalError = (res: ServerResponse) => (): void => {
    if (!res.headersSent) fail(res, 500, 'INTERNAL', 'internal error');
    else res.destroy();
  };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    ctx.onRequest({ method: req.method ?? '', path, userAgent: req.headers['user-agent'], contentType: req.headers['content-type'] });
    if (ctx.unavailable()) {
      req.resume();
      return fail(res, 503, 'SERVICE_UNAVAILABLE', 'service unavailable');
    }
    if (path === refreshAt) {
      if (req.method !== 'POST') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'use POST');
      refresh(ctx, req, res).catch(internalError(res));
      return;
    }
    if (path === loginAt) {
      if (req.method !== 'POST') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'use POST');
      login(ctx, req, res).catch(internalError(res));
      return;
    }
    if (path === tokenAt) {
      if (req.method !== 'GET') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'use GET');
      return dispatcherToken(ctx, req, res);
    }
    fail(res, 404, 'NOT_FOUND', 'no such endpoint');
  };
}
