/**
 * Reconnect delay: exponential with a cap and symmetric jitter, so a fleet of
 * clients dropped together does not come back in lock step.
 */

/** The parameters of {@link backoffDelay}. */
export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry):
 * `min(maxDelayMs, baseDelayMs * multiplier^attempt)` scaled by a factor in
 * `[1 - jitter, 1 + jitter]`, never above `maxDelayMs`. Any attempt number
 * works: once the cap is reached the delay stays there (never NaN or 0 from
 * an overflowing power).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const grown = policy.baseDelayMs * policy.multiplier ** Math.max(0, attempt);
  const raw = Number.isFinite(grown) ? Math.min(policy.maxDelayMs, grown) : policy.maxDelayMs;
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(raw * factor)));
}
