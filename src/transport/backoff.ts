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
 * `[1 - jitter, 1 + jitter]`, never above `maxDelayMs`.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.multiplier ** Math.max(0, attempt));
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(raw * factor)));
}
