/**
 * Access, refresh and dispatcher tokens with expiry. A dispatcher token
 * expires with the access token it was issued for; a refresh token can be
 * used once.
 */
import { randomBytes } from 'node:crypto';

/** Token kinds the simulator issues. */
export type TokenKind = 'access' | 'refresh' | 'dispatcher';

interface TokenRecord {
  readonly kind: TokenKind;
  expiresAt: number;
  used: boolean;
}

/** Why a token check failed. */
export type TokenCheck = 'ok' | 'unknown' | 'expired' | 'used';

/** In-memory token registry; times are `Date.now()` milliseconds. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private issuedSinceSweep = 0;

  /** Issues a new random token of `kind` that expires at `expiresAt`. */
  issue(kind: TokenKind, expiresAt: number): string {
    if (++this.issuedSinceSweep >= 256) this.sweep(Date.now());
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, { kind, expiresAt, used: false });
    return token;
  }

  /** Checks `token` is a known, unexpired token of `kind`. */
  check(token: string, kind: TokenKind, now = Date.now()): TokenCheck {
    const rec = this.tokens.get(token);
    if (rec === undefined || rec.kind !== kind) return 'unknown';
    return now < rec.expiresAt ? 'ok' : 'expired';
  }

  /** Checks a refresh token and, when valid, marks it used (a second use answers 'used'). */
  consumeRefresh(token: string, now = Date.now()): TokenCheck {
    const rec = this.tokens.get(token);
    if (rec === undefined || rec.kind !== 'refresh') return 'unknown';
    if (rec.used) return 'used';
    if (now >= rec.expiresAt) return 'expired';
    rec.used = true;
    return 'ok';
  }

  /** Expiry (ms) of a known token, or undefined. */
  expiresAt(token: string): number | undefined {
    return this.tokens.get(token)?.expiresAt;
  }

  /** Every token expires now. */
  expireAll(now = Date.now()): void {
    for (const rec of this.tokens.values()) rec.expiresAt = Math.min(rec.expiresAt, now);
  }

  /** Forgets every token. */
  clear(): void {
    this.tokens.clear();
  }

  // Expired tokens are kept for a while so a late caller gets "expired", not "unknown".
  private sweep(now: number): void {
    this.issuedSinceSweep = 0;
    for (const [token, rec] of this.tokens) if (rec.expiresAt < now - 3_600_000) this.tokens.delete(token);
  }
}
