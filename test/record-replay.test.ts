/**
 * replayFeed: a recording replayed through the same adapter -> decoder ->
 * ring path as the live feed. At 'max' the events equal decoding the
 * recorded payloads with the recorded stamps and epochs, losslessly even
 * into a tiny ring with a slow consumer; at speed 1 the recorded silences
 * are reproduced (FeedHealth reports a stalled symbol stale), at speed 10
 * they shrink tenfold; filters, recorded feed events, damage and options.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { decodeBestBidAsk, decodeFullBidOffer, FeedHealth, SettradeConfigError, type BestBidAsk, type FullBidOffer } from '../src/index.js';
import { replayFeed, type ReplayFeed } from '../src/record/replay.js';
import { RecordingFormatError } from '../src/record/reader-errors.js';
import type { EventKind } from '../src/events/slot-layout.js';
import type { Logger } from '../src/util/logger.js';
import { silentLogger } from '../src/util/logger.js';
import { MALFORMED_PAYLOADS } from '../src/sim/proto-encoder.js';
import { bookPayload, buildRecording, MONO0, simpleRecords, tempDir, WALL0, type TestRecord } from './helpers/recording.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function temp(): ReturnType<typeof tempDir> {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t;
}
function track<F extends ReplayFeed<EventKind>>(feed: F): F {
  cleanups.push(() => feed.shutdown());
  return feed;
}

const MS = 1_000_000n;

/** Every event of the feed's first ring until the replay ends. */
async function drain<K extends EventKind>(feed: ReplayFeed<K>, each?: (e: BestBidAsk | FullBidOffer) => void | Promise<void>): Promise<(BestBidAsk | FullBidOffer)[]> {
  const out: (BestBidAsk | FullBidOffer)[] = [];
  for await (const e of feed.dispatcher.events()) {
    out.push(e);
    await each?.(e);
  }
  return out;
}

/** A recording with two epochs, a reconnect between them, malformed payloads among the books. */
function mixedRecords(): { records: TestRecord[]; valid: TestRecord[]; malformed: number } {
  const records: TestRecord[] = [];
  let i = 0;
  const at = (k: number) => ({ wallNs: WALL0 + BigInt(k) * 3n * MS + 17n, monoNs: MONO0 + BigInt(k) * 3n * MS + 5n });
  for (; i < 120; i++) {
    const symbol = ['AOT', 'PTT', 'KBANK'][i % 3]!;
    records.push({ symbol, payload: bookPayload(symbol, i), epoch: 0, ...at(i) });
    if (i % 40 === 7) records.push({ symbol: 'PTT', payload: MALFORMED_PAYLOADS[(i / 40) | 0]!, epoch: 0, ...at(i) });
  }
  records.push({ event: { kind: 'reconnect', epoch: 1, reason: 'connection-lost' }, epoch: 1, ...at(i) });
  for (; i < 200; i++) {
    const symbol = ['AOT', 'PTT', 'KBANK'][i % 3]!;
    records.push({ symbol, payload: bookPayload(symbol, i), epoch: 1, ...at(i) });
    if (i === 150) records.push({ symbol: 'AOT', payload: MALFORMED_PAYLOADS[4]!, epoch: 1, ...at(i) });
  }
  const malformed = records.filter((r) => 'symbol' in r && MALFORMED_PAYLOADS.includes(r.payload)).length;
  return { records, valid: records.filter((r) => 'symbol' in r && !MALFORMED_PAYLOADS.includes(r.payload)), malformed };
}

