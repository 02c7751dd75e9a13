/**
 * Decode benchmark: ns per BidOfferV3 message for
 *   protobufjs   decode + normalize into the plain object a typical user builds
 *   js           our JS decoder into a slot
 *   native       our C++ decoder into a slot, one N-API call per message, through
 *                a decoder bound to the slot buffer, offset omitted (slot 0: what
 *                the public API calls)
 *   native-3arg  the same through the unbound call (payload, slots, offset)
 *   batch        C++ decoder, `--batch` (64) payloads per call, payloads pre-concatenated
 *   batch+copy   the same, including copying each payload into the batch buffer
 *   napi-noop    a native function taking the same arguments that does nothing
 *   napi-unwrap  the same plus argument unwrapping and checks
 *   napi-unwrap1 call plus unwrapping the payload and an offset (a bound call's floor)
 * for FullBidOffer and BestBidAsk, plus GC events per 1,000,000 decodes.
 * The napi-* probes are not in the shipped addon: they come from a separate
 * module, settrade_feed_bench.node (native/bench/bench_binding.cc), built with
 * cmake into build-cpp/bench-addon on first use; when it cannot be built the
 * napi-* rows are skipped with a message and everything else still runs.
 * The addon's C++ decoder variant (bmi2 or portable) is printed; set
 * SETTRADE_FEED_NATIVE_DECODER=portable to measure the portable one.
 *
 *   npx tsx bench/decode.ts [--repeats 7] [--messages 200000] [--batch 64] [--json out.json]
 *
 * Never asserted in tests; ratios are computed within one run.
 */
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { jsDecodeIntoSlot } from '../src/codec/index.js';
import { SlotLayout, slotMemory, type EventKind } from '../src/events/index.js';
import type { NativeBinding } from '../src/native.js';
import { countGc } from './lib/gc.js';
import { buildNapiProbes, loadNapiProbes, type NapiProbes } from './lib/napi-probes.js';
import { argValue, median, round, summarize, writeJson, type Summary } from './lib/stats.js';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const repeats = Number(argValue('repeats') ?? 7);
const messages = Number(argValue('messages') ?? 200_000);
const batchSize = Number(argValue('batch') ?? 64);
const jsonPath = argValue('json');

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/bidofferv3.proto', import.meta.url)));
const BidOfferV3 = root.lookupType('settrade.v3.BidOfferV3');

function loadAddon(): NativeBinding | null {
  try {
    const require = createRequire(import.meta.url);
    return (require('node-gyp-build') as (d: string) => NativeBinding)(fileURLToPath(new URL('..', import.meta.url)));
  } catch {
    return null;
  }
}
const addon = loadAddon();
/** The napi-* probes (a separate module); set by main() before any case runs. */
let probes: NapiProbes | null = null;

// ---- workload: realistic ten-level books (ticks with nanos, 5-7 digit volumes) ----
function makePayloads(count: number): Uint8Array[] {
  let seed = 12345;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const symbols = ['PTT', 'AOT', 'CPALL', 'ADVANC', 'BANPU-W5', 'KBANK', 'SCB', 'GULF', 'DELTA', 'S&J'];
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const base = 10 + Math.floor(rnd() * 300);
    const o: Record<string, unknown> = { symbol: symbols[i % symbols.length], bidFlag: 1, askFlag: 1 };
    for (let k = 0; k < 10; k++) {
      const tick = 0.25;
      const bid = base - k * tick - 0.13;
      const ask = base + (k + 1) * tick + 0.07;
      o[`bidPrice${k + 1}`] = { units: Math.floor(bid), nanos: Math.round((bid - Math.floor(bid)) * 100) * 10_000_000 };
      o[`askPrice${k + 1}`] = { units: Math.floor(ask), nanos: Math.round((ask - Math.floor(ask)) * 100) * 10_000_000 };
      o[`bidVolume${k + 1}`] = 100_000 + Math.floor(rnd() * 9_900_000);
      o[`askVolume${k + 1}`] = 100_000 + Math.floor(rnd() * 9_900_000);
    }
    out.push(BidOfferV3.encode(BidOfferV3.fromObject(o)).finish());
  }
  return out;
}

