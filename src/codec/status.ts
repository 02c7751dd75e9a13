/**
 * Decode statuses shared by both backends (values equal the C++
 * `settrade::DecodeStatus`) and the `ParseError` thrown for a rejected payload.
 */
import { SettradeFeedError } from '../errors.js';

/** Result of decoding one payload: 0 is success, anything else a parse error. */
export const DecodeStatus = {
  OK: 0,
  /** A varint, fixed-width field or group ran past the end of its message. */
  TRUNCATED: 1,
  /** A varint over 10 bytes, or a field tag over 5 bytes. */
  VARINT_TOO_LONG: 2,
  /** Wire type 6 or 7. */
  BAD_WIRE_TYPE: 3,
  /** A length prefix past the end of its message (or at least 2^31 - 1). */
  LENGTH_OVERFLOW: 4,
  /** The symbol is longer than the slot's 32 bytes. */
  SYMBOL_TOO_LONG: 5,
  /** Field number 0, or a tag that does not fit 32 bits. */
  BAD_FIELD_NUMBER: 6,
  /** An end-group tag without its start-group, or a group that never ends. */
  BAD_GROUP: 7,
  /** A string field (symbol, currency_code) that is not valid UTF-8. */
  BAD_UTF8: 8,
  /** Groups or sub-messages nested deeper than 100 levels. */
  TOO_DEEP: 9,
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/** `ParseError.reason` values: the names of the non-OK statuses ('UNKNOWN' for a value outside the enum). */
export type ParseErrorReason = Exclude<keyof typeof DecodeStatus, 'OK'> | 'UNKNOWN';

const names: readonly string[] = (() => {
  const out: string[] = [];
  for (const [name, value] of Object.entries(DecodeStatus)) out[value] = name;
  return out;
})();

const descriptions: Readonly<Record<string, string>> = {
  TRUNCATED: 'a field runs past the end of its message',
  VARINT_TOO_LONG: 'a varint is longer than 10 bytes (or a tag longer than 5)',
  BAD_WIRE_TYPE: 'a field tag has wire type 6 or 7',
  LENGTH_OVERFLOW: 'a length prefix points past the end of its message',
  SYMBOL_TOO_LONG: 'field symbol is longer than 32 bytes',
  BAD_FIELD_NUMBER: 'a field tag has field number 0 or does not fit 32 bits',
  BAD_GROUP: 'an end-group tag does not match an open group',
  BAD_UTF8: 'a string field (symbol or currency_code) is not valid UTF-8',
  TOO_DEEP: 'groups nested deeper than 100 levels',
};

/** The `ParseError.reason` of a non-zero status ('UNKNOWN' for a value outside the enum). */
export function parseErrorReason(status: number): ParseErrorReason {
  const name = names[status];
  return name !== undefined && name !== 'OK' ? (name as ParseErrorReason) : 'UNKNOWN';
}

/**
 * A payload that is not a valid BidOfferV3 message. Every one has code
 * `ERR_PARSE` (one code to match for "this payload did not parse");
 * `reason` says why, e.g. 'TRUNCATED', and `status` is the numeric DecodeStatus.
 */
export class ParseError extends SettradeFeedError {
  declare readonly code: 'ERR_PARSE';
  /** Why the payload was rejected: the DecodeStatus name, e.g. 'TRUNCATED'. */
  readonly reason: ParseErrorReason;
  /** The numeric DecodeStatus. */
  readonly status: number;

  /** @param status a non-zero DecodeStatus. */
  constructor(status: number) {
    const reason = parseErrorReason(status);
    super('ERR_PARSE', `invalid BidOfferV3 payload: ${reason} (${descriptions[reason] ?? `status ${status}`})`);
    this.name = 'ParseError';
    this.reason = reason;
    this.status = status;
  }
}
