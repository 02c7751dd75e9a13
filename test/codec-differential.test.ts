/**
 * Native vs JS decoder on random protobufjs-encoded messages (reordered,
 * with unknown fields, merges, overlong varints, big and negative values) and
 * on random mutations of them: same status, same slot bytes. A third opinion,
 * protobufjs itself, checks the values where its semantics match ours (it
 * replaces a repeated Money instead of merging it).
 * Seed: CODEC_FUZZ_SEED (default fixed); it is printed in every failure message.
 */
import { mulberry32 } from '../src/sim/market-generator.js';
import { describe, expect, it } from 'vitest';
import { DecodeStatus, jsDecodeIntoSlot } from '../src/codec/index.js';
import { SlotLayout, readFullBidOffer, slotMemory, type EventKind, type SlotMemory } from '../src/events/index.js';
import { nativeBinding } from '../src/native.js';
import { decodeWithProtobufjs, encodeBidOffer, levelField } from './helpers/proto.js';
import { loadAddonDirectly, toHex } from './helpers/vectors.js';

const addon = nativeBinding ?? loadAddonDirectly();
const SEED = Number(process.env.CODEC_FUZZ_SEED ?? 0x5e7713ad) >>> 0;
const MESSAGES = 100_000;
const MUTATIONS = 100_000;

class Gen {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  u32(): number {
    return (this.next() * 4294967296) >>> 0;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

const SYMBOLS = ['PTT', 'AOT', 'BANPU-W5', 'S&J', 'SET50Z25', 'ทดสอบ', 'A', 'X'.repeat(32), 'ก'.repeat(10), 'é€😀'];

function varintBytes(lo: number, hi: number): number[] {
  const out: number[] = [];
  lo >>>= 0;
  hi >>>= 0;
  while (hi !== 0 || lo > 0x7f) {
    out.push((lo & 0x7f) | 0x80);
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out.push(lo);
  return out;
}
const v = (n: number): number[] => varintBytes(n >>> 0, n < 0 ? 0xffffffff : Math.floor(n / 4294967296));

/** Pads a varint with redundant continuation bytes, up to `max` bytes in all (tags: 5). */
function overlong(bytes: number[], g: Gen, max = 10): number[] {
  const extra = g.int(max + 1 - bytes.length);
  if (extra === 0) return bytes;
  const out = bytes.slice();
  out[out.length - 1]! |= 0x80;
  for (let i = 1; i < extra; i++) out.push(0x80);
  out.push(0);
  return out;
}

function randomInt64(g: Gen): { low: number; high: number; unsigned: boolean } | number {
  switch (g.int(4)) {
    case 0:
      return { low: g.u32() | 0, high: g.u32() | 0, unsigned: false };
    case 1:
      return -g.int(1_000_000);
    default:
      return g.int(10_000_000);
  }
}

function randomBook(g: Gen): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (!g.chance(0.05)) o.symbol = g.pick(SYMBOLS);
  const auction = g.chance(0.15);
  const flags = [0, 1, 2, 3];
  o.bidFlag = auction ? g.pick([2, 3]) : g.chance(0.05) ? g.u32() | 0 : g.pick(flags);
  o.askFlag = auction ? g.pick([2, 3]) : g.chance(0.05) ? g.u32() | 0 : g.pick(flags);
  for (const side of ['bid', 'ask'] as const) {
    const depth = g.int(11);
    for (let k = 0; k < depth; k++) {
      if (!auction || g.chance(0.2)) {
        const units = g.chance(0.05) ? randomInt64(g) : auction ? 0 : g.int(3000);
        const nanos = g.chance(0.05) ? g.u32() | 0 : auction ? 0 : g.int(100) * 10_000_000;
        o[levelField(side, 'Price', k)] = g.chance(0.1) ? {} : { units, nanos, ...(g.chance(0.05) ? { currencyCode: 'THB' } : {}) };
      }
      o[levelField(side, 'Volume', k)] = g.chance(0.1) ? randomInt64(g) : g.int(5_000_000);
    }
  }
  return o;
}

/** Top-level fields of a protobufjs encoding (it only emits varint and length-delimited fields). */
function splitFields(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  const readV = (): number => {
    let r = 0;
    let s = 1;
    for (;;) {
      const b = buf[p++]!;
      r += (b & 0x7f) * s;
      s *= 128;
      if (b < 0x80) return r;
    }
  };
  while (p < buf.length) {
    const start = p;
    const tag = readV();
    if ((tag & 7) === 2) {
      const len = readV(); // read before adding: readV advances p
      p += len;
    } else {
      readV();
    }
    out.push(buf.subarray(start, p));
  }
  return out;
}

function unknownField(g: Gen, depth = 0): number[] {
  const field = g.pick([44, 45, 99, 1000, 536870911, 12, 1, 2, 22]);
  // Known numbers only with a wire type that makes them unknown.
  const wt = field <= 43 ? g.pick(field === 1 || field === 2 ? [0, 1, 5] : [1, 2, 5]) : g.pick([0, 1, 2, 3, 5]);
  const tag = v(field * 8 + wt);
  switch (wt) {
    case 0:
      return [...tag, ...overlong(v(g.u32()), g)];
    case 1:
      return [...tag, ...Array.from({ length: 8 }, () => g.int(256))];
    case 2: {
      const body = Array.from({ length: g.int(6) }, () => g.int(256));
      return [...tag, ...v(body.length), ...body];
    }
    case 3: {
      const inner = depth < 2 && g.chance(0.5) ? unknownField(g, depth + 1) : [];
      return [...tag, ...inner, ...v(field * 8 + 4)];
    }
    default:
      return [...tag, ...Array.from({ length: 4 }, () => g.int(256))];
  }
}

function moneyBytes(g: Gen): number[] {
  const body: number[] = [];
  if (g.chance(0.7)) body.push(0x10, ...overlong(v(g.chance(0.1) ? -g.int(100) : g.int(3000)), g));
  if (g.chance(0.7)) body.push(0x18, ...v(g.chance(0.1) ? -g.int(1e9) : g.int(1e9)));
  if (g.chance(0.1)) body.push(...unknownField(g));
  return body;
}

const MONEY_FIELDS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33];
const VOLUME_FIELDS = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43];