const POOL = 1024; // distinct payloads, cycled (power of two)
const payloads = makePayloads(POOL);
const avgBytes = payloads.reduce((n, p) => n + p.length, 0) / POOL;

// ---- the protobufjs path a typical user writes ----
interface LongLike {
  toNumber(): number;
}
type MoneyMsg = { units: number | LongLike; nanos: number } | null | undefined;
const num = (v: number | LongLike): number => (typeof v === 'number' ? v : v.toNumber());
const price = (m: MoneyMsg): number => (m ? num(m.units) + m.nanos * 1e-9 : 0);

function protobufjsFull(p: Uint8Array): unknown {
  const m = BidOfferV3.decode(p) as unknown as Record<string, unknown>;
  const bidPrices: number[] = [];
  const askPrices: number[] = [];
  const bidVolumes: number[] = [];
  const askVolumes: number[] = [];
  for (let k = 1; k <= 10; k++) {
    bidPrices.push(price(m[`bidPrice${k}`] as MoneyMsg));
    askPrices.push(price(m[`askPrice${k}`] as MoneyMsg));
    bidVolumes.push(num(m[`bidVolume${k}`] as number | LongLike));
    askVolumes.push(num(m[`askVolume${k}`] as number | LongLike));
  }
  return { symbol: m.symbol, bidPrices, askPrices, bidVolumes, askVolumes, bidFlag: m.bidFlag, askFlag: m.askFlag };
}

function protobufjsBest(p: Uint8Array): unknown {
  const m = BidOfferV3.decode(p) as unknown as Record<string, unknown>;
  return {
    symbol: m.symbol,
    bid: price(m.bidPrice1 as MoneyMsg),
    ask: price(m.askPrice1 as MoneyMsg),
    bidVol: num(m.bidVolume1 as number | LongLike),
    askVol: num(m.askVolume1 as number | LongLike),
    bidFlag: m.bidFlag,
    askFlag: m.askFlag,
  };
}

// ---- slot memory: a ring of slots, as the dispatcher uses ----
const RING = 64;
const mem = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize * Math.max(RING, batchSize)));
let sink: unknown;

// Batch inputs: pre-concatenated groups of batchSize payloads.
const groups = POOL / batchSize;
const batchData: Uint8Array[] = [];
const batchOffsets: Int32Array[] = [];
for (let gi = 0; gi < groups; gi++) {
  const ps = payloads.slice(gi * batchSize, (gi + 1) * batchSize);
  const offs = new Int32Array(batchSize + 1);
  ps.forEach((p, i) => (offs[i + 1] = offs[i]! + p.length));
  const data = new Uint8Array(offs[batchSize]!);
  ps.forEach((p, i) => data.set(p, offs[i]!));
  batchData.push(data);
  batchOffsets.push(offs);
}
const copyBuf = new Uint8Array(64 * 1024);
const copyOffsets = new Int32Array(batchSize + 1);
const statuses = new Int32Array(batchSize);

type Body = (n: number) => void;

