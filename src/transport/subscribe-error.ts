/**
 * Rejected subscriptions. The real service reports them on
 * {@link SUBSCRIBE_ERROR_TOPIC} (the official SDK's `subscribe_error`); the
 * payload format is undocumented, so the raw text is always kept.
 */

/** Topic on which the service reports rejected subscriptions. */
export const SUBSCRIBE_ERROR_TOPIC = '$sys/u/_broker/_uref/error/subscribe';

/** One rejected subscription, as the `subscribeError` event carries it. */
export interface SubscribeErrorEvent {
  /** The rejected symbol, when the payload names it (directly or through its topic). */
  readonly symbol?: string;
  /** The rejected topic, when the payload names it. */
  readonly topic?: string;
  /** A human-readable reason (the payload's `message` when JSON, else its text). */
  readonly message: string;
  /** The payload decoded as UTF-8, unchanged. */
  readonly raw: string;
}
