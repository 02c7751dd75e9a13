/**
 * Total validation of the consumer-side components, as one table per entry
 * point: every bad input is refused with an error naming the field (or
 * argument), and nothing is queued, counted or tracked on the way. Rows
 * marked "found" are the cases issue 12 found accepted silently on main.
 */
import { describe, expect, it } from 'vitest';
import {
  Dispatcher,
  InvalidOptionError,
  ShardedDispatcher,
  type DispatcherOptions,
  type ShardedDispatcherOptions,
} from '../src/dispatcher/index.js';
import { MAX_RING_BYTES } from '../src/dispatcher/options.js';
import { SettradeFeedError } from '../src/errors.js';
import { InvalidEventError } from '../src/events/slot-writer.js';
import type { BestBidAsk, BidOfferEvent, FullBidOffer } from '../src/events/types.js';
import { FeedHealth, type FeedHealthOptions } from '../src/health/index.js';
import { nativeBinding } from '../src/native.js';
import { silentLogger } from '../src/util/logger.js';
import { loadValidVectors } from './helpers/vectors.js';

const backends = nativeBinding ? (['native', 'js'] as const) : (['js'] as const);

/** Runs `f` and returns what it threw (fails the test when it returns). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw, but the call returned');
}

function expectInvalidOption(err: Error, field: string, message?: RegExp): void {
  expect(err, err.stack).toBeInstanceOf(InvalidOptionError);
  expect(err).toBeInstanceOf(SettradeFeedError);
  const e = err as InvalidOptionError;
  expect(e.code).toBe('ERR_INVALID_OPTION');
  expect(e.option).toBe(field);
  expect(e.message.startsWith(`${field}: `), e.message).toBe(true);
  if (message) expect(e.message).toMatch(message);
}

const bba: BestBidAsk = Object.freeze({
  symbol: 'AOT',
  bid: 60.25,
  ask: 60.5,
  bidVol: 1000,
  askVol: 2000,
  bidFlag: 1,
  askFlag: 1,
  recvTs: 1_700_000_000_000_000_000n,
  recvMonoNs: 123_456_789n,
  connectionEpoch: 0,
});

const levels = (f: (k: number) => number): number[] => Array.from({ length: 10 }, (_, k) => f(k));
const fbo: FullBidOffer = Object.freeze({
  symbol: 'PTT',
  bidPrices: levels((k) => 33 - k / 4),
  askPrices: levels((k) => 33.25 + k / 4),
  bidVolumes: levels((k) => 100 * (k + 1)),
  askVolumes: levels((k) => 200 * (k + 1)),
  bidFlag: 1,
  askFlag: 1,
  recvTs: 5n,
  recvMonoNs: 7n,
  connectionEpoch: 0,
});

const withLevel = (field: keyof FullBidOffer, k: number, v: unknown): FullBidOffer => {
  const arr: unknown[] = [...(fbo[field] as number[])];
  arr[k] = v;
  return { ...fbo, [field]: arr };
};

describe('Dispatcher options', () => {
  const tooBig = 2 ** 24 * 384 + 512;
  it.each<[string, Record<string, unknown>, string, RegExp?]>([
    // found: unknown or misspelt keys were ignored
    ['misspelt key', { maxsize: 10 }, 'maxsize', /unknown option \(did you mean 'maxSize'\?\)/],
    ['misspelt key', { overFlow: 'reject-newest' }, 'overFlow', /did you mean 'overflow'/],
    ['unknown key', { capacity: 10 }, 'capacity', /unknown option/],
    ['wrong type', { maxSize: '100' }, 'maxSize', /got a string/],
    ['wrong type', { preTouchMemory: 'yes' }, 'preTouchMemory'],
    ['NaN', { maxSize: Number.NaN }, 'maxSize', /NaN/],
    ['NaN', { emaAlpha: Number.NaN }, 'emaAlpha'],
    ['Infinity', { dropWarningThreshold: Number.POSITIVE_INFINITY }, 'dropWarningThreshold'],
    ['out of range', { maxSize: 0 }, 'maxSize'],
    ['out of range', { maxSize: 2 ** 24 + 1 }, 'maxSize'],
    ['not an integer', { pollBatchSize: 1.5 }, 'pollBatchSize'],
    ['out of range', { spinBeforeSleepUs: 10_001 }, 'spinBeforeSleepUs'],
    ['enum', { kind: 'trades' }, 'kind'],
    ['enum', { backend: 'wasm' }, 'backend'],
    ['logger lacking error()', { logger: { debug() {}, info() {}, warn() {} } }, 'logger', /debug, info, warn and error/],
    ['logger not an object', { logger: console.log }, 'logger'],
    // found: a 2^24-event FullBidOffer ring tried to allocate 6 GiB and died with a bare RangeError
    ['ring over the 4 GiB cap', { kind: 'fullBidOffer', maxSize: 2 ** 24 }, 'maxSize', new RegExp(`${tooBig} bytes.*${MAX_RING_BYTES}-byte`)],
    ['ring just over the cap', { kind: 'fullBidOffer', maxSize: Math.floor((MAX_RING_BYTES - 512) / 384) + 1 }, 'maxSize', /at most 11184809 events/],
  ])('%s: %j is refused naming %s', (_what, options, field, message) => {
    expectInvalidOption(thrown(() => new Dispatcher({ logger: silentLogger, ...options } as DispatcherOptions)), field, message);
  });

  it('options must be an object', () => {
    expectInvalidOption(thrown(() => new Dispatcher(5 as never)), 'options');
  });

  it('a key present with undefined takes the default', () => {
    const d = new Dispatcher({ maxSize: 8, preTouchMemory: undefined, backend: undefined, logger: silentLogger });
    expect(d.handle.preTouchMemory).toBe(true);
  });

  it('attach() options are checked the same way', () => {
    const d = new Dispatcher({ maxSize: 8, logger: silentLogger });
    expectInvalidOption(thrown(() => Dispatcher.attach(d.handle, { backnd: 'js' } as never)), 'backnd', /did you mean 'backend'/);
    expectInvalidOption(thrown(() => Dispatcher.attach(d.handle, { logger: {} } as never)), 'logger');
    expectInvalidOption(thrown(() => Dispatcher.attach(d.handle, { spinBeforeSleepUs: -1 })), 'spinBeforeSleepUs');
    expectInvalidOption(thrown(() => Dispatcher.attach({ ...d.handle, pollBatchSize: 0 })), 'pollBatchSize');
  });

  it('events() and waitForEvents() check their options and arguments', async () => {
    const d = new Dispatcher({ maxSize: 8, logger: silentLogger });
    const first = async (o: unknown): Promise<Error> => {
      try {
        await d.events(o as never).next();
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected a rejection');
    };
    expectInvalidOption(await first({ timeout: 5 }), 'timeout', /did you mean 'timeoutMs'/);
    expectInvalidOption(await first({ timeoutMs: Number.NaN }), 'timeoutMs');
    expectInvalidOption(await first({ timeoutMs: -1 }), 'timeoutMs');
    expectInvalidOption(await first({ signal: {} }), 'signal');
    await expect(d.waitForEvents(Number.NaN)).rejects.toThrow(/^timeoutMs: /);
    await expect(d.waitForEvents(10, {} as never)).rejects.toThrow(/^signal: /);
    // Infinity is the documented "no timeout"
    const ac = new AbortController();
    ac.abort();
    expect(await d.waitForEvents(Number.POSITIVE_INFINITY, ac.signal)).toBe(false);
  });
});

describe('ShardedDispatcher options', () => {
  it.each<[string, Record<string, unknown>, string, RegExp?]>([
    ['shards missing', {}, 'shards'],
    ['shards 0', { shards: 0 }, 'shards'],
    ['shards 65', { shards: 65 }, 'shards'],
    ['shards 1.5', { shards: 1.5 }, 'shards'],
    ['misspelt ring option', { shards: 2, maxsize: 10 }, 'maxsize', /did you mean 'maxSize'/],
    ['misspelt shards', { shard: 2 }, 'shard', /did you mean 'shards'/],
    ['bad ring option', { shards: 2, maxSize: -1 }, 'maxSize'],
    ['ring over the cap', { shards: 2, kind: 'fullBidOffer', maxSize: 2 ** 24 }, 'maxSize', /bytes/],
  ])('%s: %j is refused naming %s', (_what, options, field, message) => {
    expectInvalidOption(thrown(() => new ShardedDispatcher({ logger: silentLogger, ...options } as ShardedDispatcherOptions)), field, message);
  });

  it('routes an event without a usable symbol to a ring that refuses it by name', () => {
    const sd = new ShardedDispatcher({ shards: 3, maxSize: 8, logger: silentLogger });
    expect(thrown(() => sd.push({ ...bba, symbol: 7 } as never))).toMatchObject({ field: 'symbol' });
    expect(thrown(() => sd.push(null as never))).toMatchObject({ field: 'event' });
    expect(thrown(() => sd.shardFor('' as string))).toMatchObject({ name: 'InvalidArgTypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(sd.stats().every((s) => s.totalPushed === 0)).toBe(true);
  });
});

describe.each(backends)('push() field checks, %s ring backend', (backend) => {
  type Row = [string, BidOfferEvent | unknown, string, RegExp?];
  const bbaRows: Row[] = [
    // found: accepted and stored as something else
    ['bidVol 1.5 (stored as 1)', { ...bba, bidVol: 1.5 }, 'bidVol', /^bidVol: must be a non-negative safe integer, got 1\.5$/],
    ['bidVol NaN (stored as 0)', { ...bba, bidVol: Number.NaN }, 'bidVol'],
    ['bidVol 2^64 (stored as 0)', { ...bba, bidVol: 2 ** 64 }, 'bidVol'],
    ["bid 'x' (stored as NaN)", { ...bba, bid: 'x' }, 'bid'],
    ['bidFlag 1e10 (wrapped)', { ...bba, bidFlag: 1e10 }, 'bidFlag'],
    ['connectionEpoch -1 (stored as 4294967295)', { ...bba, connectionEpoch: -1 }, 'connectionEpoch'],
    ['empty symbol', { ...bba, symbol: '' }, 'symbol'],
    // the rest of each field's domain
    ['bidVol -1', { ...bba, bidVol: -1 }, 'bidVol'],
    ['askVol 2^53 (not safe)', { ...bba, askVol: 2 ** 53 }, 'askVol'],
    ["askVol '5'", { ...bba, askVol: '5' }, 'askVol'],
    ['bid NaN', { ...bba, bid: Number.NaN }, 'bid'],
    ['ask Infinity', { ...bba, ask: Number.POSITIVE_INFINITY }, 'ask'],
    ['ask missing', { ...bba, ask: undefined }, 'ask'],
    ['askFlag 256', { ...bba, askFlag: 256 }, 'askFlag'],
    ['bidFlag -1', { ...bba, bidFlag: -1 }, 'bidFlag'],
    ['bidFlag 1.5', { ...bba, bidFlag: 1.5 }, 'bidFlag'],
    ["bidFlag '1'", { ...bba, bidFlag: '1' }, 'bidFlag'],
    ['bidFlag 1n', { ...bba, bidFlag: 1n }, 'bidFlag'],
    ['connectionEpoch 2^32', { ...bba, connectionEpoch: 2 ** 32 }, 'connectionEpoch'],
    ['connectionEpoch 0.5', { ...bba, connectionEpoch: 0.5 }, 'connectionEpoch'],
    ['connectionEpoch missing', { ...bba, connectionEpoch: undefined }, 'connectionEpoch'],
    ['symbol a number', { ...bba, symbol: 42 }, 'symbol'],
    ['symbol of 33 bytes', { ...bba, symbol: 'X'.repeat(33) }, 'symbol'],
    ['symbol of 45 UTF-8 bytes', { ...bba, symbol: 'ทดสอบทดสอบทดสอบ' }, 'symbol'],
    ['recvTs a number', { ...bba, recvTs: 5 }, 'recvTs'],
    ['recvTs missing', { ...bba, recvTs: undefined }, 'recvTs'],
    ['recvMonoNs -1n', { ...bba, recvMonoNs: -1n }, 'recvMonoNs'],
    ['recvTs 2^63 (wraps to negative)', { ...bba, recvTs: 2n ** 63n }, 'recvTs'],
    ['not an object', null, 'event'],
  ];
  const fboRows: Row[] = [
    ['bidPrices of 9 levels', { ...fbo, bidPrices: fbo.bidPrices.slice(0, 9) }, 'bidPrices', /got an array of 9$/],
    ['askVolumes of 11 levels', { ...fbo, askVolumes: [...fbo.askVolumes, 1] }, 'askVolumes'],
    ['bidPrices not an array', { ...fbo, bidPrices: 'x' }, 'bidPrices'],
    ['a BestBidAsk in a fullBidOffer ring', bba, 'bidPrices'],
    ['bidVolumes[3] 1.5', withLevel('bidVolumes', 3, 1.5), 'bidVolumes[3]'],
    ['askPrices[9] NaN', withLevel('askPrices', 9, Number.NaN), 'askPrices[9]'],
    ['askVolumes[0] -5', withLevel('askVolumes', 0, -5), 'askVolumes[0]'],
    ['bidPrices[2] a string', withLevel('bidPrices', 2, '33'), 'bidPrices[2]'],
    ['bidFlag 300', { ...fbo, bidFlag: 300 }, 'bidFlag'],
    // The writer's fast path for volumes below 2^32 must not let these through.
    ['bidVolumes[4] 2n (a bigint)', withLevel('bidVolumes', 4, 2n), 'bidVolumes[4]'],
    ['askVolumes[7] 2^53 (not safe)', withLevel('askVolumes', 7, 2 ** 53), 'askVolumes[7]'],
    ['askVolumes[2] an object with valueOf', withLevel('askVolumes', 2, { valueOf: () => 5 }), 'askVolumes[2]'],
    ['bidVolumes[9] 2^32 + 0.5', withLevel('bidVolumes', 9, 2 ** 32 + 0.5), 'bidVolumes[9]'],
  ];
  const rows: [string, 'bestBidAsk' | 'fullBidOffer', unknown, string, RegExp?][] = [
    ...bbaRows.map(([w, e, f, m]): [string, 'bestBidAsk', unknown, string, RegExp?] => [w, 'bestBidAsk', e, f, m]),
    ...fboRows.map(([w, e, f, m]): [string, 'fullBidOffer', unknown, string, RegExp?] => [w, 'fullBidOffer', e, f, m]),
    // A bestBidAsk ring takes a FullBidOffer (its level 1) and checks it too.
    ['a FullBidOffer with askPrices[0] NaN in a bestBidAsk ring', 'bestBidAsk', withLevel('askPrices', 0, Number.NaN), 'askPrices[0]'],
  ];

  it.each(rows)('%s: refused naming the field, nothing queued or counted (%s ring)', (_what, kind, event, field, message) => {
    const d = new Dispatcher({ kind, maxSize: 4, backend, logger: silentLogger });
    for (const push of [(e: BidOfferEvent) => d.push(e), (e: BidOfferEvent) => d.tryPush(e)]) {
      const err = thrown(() => push(event as BidOfferEvent));
      expect(err, err.stack).toBeInstanceOf(InvalidEventError);
      expect(err).toBeInstanceOf(SettradeFeedError);
      expect((err as InvalidEventError).code).toBe('ERR_INVALID_EVENT');
      expect((err as InvalidEventError).field).toBe(field);
      expect(err.message.startsWith(`${field}: `), err.message).toBe(true);
      if (message) expect(err.message).toMatch(message);
    }
    expect(d.stats()).toMatchObject({ totalPushed: 0, totalDropped: 0, queueLen: 0 });
    expect(d.poll()).toEqual([]);
  });

  it('the edges of every domain are accepted and come back exactly', () => {
    const edge: BestBidAsk = {
      symbol: 'Y'.repeat(32),
      bid: -0.5,
      ask: Number.MAX_VALUE,
      bidVol: 0,
      askVol: Number.MAX_SAFE_INTEGER,
      bidFlag: 0,
      askFlag: 255,
      recvTs: 2n ** 63n - 1n,
      recvMonoNs: 0n,
      connectionEpoch: 2 ** 32 - 1,
    };
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 4, backend, logger: silentLogger });
    expect(d.push(edge)).toBe(true);
    expect(d.push({ ...edge, symbol: 'ทดสอบทดสอ' })).toBe(true); // 27 UTF-8 bytes
    expect(d.poll()).toEqual([edge, { ...edge, symbol: 'ทดสอบทดสอ' }]);
    const f = new Dispatcher({ kind: 'fullBidOffer', maxSize: 4, backend, logger: silentLogger });
    expect(f.push(fbo)).toBe(true);
    expect(f.poll()).toEqual([fbo]);
    // Volumes either side of the int32 and uint32 edges (the writer stores those below 2^32 as two words).
    const big: FullBidOffer = {
      ...fbo,
      bidVolumes: [0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 1, 0],
      askVolumes: [2 ** 32 - 1, 0, Number.MAX_SAFE_INTEGER, 2 ** 31, 7, 2 ** 33, 0, 0, 0, 1],
    };
    expect(f.push(big)).toBe(true);
    expect(f.poll()).toEqual([big]);
  });
});

describe.each(backends)('pushPayload() meta checks, %s ring backend', (backend) => {
  const payload = loadValidVectors()[0]!.payload;
  it.each<[string, Record<string, unknown>, string]>([
    ['connectionEpoch -1', { connectionEpoch: -1 }, 'connectionEpoch'],
    ['connectionEpoch 1.5', { connectionEpoch: 1.5 }, 'connectionEpoch'],
    ['recvTs a number', { recvTs: 5 }, 'recvTs'],
    ['recvMonoNs -1n', { recvMonoNs: -1n }, 'recvMonoNs'],
  ])('%s: refused naming the field, nothing queued or counted', (_what, meta, field) => {
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 4, backend, logger: silentLogger });
    expect(thrown(() => d.pushPayload(payload, meta as never))).toMatchObject({ code: 'ERR_INVALID_EVENT', field });
    expect(d.stats()).toMatchObject({ totalPushed: 0, queueLen: 0 });
  });

  it('missing meta fields are stamped; given ones kept', () => {
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 4, backend, logger: silentLogger });
    expect(d.pushPayload(payload, { connectionEpoch: 2 ** 32 - 1 })).toBe(true);
    const [e] = d.poll() as BestBidAsk[];
    expect(e!.connectionEpoch).toBe(2 ** 32 - 1);
    expect(e!.recvMonoNs).toBeGreaterThan(0n);
  });
});

describe.each(backends)('poll()/drain() counts, %s ring backend', (backend) => {
  it.each<[string, unknown]>([
    // found: accepted
    ['-1', -1],
    ['NaN', Number.NaN],
    ["'5'", '5'],
    // the rest
    ['0', 0],
    ['1.5', 1.5],
    ['null', null],
  ])('maxEvents %s is refused by both, and nothing is taken', (_what, n) => {
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 8, backend, logger: silentLogger });
    d.push(bba);
    expectInvalidOption(thrown(() => d.poll(n as number)), 'maxEvents');
    expectInvalidOption(thrown(() => d.drain(() => undefined, n as number)), 'maxEvents');
    expect(d.stats()).toMatchObject({ totalPolled: 0, queueLen: 1 });
    expect(d.poll()).toEqual([bba]);
  });

  it('poll(Infinity) is refused; drain(fn, Infinity) is its default (everything)', () => {
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 8, backend, logger: silentLogger });
    for (let i = 0; i < 3; i++) d.push(bba);
    expectInvalidOption(thrown(() => d.poll(Number.POSITIVE_INFINITY)), 'maxEvents');
    expect(d.drain(() => undefined, Number.POSITIVE_INFINITY)).toBe(3);
  });

  it('drain() needs a function', () => {
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 8, backend, logger: silentLogger });
    d.push(bba);
    expect(thrown(() => d.drain('x' as never))).toMatchObject({ name: 'InvalidArgTypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(d.stats().queueLen).toBe(1);
  });
});

describe('FeedHealth options and arguments', () => {
  it.each<[string, Record<string, unknown>, string, RegExp?]>([
    // found: unknown or misspelt keys were ignored
    ['misspelt key', { globalTimeoutSecs: 5 }, 'globalTimeoutSecs', /did you mean 'globalTimeoutSec'/],
    ['wrong case', { symboltimeoutsec: 5 }, 'symboltimeoutsec', /did you mean 'symbolTimeoutSec'/],
    ['unknown key', { logger: silentLogger }, 'logger', /unknown option/],
    ['NaN', { globalTimeoutSec: Number.NaN }, 'globalTimeoutSec'],
    ['Infinity', { globalTimeoutSec: Number.POSITIVE_INFINITY }, 'globalTimeoutSec'],
    ['zero', { symbolTimeoutSec: 0 }, 'symbolTimeoutSec'],
    ['a string', { symbolTimeoutSec: '10' }, 'symbolTimeoutSec'],
    ['override -1', { perSymbolTimeoutSec: { RARE: -1 } }, 'perSymbolTimeoutSec.RARE'],
    ['override NaN', { perSymbolTimeoutSec: { RARE: Number.NaN } }, 'perSymbolTimeoutSec.RARE'],
    ['override Infinity', { perSymbolTimeoutSec: { RARE: Number.POSITIVE_INFINITY } }, 'perSymbolTimeoutSec.RARE'],
    ['override empty symbol', { perSymbolTimeoutSec: { '': 60 } }, 'perSymbolTimeoutSec', /must not be empty/],
    ['override lower-case symbol', { perSymbolTimeoutSec: { rare: 60 } }, 'perSymbolTimeoutSec', /'rare' is not upper case: events carry 'RARE'/],
    ['override with topic syntax', { perSymbolTimeoutSec: { 'A/B': 60 } }, 'perSymbolTimeoutSec', /MQTT topic character '\/'/],
    ['override of 33 bytes', { perSymbolTimeoutSec: { ['X'.repeat(33)]: 60 } }, 'perSymbolTimeoutSec', /longer than 32 bytes/],
    ['overrides null', { perSymbolTimeoutSec: null }, 'perSymbolTimeoutSec'],
    ['overrides an array', { perSymbolTimeoutSec: [60] }, 'perSymbolTimeoutSec'],
  ])('%s: %j is refused naming %s', (_what, options, field, message) => {
    expectInvalidOption(thrown(() => new FeedHealth(options as FeedHealthOptions)), field, message);
  });

  const h = (): FeedHealth => new FeedHealth({ perSymbolTimeoutSec: { RARE: 60 } });
  it.each<[string, string, (f: FeedHealth) => unknown]>([
    // found: onEvent(123) was tracked
    ['onEvent(123)', 'symbol', (f) => f.onEvent(123 as never)],
    ["onEvent('')", 'symbol', (f) => f.onEvent('')],
    ['onEvent(undefined)', 'symbol', (f) => f.onEvent(undefined as never)],
    ["onEvent('AOT', -1)", 'nowNs', (f) => f.onEvent('AOT', -1)],
    ["onEvent('AOT', -1n)", 'nowNs', (f) => f.onEvent('AOT', -1n)],
    ["onEvent('AOT', NaN)", 'nowNs', (f) => f.onEvent('AOT', Number.NaN)],
    ["onEvent('AOT', '5')", 'nowNs', (f) => f.onEvent('AOT', '5' as never)],
    ["onEvent('AOT', null)", 'nowNs', (f) => f.onEvent('AOT', null as never)],
    ['isStale(5)', 'symbol', (f) => f.isStale(5 as never)],
    ["isStale('AOT', -1n)", 'nowNs', (f) => f.isStale('AOT', -1n)],
    ['isFeedDead(-5)', 'nowNs', (f) => f.isFeedDead(-5)],
    ["staleSymbols('x')", 'nowNs', (f) => f.staleSymbols('x' as never)],
    ["lastSeenGapMs('')", 'symbol', (f) => f.lastSeenGapMs('')],
    ["lastSeenGapMs('AOT', Infinity)", 'nowNs', (f) => f.lastSeenGapMs('AOT', Number.POSITIVE_INFINITY)],
    ['hasSeen(null)', 'symbol', (f) => f.hasSeen(null as never)],
    ["timeoutSecFor('')", 'symbol', (f) => f.timeoutSecFor('')],
    ['purge(1)', 'symbol', (f) => f.purge(1 as never)],
  ])('%s is refused naming %s, and nothing is tracked', (_what, field, call) => {
    const f = h();
    expectInvalidOption(thrown(() => call(f)), field);
    expect(f.trackedSymbolCount).toBe(0);
    expect(f.hasEverReceived()).toBe(false);
  });

  it('accepts nowNs 0 and 0n, and the documented overrides', () => {
    const f = h();
    f.onEvent('AOT', 0);
    f.onEvent('RARE', 0n);
    expect(f.timeoutSecFor('RARE')).toBe(60);
    expect(f.staleSymbols(30e9)).toEqual(['AOT']);
  });
});