// protobufjs encoding is slow (tens of µs a message), so a few thousand random
// books are encoded and split into fields once, and the messages under test are
// recombined from those protobufjs-encoded fields.
const BASES = 1000;
const assembly = new Uint8Array(1 << 16);

/** A random message, and whether protobufjs must agree with it (no Money merges). */
function randomMessage(g: Gen, bases: Uint8Array[][]): { payload: Uint8Array; protobufjsComparable: boolean } {
  const fields = g.pick(bases).slice();
  let comparable = true;
  if (g.chance(0.3)) {
    // borrow a few fields from another book
    const other = g.pick(bases);
    for (let n = g.int(4); n > 0 && other.length > 0; n--) fields.push(g.pick(other));
  }
  if (g.chance(0.5)) {
    for (let i = fields.length - 1; i > 0; i--) {
      const j = g.int(i + 1);
      [fields[i], fields[j]] = [fields[j]!, fields[i]!];
    }
  }
  const inserts = g.chance(0.5) ? g.int(4) : 0;
  for (let n = 0; n < inserts; n++) {
    let extra: number[];
    switch (g.int(4)) {
      case 0:
        extra = unknownField(g);
        break;
      case 1: {
        // an earlier Money occurrence that the real one merges into
        const body = moneyBytes(g);
        extra = [...v(g.pick(MONEY_FIELDS) * 8 + 2), ...v(body.length), ...body];
        comparable = false;
        break;
      }
      case 2:
        extra = [...v(g.pick(VOLUME_FIELDS) * 8), ...overlong(v(g.int(1e9)), g)];
        break;
      default:
        extra = [...overlong(v(g.pick([22, 23]) * 8), g, 5), ...overlong(v(g.int(5)), g)];
        break;
    }
    fields.splice(g.int(fields.length + 1), 0, Uint8Array.from(extra));
  }
  if (g.chance(0.2) && fields.length > 0) {
    // re-encode one varint field with an overlong value
    const i = g.int(fields.length);
    const f = fields[i]!;
    if ((f[0]! & 7) === 0 && f[0]! < 0x80) fields[i] = Uint8Array.from([f[0]!, ...overlong(Array.from(f.subarray(1)), g)]);
  }
  let at = 0;
  for (const f of fields) {
    for (let i = 0; i < f.length && at < assembly.length; i++) assembly[at++] = f[i]!;
  }
  return { payload: assembly.slice(0, at), protobufjsComparable: comparable };
}

