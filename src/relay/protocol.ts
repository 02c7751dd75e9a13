/**
 * The relay's wire contract on NATS: subjects and headers. A consumer in any
 * language needs only this (and docs/scale-out.md) to read the stream.
 */
import { InvalidSymbolError, normalizeSymbol } from '../adapter/symbol.js';

/** Subject prefix: a symbol's messages go to `settrade.bidofferv3.{SYMBOL}`. */
export const RELAY_SUBJECT_PREFIX = 'settrade.bidofferv3.';
/** Every subject of the stream. */
export const RELAY_SUBJECTS = `${RELAY_SUBJECT_PREFIX}>`;
/** Default stream name. */
export const DEFAULT_STREAM = 'SETTRADE_BIDOFFERV3';

/** Header names (values are ASCII decimal integers, except the run id). */
export const RelayHeader = {
  /** Wall-clock receive time at the relay, integer nanoseconds since the Unix epoch. */
  recvTs: 'Settrade-Recv-Ts',
  /** Settrade connection epoch at the relay (0 on its first connection, +1 per reconnect). */
  epoch: 'Settrade-Epoch',
  /** Per-symbol sequence assigned by the relay: 1, 2, 3, ... per symbol per relay run. */
  seq: 'Settrade-Seq',
  /** Identifies one relay run: a new value means the sequences restarted at 1 (not a gap). */
  run: 'Settrade-Relay-Run',
} as const;

/**
 * Subject of `symbol`. NATS subject tokens may not contain `.`, `*`, `>` or
 * whitespace; SET symbols never do (`BANPU-W5`, `S&J`), and one that did is
 * rejected here rather than published to a wrong subject.
 */
export function subjectOf(symbol: string): string {
  const s = normalizeSymbol(symbol);
  if (/[.*>\s]/.test(s)) throw new InvalidSymbolError(s, "cannot be a NATS subject token (contains '.', '*' or '>')");
  return RELAY_SUBJECT_PREFIX + s;
}

/** Symbol of a relay subject, or undefined for any other subject. */
export function symbolOfSubject(subject: string): string | undefined {
  return subject.startsWith(RELAY_SUBJECT_PREFIX) ? subject.slice(RELAY_SUBJECT_PREFIX.length) : undefined;
}
