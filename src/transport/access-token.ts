/**
 * The access token between connection attempts. The official SDK keeps one
 * access token until 100 s or less remain, then renews it with the
 * refresh-token endpoint; a refused refresh (used up, expired, or no refresh
 * token at all) falls back to a full signed login. Network failures are not
 * a refusal: they propagate, and the attempt is retried with backoff.
 */
import type { KeyObject } from 'node:crypto';
import { login, refreshLogin, type ApiTarget, type AuthRequestOptions, type Credentials, type LoginResult } from './auth.js';
import { SettradeAuthError } from './errors.js';

/** How the current token was obtained. */
export type TokenSource = 'login' | 'refresh' | 'cached';

/** Counters of {@link AccessTokenCache}. */
export interface AccessTokenStats {
  readonly logins: number;
  readonly refreshes: number;
  /** Refreshes the server refused (each followed by a signed login). */
  readonly refreshFallbacks: number;
}

/** Holds the current access token and renews it when it comes within `marginMs` of expiry. */
export class AccessTokenCache {
  #current: LoginResult | undefined;
  #logins = 0;
  #refreshes = 0;
  #fallbacks = 0;

  constructor(
    private readonly target: ApiTarget,
    private readonly creds: Pick<Credentials, 'appId' | 'appCode'>,
    private readonly key: KeyObject,
    private readonly opts: AuthRequestOptions & { readonly marginMs: number },
  ) {}

  /** A usable access token: the cached one (unless `renew`), a refreshed one, or a new login. */
  async get(renew = false): Promise<{ readonly token: LoginResult; readonly source: TokenSource }> {
    const now = (this.opts.now ?? Date.now)();
    const cur = this.#current;
    if (!renew && cur !== undefined && cur.expiresAtMs - now > this.opts.marginMs) return { token: cur, source: 'cached' };
    if (cur?.refreshToken !== undefined) {
      try {
        const token = await refreshLogin(this.target, this.creds, cur.refreshToken, this.opts);
        this.#refreshes++;
        this.#current = token;
        return { token, source: 'refresh' };
      } catch (err) {
        if (!isRefusal(err)) throw err; // unreachable: keep the token, the next attempt refreshes again
        this.#current = undefined;
        this.#fallbacks++;
      }
    }
    return { token: await this.login(), source: 'login' };
  }

  /** A signed login now (the cached token was refused). */
  async login(): Promise<LoginResult> {
    this.#current = undefined;
    const token = await login(this.target, this.creds, this.key, this.opts);
    this.#logins++;
    this.#current = token;
    return token;
  }

  /** Forgets the token (the server refused it). */
  invalidate(): void {
    this.#current = undefined;
  }

  /** Counters. */
  stats(): AccessTokenStats {
    return { logins: this.#logins, refreshes: this.#refreshes, refreshFallbacks: this.#fallbacks };
  }
}

/** The server answered, and the answer was no (4xx, or a body we cannot use): a login may still work. */
function isRefusal(err: unknown): boolean {
  if (!(err instanceof SettradeAuthError)) return false;
  if (err.code === 'ERR_AUTH_REJECTED' || err.code === 'ERR_RESPONSE_INVALID') return true;
  return err.code === 'ERR_HTTP_ERROR' && err.status !== undefined && err.status >= 400 && err.status < 500;
}
