/**
 * protobufjs loaded from proto/bidofferv3.proto: the reference encoder for
 * tests (and the "typical user" decoder the benchmarks compare against).
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { PublishedBook } from '../../src/sim/index.js';

/** Path of the schema file shipped with the package. */
export const protoPath = fileURLToPath(new URL('../../proto/bidofferv3.proto', import.meta.url));

/** The `settrade.v3` root, loaded once. */
export const protoRoot: protobuf.Root = protobuf.loadSync(protoPath);

/** The BidOfferV3 message type. */
export const BidOfferV3: protobuf.Type = protoRoot.lookupType('settrade.v3.BidOfferV3');

/** The Money message type. */
export const Money: protobuf.Type = protoRoot.lookupType('settrade.v3.Money');

/** protobufjs field name of bid/ask price or volume at level `k` (0-based), e.g. `bidPrice1`. */
export function levelField(side: 'bid' | 'ask', what: 'Price' | 'Volume', k: number): string {
  return `${side}${what}${k + 1}`;
}

/** Encodes a plain object (protobufjs camelCase names; int64 as number, string or Long) with protobufjs. */
export function encodeBidOffer(obj: Record<string, unknown>): Uint8Array {
  return BidOfferV3.encode(BidOfferV3.fromObject(obj)).finish();
}

/** Normalized book as a typical protobufjs user computes it: prices units + nanos * 1e-9, int64 as numbers. */
export type NormalizedBook = PublishedBook & { symbol: string };

/** Decodes with protobufjs and normalizes (the reference path). Throws on malformed input. */
export function decodeWithProtobufjs(payload: Uint8Array): NormalizedBook {
  const m = BidOfferV3.toObject(BidOfferV3.decode(payload), { longs: Number, enums: Number, defaults: true }) as Record<
    string,
    unknown
  >;
  const price = (v: unknown): number => {
    const money = v as { units?: number; nanos?: number } | null | undefined;
    return money ? (money.units ?? 0) + (money.nanos ?? 0) * 1e-9 : 0;
  };
  const out: NormalizedBook = { symbol: m.symbol as string, bidPrices: [], askPrices: [], bidVolumes: [], askVolumes: [], bidFlag: m.bidFlag as number, askFlag: m.askFlag as number };
  for (let k = 0; k < 10; k++) {
    out.bidPrices.push(price(m[levelField('bid', 'Price', k)]));
    out.askPrices.push(price(m[levelField('ask', 'Price', k)]));
    out.bidVolumes.push(m[levelField('bid', 'Volume', k)] as number);
    out.askVolumes.push(m[levelField('ask', 'Volume', k)] as number);
  }
  return out;
}
