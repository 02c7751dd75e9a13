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

const BIDOFFER_TOPIC_RE = /proto\/topic\/bidofferv3\/([A-Za-z0-9&.\-_]{1,32})/;
const decoder = new TextDecoder('utf-8');

/** The symbol of a `proto/topic/bidofferv3/SYMBOL` topic (upper-cased), else undefined. */
function symbolOfBidOfferTopic(topic: string): string | undefined {
  const m = BIDOFFER_TOPIC_RE.exec(topic);
  return m?.[1]?.toUpperCase();
}

function stringField(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * Reads one message of {@link SUBSCRIBE_ERROR_TOPIC}: decoded as UTF-8 (bad
 * bytes become U+FFFD); when it is a JSON object, its `topic`, `symbol` and
 * `message` strings are used; otherwise a `proto/topic/bidofferv3/SYMBOL`
 * topic is looked for in the text. The symbol is derived from the topic when
 * only a topic is given. `raw` is always the decoded text. Never throws.
 */
export function parseSubscribeError(payload: Uint8Array): SubscribeErrorEvent {
  const raw = decoder.decode(payload);
  let json: Record<string, unknown> | undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) json = v as Record<string, unknown>;
  } catch {
    /* plain text */
  }
  const fromText = BIDOFFER_TOPIC_RE.exec(raw)?.[0];
  const topic = json !== undefined ? (stringField(json, 'topic') ?? fromText) : fromText;
  const symbol = (json !== undefined ? stringField(json, 'symbol')?.toUpperCase() : undefined) ?? (topic !== undefined ? symbolOfBidOfferTopic(topic) : undefined);
  const message = (json !== undefined ? stringField(json, 'message') : undefined) ?? (raw.trim() || 'subscription rejected');
  return {
    ...(symbol !== undefined ? { symbol } : {}),
    ...(topic !== undefined ? { topic } : {}),
    message,
    raw,
  };
}