function cases(kind: EventKind): Record<string, { body: Body; opsPerCall?: number } | null> {
  const size = kind === 'bestBidAsk' ? SlotLayout.bestBidAskSlotSize : SlotLayout.fullBidOfferSlotSize;
  const k = kind === 'bestBidAsk' ? 0 : 1;
  const pb = kind === 'bestBidAsk' ? protobufjsBest : protobufjsFull;
  const out: Record<string, { body: Body; opsPerCall?: number } | null> = {
    protobufjs: {
      body: (n) => {
        for (let i = 0; i < n; i++) sink = pb(payloads[i & (POOL - 1)]!);
      },
    },
    js: {
      body: (n) => {
        let bad = 0;
        // Slot 0, as the public API and the bound native case below.
        for (let i = 0; i < n; i++) bad |= jsDecodeIntoSlot(kind, payloads[i & (POOL - 1)]!, mem, 0);
        if (bad) throw new Error('decode failed');
      },
    },
  };
  if (!addon) return out;
  const decode = kind === 'bestBidAsk' ? addon.decodeBestBidAsk : addon.decodeFullBidOffer;
  const { decodeBatch } = addon;
  const u8 = mem.u8;
  const bound = addon.bindSlots(u8);
  const decodeBound = kind === 'bestBidAsk' ? bound.decodeBestBidAsk : bound.decodeFullBidOffer;
  out.native = {
    body: (n) => {
      let bad = 0;
      for (let i = 0; i < n; i++) bad |= decodeBound(payloads[i & (POOL - 1)]!);
      if (bad) throw new Error('decode failed');
    },
  };
  out['native-3arg'] = {
    body: (n) => {
      let bad = 0;
      for (let i = 0; i < n; i++) bad |= decode(payloads[i & (POOL - 1)]!, u8, (i & (RING - 1)) * size);
      if (bad) throw new Error('decode failed');
    },
  };
  out.batch = {
    body: (n) => {
      const calls = Math.floor(n / batchSize);
      for (let c = 0; c < calls; c++) {
        const g = c % groups;
        if (decodeBatch(k, batchData[g]!, batchOffsets[g]!, batchSize, u8, 0, statuses) !== batchSize) throw new Error('decode failed');
      }
    },
  };
  out['batch+copy'] = {
    body: (n) => {
      const calls = Math.floor(n / batchSize);
      let i = 0;
      for (let c = 0; c < calls; c++) {
        let at = 0;
        for (let j = 0; j < batchSize; j++, i++) {
          const p = payloads[i & (POOL - 1)]!;
          copyBuf.set(p, at);
          at += p.length;
          copyOffsets[j + 1] = at;
        }
        if (decodeBatch(k, copyBuf, copyOffsets, batchSize, u8, 0, statuses) !== batchSize) throw new Error('decode failed');
      }
    },
  };
  if (!probes) return out;
  const { noop, noopUnwrap, noopUnwrapPayload } = probes;
  out['napi-noop'] = {
    body: (n) => {
      for (let i = 0; i < n; i++) sink = noop(payloads[i & (POOL - 1)]!, u8, (i & (RING - 1)) * size);
    },
  };
  out['napi-unwrap'] = {
    body: (n) => {
      for (let i = 0; i < n; i++) sink = noopUnwrap(payloads[i & (POOL - 1)]!, u8, (i & (RING - 1)) * 384);
    },
  };
  out['napi-unwrap1'] = {
    body: (n) => {
      for (let i = 0; i < n; i++) sink = noopUnwrapPayload(payloads[i & (POOL - 1)]!, (i & (RING - 1)) * 384);
    },
  };
  return out;
}

interface KindResult {
  nsPerMessage: Record<string, Summary>;
  gcPer1M: Record<string, number>;
  ratios: Record<string, number>;
}

const RATIOS: [string, string, string][] = [
  ['protobufjs/js', 'protobufjs', 'js'],
  ['protobufjs/native', 'protobufjs', 'native'],
  ['js/native', 'js', 'native'],
  ['protobufjs/batch', 'protobufjs', 'batch'],
  ['js/batch', 'js', 'batch'],
  ['protobufjs/batch+copy', 'protobufjs', 'batch+copy'],
  ['js/batch+copy', 'js', 'batch+copy'],
];