describe('replayFeed', () => {
  for (const fullDepth of [true, false]) {
    it(`at max, ${fullDepth ? 'full depth' : 'best bid/ask'}: the events equal decoding the recorded payloads with the recorded stamps and epochs`, async () => {
      const t = temp();
      const { records, valid, malformed } = mixedRecords();
      const path = t.file('mixed.stfd', buildRecording(records).bytes);
      const feed = track(await replayFeed({ files: [path], speed: 'max', fullDepth, logger: silentLogger }));
      const states: string[] = [];
      const reconnects: unknown[] = [];
      feed.on('state', (s) => states.push(s));
      feed.on('reconnect', (r) => reconnects.push(r));
      expect(feed.state).toBe('CONNECTING');
      expect(feed.subscribedSymbols).toEqual(['AOT', 'KBANK', 'PTT']);
      const events = await drain(feed);
      const decode = fullDepth ? decodeFullBidOffer : decodeBestBidAsk;
      const expected = valid.map((r) => ('symbol' in r ? decode(r.payload, { recvTs: r.wallNs, recvMonoNs: r.monoNs, connectionEpoch: r.epoch }) : undefined));
      expect(events).toEqual(expected);
      expect(events.filter((e) => e.connectionEpoch === 1).length).toBe(valid.filter((r) => r.epoch === 1).length);
      expect(reconnects).toEqual([{ epoch: 1, reason: 'connection-lost', subscriptions: 3 }]);
      expect(states).toEqual(['CONNECTED', 'SHUTDOWN']);
      const stats = await feed.stats();
      expect(stats.adapter).toMatchObject({ messagesParsed: valid.length, parseErrors: malformed, fullDepth });
      expect(stats.replay).toMatchObject({ messages: valid.length + malformed, feedEvents: 1, recordsSkipped: 0, truncated: false, files: 1, done: true, error: undefined });
      expect(stats.client).toMatchObject({ reconnectCount: 1, reconnectEpoch: 1, state: 'SHUTDOWN' });
      expect(malformed).toBe(4);
    });
  }

  it('at max into a 64-event ring with a slow consumer: lossless', async () => {
    const t = temp();
    const records = simpleRecords(['AOT', 'PTT', 'SCB'], 3000, 10_000n);
    const path = t.file('many.stfd', buildRecording(records).bytes);
    const feed = track(await replayFeed({ files: [path], fullDepth: false, maxSize: 64, logger: silentLogger }));
    let n = 0;
    const events = await drain(feed, async () => {
      if (++n % 20 === 0) await sleep(1);
    });
    expect(events.map((e) => e.recvMonoNs)).toEqual(records.map((r) => r.monoNs));
    expect(feed.dispatcher.stats()).toMatchObject({ totalDropped: 0, totalPushed: 3000, totalPolled: 3000 });
  });

  it('sharded: each symbol on its ring, lossless into small rings drained by one consumer', async () => {
    const t = temp();
    const records = simpleRecords(['AOT', 'PTT', 'SCB', 'KBANK', 'BBL'], 2000, 10_000n);
    const path = t.file('sharded.stfd', buildRecording(records).bytes);
    const feed = track(await replayFeed({ files: [path], fullDepth: true, shards: 3, maxSize: 32, logger: silentLogger }));
    const seen: bigint[][] = feed.shards.map(() => []);
    while (!feed.shards.every((s) => s.closed && s.stats().queueLen === 0)) {
      feed.shards.forEach((s, i) => s.drain((v) => void seen[i]!.push(v.recvMonoNs)));
      await sleep(0);
    }
    feed.shards.forEach((s, i) => s.drain((v) => void seen[i]!.push(v.recvMonoNs)));
    expect(seen.flat().sort((a, b) => (a < b ? -1 : 1))).toEqual(records.map((r) => r.monoNs));
    for (const s of feed.shards) expect(s.stats().totalDropped).toBe(0);
  });

  /** A every 50 ms for 3 s; B too, except silent from 1.0 s to 2.5 s. */
  function stalledRecording(): TestRecord[] {
    const out: TestRecord[] = [];
    for (let k = 0; k < 60; k++) {
      const tNs = BigInt(k) * 50n * MS;
      for (const symbol of ['A', 'B']) {
        if (symbol === 'B' && k >= 20 && k < 50) continue;
        out.push({ symbol, payload: bookPayload(symbol, k), epoch: 0, wallNs: WALL0 + tNs, monoNs: MONO0 + tNs });
      }
    }
    return out;
  }

  /** Replays the stalled recording; at each event, asks FeedHealth (default clock) about the other symbol. */
  async function replayStalled(path: string, speed: number | 'max', symbolTimeoutSec: number) {
    const feed = track(await replayFeed({ files: [path], speed, fullDepth: false, logger: silentLogger }));
    const health = new FeedHealth({ symbolTimeoutSec });
    const bStaleAt: bigint[] = [];
    let aStaleSeen = false;
    const t0 = process.hrtime.bigint();
    const events = await drain(feed, (e) => {
      health.onEvent(e.symbol);
      if (e.symbol === 'A' && health.isStale('B')) bStaleAt.push(e.recvMonoNs - MONO0);
      if (e.symbol === 'B' && health.isStale('A')) aStaleSeen = true;
    });
    const elapsedNs = process.hrtime.bigint() - t0;
    return { events, bStaleAt, aStaleSeen, elapsedNs, bStaleAtEnd: health.isStale('B') };
  }

  it('at speed 1 the recorded silence is reproduced: FeedHealth reports the stalled symbol stale, as it did live', async () => {
    const t = temp();
    const records = stalledRecording();
    const path = t.file('stalled.stfd', buildRecording(records).bytes);

    // Live, FeedHealth saw the recorded stamps: B stale from 1 s into its silence (1.55 s long) until it resumed.
    const live = new FeedHealth({ symbolTimeoutSec: 1 });
    const liveStale: bigint[] = [];
    for (const r of records) {
      if (!('symbol' in r)) continue;
      live.onEvent(r.symbol, r.monoNs);
      if (r.symbol === 'A' && live.isStale('B', r.monoNs)) liveStale.push(r.monoNs - MONO0);
    }
    expect(liveStale.length).toBeGreaterThan(5);

    const paced = await replayStalled(path, 1, 1);
    expect(paced.events.map((e) => e.recvMonoNs)).toEqual(records.map((r) => r.monoNs));
    // On the real clock: B stale while it was silent (A comes first at 2.5 s, when B resumes), A never.
    expect(paced.bStaleAt.length).toBeGreaterThan(0);
    for (const at of paced.bStaleAt) expect(at >= 1000n * MS && at <= 2500n * MS, `B stale at ${at / MS} ms`).toBe(true);
    expect(paced.aStaleSeen).toBe(false);
    expect(paced.bStaleAtEnd).toBe(false);
    // The replay took at least the recorded span (it never runs ahead; a ms of timer slack).
    expect(paced.elapsedNs).toBeGreaterThanOrEqual(2950n * MS - 5n * MS);

    // The same recording at max: no silence to see.
    const fast = await replayStalled(path, 'max', 1);
    expect(fast.events).toHaveLength(records.length);
    expect(fast.bStaleAt).toEqual([]);
  });

  it('at speed 10 the same silences last a tenth', async () => {
    const t = temp();
    const records = stalledRecording();
    const path = t.file('stalled10.stfd', buildRecording(records).bytes);
    // B's 1.5 s silence lasts >= 150 ms: stale with a 50 ms timeout...
    const short = await replayStalled(path, 10, 0.05);
    expect(short.bStaleAt.length).toBeGreaterThan(0);
    for (const at of short.bStaleAt) expect(at >= 1000n * MS && at <= 2500n * MS).toBe(true);
    expect(short.elapsedNs).toBeGreaterThanOrEqual(295n * MS - 5n * MS);
    // ...but not with the 1 s timeout that caught it at speed 1.
    const long = await replayStalled(path, 10, 1);
    expect(long.bStaleAt).toEqual([]);
    expect(long.events.map((e) => e.recvMonoNs)).toEqual(records.map((r) => r.monoNs));
  });

  it('across files the pace follows the wall clock (each file has its own monotonic clock)', async () => {
    const t = temp();
    const first = simpleRecords(['AOT'], 5, 10n * MS);
    // The next process: its monotonic clock starts elsewhere (1000 s later), the wall clock 1 s after the first file's end.
    const second = simpleRecords(['AOT'], 5, 10n * MS).map((r) => ({ ...r, wallNs: r.wallNs + 1040n * MS, monoNs: r.monoNs + 1000_000n * MS }));
    const a = t.file('a.stfd', buildRecording(first).bytes);
    const b = t.file('b.stfd', buildRecording(second, { fileIndex: 1 }).bytes);
    const t0 = process.hrtime.bigint();
    const feed = track(await replayFeed({ files: [a, b], speed: 10, fullDepth: false, logger: silentLogger }));
    const events = await drain(feed);
    const elapsed = process.hrtime.bigint() - t0;
    expect(events.map((e) => e.recvTs)).toEqual([...first, ...second].map((r) => r.wallNs));
    // 1.08 s of recorded wall clock at speed 10: >= 108 ms (8 ms if the files were joined without their gap;
    // and not 100 s of monotonic clock: the test would time out). The replay never runs ahead: a lower bound holds under load.
    expect(elapsed).toBeGreaterThanOrEqual(108n * MS - 2n * MS);
    expect((await feed.stats()).replay.files).toBe(2);
  });

  it('filters: symbols, and from/to by recorded wall time (Date, ISO-8601 string, ns bigint)', async () => {
    const t = temp();
    const records = simpleRecords(['AOT', 'PTT', 'KBANK'], 100, MS);
    const path = t.file('filter.stfd', buildRecording(records).bytes);
    const fromNs = WALL0 + 20n * MS;
    const toNs = WALL0 + 59n * MS;
    const want = records.filter((r) => 'symbol' in r && r.symbol !== 'KBANK' && r.wallNs >= fromNs && r.wallNs <= toNs).map((r) => r.wallNs);
    const iso = (ns: bigint) => new Date(Number(ns / MS)).toISOString();
    for (const [from, to] of [
      [fromNs, toNs],
      [new Date(Number(fromNs / MS)), iso(toNs)],
    ] as const) {
      const feed = track(await replayFeed({ files: [path], symbols: ['aot', 'PTT'], from, to, fullDepth: false, logger: silentLogger }));
      expect(feed.subscribedSymbols).toEqual(['AOT', 'PTT']);
      const events = await drain(feed);
      expect(events.map((e) => e.recvTs)).toEqual(want);
      expect(events.every((e) => e.symbol !== 'KBANK')).toBe(true);
    }
    // unsubscribe during a replay: that symbol's later messages are not delivered.
    const feed = track(await replayFeed({ files: [path], fullDepth: false, logger: silentLogger }));
    feed.unsubscribe('KBANK');
    expect((await drain(feed)).filter((e) => e.symbol === 'KBANK')).toEqual([]);
  });

  it('recorded subscribe errors reach the feed as subscribeError events; recorded unsubscribes drop what live dropped', async () => {
    const t = temp();
    const at = (k: number) => ({ epoch: 0, wallNs: WALL0 + BigInt(k) * MS, monoNs: MONO0 + BigInt(k) * MS });
    const msg = (symbol: string, k: number): TestRecord => ({ symbol, payload: bookPayload(symbol, k), ...at(k) });
    const records: TestRecord[] = [
      msg('AOT', 0),
      msg('PTT', 1),
      { event: { kind: 'subscribeError', symbol: 'AOT', message: 'symbol not permitted' }, ...at(2) },
      { event: { kind: 'unsubscribe', symbol: 'PTT' }, ...at(3) },
      msg('PTT', 4), // in flight after the unsubscribe: the live adapter dropped it
      msg('AOT', 5),
      { event: { kind: 'subscribe', symbol: 'PTT' }, ...at(6) },
      msg('PTT', 7),
    ];
    const feed = track(await replayFeed({ files: [t.file('se.stfd', buildRecording(records).bytes)], fullDepth: false, logger: silentLogger }));
    const errors: unknown[] = [];
    feed.on('subscribeError', (e) => errors.push(e));
    expect((await drain(feed)).map((e) => [e.symbol, (e.recvMonoNs - MONO0) / MS])).toEqual([
      ['AOT', 0n],
      ['PTT', 1n],
      ['AOT', 5n],
      ['PTT', 7n],
    ]);
    expect(errors).toEqual([{ symbol: 'AOT', message: 'symbol not permitted', raw: 'symbol not permitted' }]);
    expect((await feed.stats()).subscribeErrors).toBe(1);
    expect(() => feed.subscribe('AOT')).toThrow(expect.objectContaining({ code: 'ERR_SHUTDOWN' }));
  });

  it('damage: a cut file replays to its last whole record (one warning), a bad CRC is skipped and counted', async () => {
    const t = temp();
    const records = simpleRecords(['AOT', 'PTT'], 40);
    const { bytes, offsets } = buildRecording(records);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_o, m) => void warnings.push(m ?? '') };

    const cut = track(await replayFeed({ files: [t.file('cut.stfd', bytes.subarray(0, offsets[30]! + 11))], fullDepth: false, logger }));
    expect((await drain(cut)).map((e) => e.recvTs)).toEqual(records.slice(0, 30).map((r) => r.wallNs));
    expect((await cut.stats()).replay).toMatchObject({ truncated: true, recordsSkipped: 0 });
    expect(warnings).toHaveLength(1);

    const flipped = Uint8Array.from(bytes);
    flipped[offsets[12]! + 40]! ^= 0xff;
    const bad = track(await replayFeed({ files: [t.file('crc.stfd', flipped)], fullDepth: false, logger: silentLogger }));
    expect((await drain(bad)).map((e) => e.recvTs)).toEqual(records.filter((_, i) => i !== 12).map((r) => r.wallNs));
    expect((await bad.stats()).replay).toMatchObject({ truncated: false, recordsSkipped: 1, bytesSkipped: offsets[13]! - offsets[12]! });
  });

  it('refuses a file of another version or one that is not a recording before it starts', async () => {
    const t = temp();
    const good = t.file('good.stfd', buildRecording(simpleRecords(['AOT'], 3)).bytes);
    const v9 = Uint8Array.from(buildRecording(simpleRecords(['AOT'], 3)).bytes);
    v9[8] = 9;
    const v9Path = t.file('v9.stfd', v9);
    const err = await replayFeed({ files: [good, v9Path], fullDepth: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingFormatError);
    expect(err).toMatchObject({ code: 'ERR_RECORDING_VERSION', path: v9Path, version: 9 });
    const junk = t.file('junk.stfd', Buffer.from('{"not": "a recording"}'));
    await expect(replayFeed({ files: [junk], fullDepth: false })).rejects.toMatchObject({ code: 'ERR_RECORDING_FORMAT', path: junk });
  });

  it('options: unknown keys and bad values throw SettradeConfigError naming the field', async () => {
    const t = temp();
    const path = t.file('o.stfd', buildRecording(simpleRecords(['AOT'], 3)).bytes);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ files: [path], fullDepth: false, sped: 2 }, /^sped: unknown option \(did you mean 'speed'\?\)/],
      [{ files: [path], fullDepth: false, speed: 0 }, /^speed: /],
      [{ files: [path], fullDepth: false, speed: 'fast' }, /^speed: /],
      [{ files: [], fullDepth: false }, /^files: /],
      [{ files: [path], fullDepth: false, from: 'yesterday' }, /^from: is not a date/],
      [{ files: [path], fullDepth: false, from: 12 }, /^from: /],
      [{ files: [path], fullDepth: false, from: 5n, to: 4n }, /^to: is before from/],
      [{ files: [path], fullDepth: false, maxSize: 0 }, /^maxSize: /],
    ];
    for (const [options, message] of bad) {
      const err = await replayFeed(options as never).catch((e: unknown) => e);
      expect(err, JSON.stringify(options, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBeInstanceOf(SettradeConfigError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('a literal fullDepth types the events, as createFeed does (checked by tsc)', async () => {
    const t = temp();
    const path = t.file('types.stfd', buildRecording(simpleRecords(['AOT'], 2)).bytes);
    const full = track(await replayFeed({ files: [path], fullDepth: true, logger: silentLogger }));
    const best = track(await replayFeed({ files: [path], fullDepth: false, logger: silentLogger }));
    expectTypeOf<ReturnType<typeof full.dispatcher.poll>>().toEqualTypeOf<FullBidOffer[]>();
    expectTypeOf<ReturnType<(typeof best.shards)[0]['poll']>>().toEqualTypeOf<BestBidAsk[]>();
    expect((await drain(full)).map((e) => (e as FullBidOffer).bidPrices.length)).toEqual([10, 10]);
    expect((await drain(best)).map((e) => 'bid' in e)).toEqual([true, true]);
  });

  it('shutdown during a paced replay ends it: rings closed, consumers end, state SHUTDOWN', async () => {
    const t = temp();
    const records = simpleRecords(['AOT'], 100, 100n * MS); // 10 s at speed 1
    const feed = track(await replayFeed({ files: [t.file('long.stfd', buildRecording(records).bytes)], speed: 1, fullDepth: false, logger: silentLogger }));
    const consumed = drain(feed, async (e) => {
      if (e.recvMonoNs === records[2]!.monoNs) await feed.shutdown();
    });
    const events = await consumed;
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.length).toBeLessThan(100);
    expect(feed.state).toBe('SHUTDOWN');
    expect(feed.dispatcher.closed).toBe(true);
    expect((await feed.ended).done).toBe(true);
  });

  it('shutdown during a recorded hour of silence at speed 1 does not wait it out', async () => {
    const t = temp();
    const hour = 3600n * 1000n * MS;
    const records = simpleRecords(['AOT'], 2).map((r, i) => (i === 1 ? { ...r, wallNs: r.wallNs + hour, monoNs: r.monoNs + hour } : r));
    const feed = track(await replayFeed({ files: [t.file('hour.stfd', buildRecording(records).bytes)], speed: 1, fullDepth: false, logger: silentLogger }));
    // The first event is delivered, then the replay waits for the second, an hour away.
    const events = await drain(feed, () => void feed.shutdown());
    expect(events).toHaveLength(1);
    expect(feed.state).toBe('SHUTDOWN');
  });
});
