/**
 * Encodes books as BidOfferV3 with protobufjs, from the package's own
 * proto/bidofferv3.proto (found by walking up from this module, so it works
 * from src/ under tsx and from dist/ once built).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** Numeric BidAskFlag values of the wire schema. */
export const WireFlag = { UNDEFINED: 0, NORMAL: 1, ATO: 2, ATC: 3 } as const;

/** A ten-level book; prices in satang (0 in auctions), volumes in shares. */
export interface SimBook {
  /** Best first; integer satang; 0 during auctions. */
  readonly bidPrices: Int32Array;
  /** Best first; integer satang; 0 during auctions. */
  readonly askPrices: Int32Array;
  /** Shares (multiples of 100). */
  readonly bidVolumes: Float64Array;
  /** Shares (multiples of 100). */
  readonly askVolumes: Float64Array;
  /** Wire BidAskFlag of the bid side. */
  bidFlag: number;
  /** Wire BidAskFlag of the ask side. */
  askFlag: number;
}

/** Path of proto/bidofferv3.proto in this package. */
export function protoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    const candidate = join(dir, 'proto', 'bidofferv3.proto');
    if (existsSync(pkg) && existsSync(candidate)) {
      const name: unknown = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
      if (name === 'settrade-feed') return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('proto/bidofferv3.proto not found above ' + fileURLToPath(import.meta.url));
}

let cachedType: protobuf.Type | undefined;

/** The protobufjs type `settrade.v3.BidOfferV3` (loaded once). */
export function bidOfferType(): protobuf.Type {
  cachedType ??= protobuf.loadSync(protoPath()).lookupType('settrade.v3.BidOfferV3');
  return cachedType;
}

interface WireMoney {
  units: number;
  nanos: number;
}

function money(satang: number): WireMoney {
  // Integer arithmetic only: 3.62 THB = 362 satang -> units 3, nanos 620000000.
  const units = Math.floor(satang / 100);
  return { units, nanos: (satang - units * 100) * 10_000_000 };
}

/** Encodes a book for `symbol` as BidOfferV3 bytes. */
export function encodeBook(symbol: string, book: SimBook): Uint8Array {
  const msg: Record<string, unknown> = { symbol, bidFlag: book.bidFlag, askFlag: book.askFlag };
  for (let i = 0; i < 10; i++) {
    const n = i + 1;
    // proto3 omits defaults; a zero price is simply absent, as on the real feed.
    if (book.bidPrices[i] !== 0) msg[`bidPrice${n}`] = money(book.bidPrices[i]);
    if (book.askPrices[i] !== 0) msg[`askPrice${n}`] = money(book.askPrices[i]);
    msg[`bidVolume${n}`] = book.bidVolumes[i];
    msg[`askVolume${n}`] = book.askVolumes[i];
  }
  return bidOfferType().encode(msg).finish();
}

/**
 * Payloads that protobufjs (and any conforming decoder) must reject:
 * truncated varints, lengths past the end, invalid wire types.
 */
export const MALFORMED_PAYLOADS: readonly Uint8Array[] = [
  Uint8Array.of(0x60, 0xff), // bid_volume1: varint cut after a continuation byte
  Uint8Array.of(0x0a, 0x05, 0x41, 0x4f), // symbol: length 5, 2 bytes present
  Uint8Array.of(0x12, 0x08, 0x10, 0x03), // bid_price1: sub-message longer than the payload
  Uint8Array.of(0x0f, 0x01), // field 1 with wire type 7 (does not exist)
  Uint8Array.of(0x60, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // varint over 10 bytes
];
