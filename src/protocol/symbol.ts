/**
 * Symbol validation. A symbol becomes part of an MQTT topic, so it must never
 * carry topic syntax (`/`, `+`, `#`), whitespace or control characters; SET
 * symbols are short upper-case names such as `AOT`, `BANPU-W5`, `S&J`.
 */
import { SettradeFeedError } from '../errors.js';

/** Longest accepted symbol, in UTF-8 bytes. */
export const MAX_SYMBOL_BYTES = 32;

/** MQTT topic prefix of the BidOfferV3 feed. */
export const BIDOFFER_TOPIC_PREFIX = 'proto/topic/bidofferv3/';

/** An invalid symbol; `symbol` is the offending input (shown JSON-quoted in the message). */
export class InvalidSymbolError extends SettradeFeedError {
  declare readonly code: 'ERR_INVALID_SYMBOL';
  /** The rejected input. */
  readonly symbol: unknown;

  constructor(symbol: unknown, reason: string) {
    super('ERR_INVALID_SYMBOL', `invalid symbol ${typeof symbol === 'string' ? JSON.stringify(symbol) : String(symbol)}: ${reason}`);
    this.name = 'InvalidSymbolError';
    this.symbol = symbol;
  }
}

// \s covers Unicode spaces; \p{C} covers control, format, unassigned and private-use characters.
const FORBIDDEN = /[/+#\s\p{C}]/u;

/** Upper-cases and validates a symbol; throws {@link InvalidSymbolError} naming it. */
export function normalizeSymbol(input: unknown): string {
  if (typeof input !== 'string') throw new InvalidSymbolError(input, 'must be a string');
  if (input.length === 0) throw new InvalidSymbolError(input, 'must not be empty');
  if (Buffer.byteLength(input, 'utf8') > MAX_SYMBOL_BYTES) {
    throw new InvalidSymbolError(input, `longer than ${MAX_SYMBOL_BYTES} bytes`);
  }
  const bad = FORBIDDEN.exec(input);
  if (bad) {
    const ch = bad[0];
    const what = ch === '/' || ch === '+' || ch === '#' ? `MQTT topic character '${ch}'` : /\s/u.test(ch) ? 'whitespace' : 'a control character';
    throw new InvalidSymbolError(input, `contains ${what}`);
  }
  return input.toUpperCase();
}

/** The topic of a symbol's depth feed. */
export function topicOf(symbol: string): string {
  return BIDOFFER_TOPIC_PREFIX + symbol;
}

/** The symbol of a BidOfferV3 topic, or undefined for another topic. */
export function symbolOfTopic(topic: string): string | undefined {
  return topic.startsWith(BIDOFFER_TOPIC_PREFIX) ? topic.slice(BIDOFFER_TOPIC_PREFIX.length) : undefined;
}