function splice(b: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  remove = Math.min(remove, b.length - at);
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

function mutate(src: Uint8Array, g: Gen): Uint8Array {
  let b: Uint8Array = src.slice();
  const edits = 1 + g.int(3);
  for (let e = 0; e < edits; e++) {
    const at = g.int(b.length + 1);
    switch (g.int(6)) {
      case 0:
        if (at < b.length) b[at] = g.int(256);
        break;
      case 1:
        if (at < b.length) b[at]! ^= 1 << g.int(8);
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3:
        b = splice(b, at, 0, Array.from({ length: 1 + g.int(3) }, () => g.pick([0x00, 0x80, 0xff, 0x0b, 0x0c, 0x0e, 0x0f, g.int(256)])));
        break;
      case 4:
        b = splice(b, at, 1 + g.int(4), []);
        break;
      default:
        b = splice(b, at, 0, b.slice(g.int(b.length + 1), g.int(b.length + 1)));
        break;
    }
  }
  // An exact-size copy: a subarray would let an over-read go unnoticed.
  return b.slice();
}

type Decode = (kind: EventKind, payload: Uint8Array, mem: SlotMemory, off: number) => number;

describe.skipIf(!addon && process.env.SETTRADE_FEED_BACKEND !== 'native')('native and JS decoders agree', () => {
  const native: Decode = (kind, payload, mem, off) =>
    kind === 'bestBidAsk' ? addon!.decodeBestBidAsk(payload, mem.u8, off) : addon!.decodeFullBidOffer(payload, mem.u8, off);
  const memJs = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize + SlotLayout.bestBidAskSlotSize));
  const memNative = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize + SlotLayout.bestBidAskSlotSize));
  const BBA_OFF = SlotLayout.fullBidOfferSlotSize;

  /** Decodes with both backends, both kinds; returns the FullBidOffer status. */
  function compare(payload: Uint8Array, label: string): number {
    memJs.i32.fill(0x5a5a5a5a);
    memNative.i32.fill(0x5a5a5a5a);
    const sj = jsDecodeIntoSlot('fullBidOffer', payload, memJs, 0);
    const sn = native('fullBidOffer', payload, memNative, 0);
    const bj = jsDecodeIntoSlot('bestBidAsk', payload, memJs, BBA_OFF);
    const bn = native('bestBidAsk', payload, memNative, BBA_OFF);
    const a = memJs.i32;
    const b = memNative.i32;
    let same = sj === sn && bj === bn && sj === bj;
    for (let i = 0; same && i < a.length; i++) same = a[i] === b[i];
    if (!same) {
      expect.fail(
        `${label} (seed ${SEED}): js ${sj}/${bj} native ${sn}/${bn}, slots ${toHex(memJs.u8) === toHex(memNative.u8) ? 'equal' : 'differ'}; payload ${toHex(payload)}`,
      );
    }
    return sj;
  }

  it(`on ${MESSAGES} random protobufjs messages and ${MUTATIONS} mutations (seed ${SEED})`, () => {
    expect(addon).not.toBeNull();
    const g = new Gen(SEED);
    const bases = Array.from({ length: BASES }, () => splitFields(encodeBidOffer(randomBook(g))));
    const pool: Uint8Array[] = [];
    let ok = 0;
    let checkedByProtobufjs = 0;
    for (let n = 0; n < MESSAGES; n++) {
      const { payload, protobufjsComparable } = randomMessage(g, bases);
      if (pool.length < 2000) pool.push(payload);
      else pool[g.int(pool.length)] = payload;
      const st = compare(payload, `message ${n}`);
      if (st === DecodeStatus.OK) ok++;
      else expect.fail(`message ${n} (seed ${SEED}) rejected with ${st}: ${toHex(payload)}`);
      if (protobufjsComparable && n % 25 === 0) {
        const ref = decodeWithProtobufjs(payload);
        const got = readFullBidOffer(memJs, 0);
        const same =
          ref.symbol === got.symbol &&
          ref.bidFlag === got.bidFlag &&
          ref.askFlag === got.askFlag &&
          ref.bidPrices.every((x, i) => Object.is(x, got.bidPrices[i])) &&
          ref.askPrices.every((x, i) => Object.is(x, got.askPrices[i])) &&
          ref.bidVolumes.every((x, i) => x === got.bidVolumes[i]) &&
          ref.askVolumes.every((x, i) => x === got.askVolumes[i]);
        if (!same) expect.fail(`message ${n} (seed ${SEED}) differs from protobufjs: ${toHex(payload)}`);
        checkedByProtobufjs++;
      }
    }
    expect(ok).toBe(MESSAGES);
    expect(checkedByProtobufjs).toBeGreaterThan(MESSAGES / 50);

    const statuses = new Map<number, number>();
    for (let n = 0; n < MUTATIONS; n++) {
      const st = compare(mutate(g.pick(pool), g), `mutation ${n}`);
      statuses.set(st, (statuses.get(st) ?? 0) + 1);
    }
    // The mutations must exercise both outcomes and several error paths.
    expect(statuses.get(DecodeStatus.OK) ?? 0).toBeGreaterThan(MUTATIONS / 50);
    expect([...statuses.keys()].filter((s) => s !== DecodeStatus.OK).length).toBeGreaterThanOrEqual(5);
  });
});