async function runKind(kind: EventKind): Promise<KindResult> {
  const cs = Object.entries(cases(kind)).filter((e): e is [string, { body: Body }] => e[1] !== null);
  const iters = (name: string): number => {
    // protobufjs is ~10x slower: fewer iterations keep the run time sane.
    const n = name === 'protobufjs' ? Math.max(batchSize, Math.floor(messages / 8)) : messages;
    return Math.floor(n / batchSize) * batchSize;
  };
  for (const [name, c] of cs) for (let w = 0; w < 2; w++) c.body(iters(name)); // warm-up
  // Rounds interleave the cases, so a load spike on this shared machine hits
  // every case of a round alike; ratios are taken per round, then the median.
  const runs: Record<string, number[]> = {};
  const roundRatios: Record<string, number[]> = {};
  for (let r = 0; r < repeats; r++) {
    const round: Record<string, number> = {};
    for (const [name, c] of cs) {
      const n = iters(name);
      const t0 = process.hrtime.bigint();
      c.body(n);
      round[name] = Number(process.hrtime.bigint() - t0) / n;
      (runs[name] ??= []).push(round[name]!);
    }
    for (const [label, a, b] of RATIOS) if (a in round && b in round) (roundRatios[label] ??= []).push(round[a]! / round[b]!);
  }
  const nsPerMessage: Record<string, Summary> = {};
  const gcPer1M: Record<string, number> = {};
  for (const [name, c] of cs) {
    nsPerMessage[name] = summarize(runs[name]!);
    if (!name.startsWith('napi')) {
      const gcN = name === 'protobufjs' ? 200_000 : 1_000_000;
      gcPer1M[name] = round(((await countGc(() => c.body(gcN))) * 1_000_000) / gcN);
    }
    const s = nsPerMessage[name]!;
    console.log(`${kind.padEnd(12)} ${name.padEnd(12)} ${String(s.median).padStart(8)} ns/msg  cv ${(s.cv * 100).toFixed(1)}%${s.unstable ? ' UNSTABLE' : ''}${name in gcPer1M ? `  gc/1M ${gcPer1M[name]}` : ''}`);
  }
  const ratios: Record<string, number> = {};
  for (const [label, values] of Object.entries(roundRatios)) ratios[label] = round(median(values));
  console.log(`${kind.padEnd(12)} ratios (median of per-round) ${Object.entries(ratios).map(([k, v]) => `${k} ${v}x`).join(', ')}`);
  return { nsPerMessage, gcPer1M, ratios };
}

// Each kind runs in a process of its own: run in one, the second kind's
// calls go through call sites V8 has already seen with the first kind's
// functions (closures of one literal share feedback), which made its per-call
// numbers up to 20% worse than an application calling one decoder ever sees.
function runKindInChild(kind: EventKind): KindResult {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2).filter((a, i, all) => a !== '--json' && all[i - 1] !== '--json' && !a.startsWith('--json=')), '--child-kind', kind];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`bench child for ${kind} exited with ${r.status}`);
  const lines = r.stdout.trimEnd().split('\n');
  for (const line of lines.slice(0, -1)) console.log(line);
  return JSON.parse(lines[lines.length - 1]!) as KindResult;
}

async function main(): Promise<void> {
  const childKind = argValue('child-kind') as EventKind | undefined;
  if (childKind) {
    if (addon) {
      const loaded = loadNapiProbes(); // built by the parent; its status was printed there
      probes = 'probes' in loaded ? loaded.probes : null;
    }
    const result = await runKind(childKind);
    console.log(JSON.stringify(result));
    return;
  }
  const variant = addon ? addon.decoderVariant : null;
  // Built (or found up to date) here, once; the per-kind children only load it.
  let probeError: string | undefined = 'no native addon';
  if (addon) {
    const buildError = buildNapiProbes();
    const loaded = buildError === undefined ? loadNapiProbes() : { error: buildError };
    probeError = 'error' in loaded ? loaded.error : undefined;
  }
  const probesNote = probeError === undefined ? 'napi-* probes loaded (settrade_feed_bench.node)' : `napi-* rows SKIPPED: ${probeError}`;
  console.log(`decode bench: ${POOL} payloads, avg ${avgBytes.toFixed(0)} bytes; ${messages} msgs x ${repeats} runs; batch ${batchSize}; native ${addon ? `loaded (${variant} decoder)` : 'NOT loaded'}; one process per kind; ${probesNote}`);
  const result = {
    config: { payloads: POOL, avgPayloadBytes: round(avgBytes), messages, repeats, batchSize, native: addon !== null, decoderVariant: variant, napiProbes: probeError === undefined },
    fullBidOffer: runKindInChild('fullBidOffer'),
    bestBidAsk: runKindInChild('bestBidAsk'),
  };
  if (jsonPath) {
    writeJson(jsonPath, result);
    console.log(`wrote ${jsonPath}`);
  }
  void sink;
}

await main();
