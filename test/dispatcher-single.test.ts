/**
 * Single-thread semantics of the Dispatcher for both overflow policies and
 * every ring backend this run can load (native and JS in the native project,
 * JS in the js project), plus the two backends sharing one ring.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Dispatcher, DISPATCHER_DEFAULTS, InvalidOptionError, type DispatcherOptions } from '../src/dispatcher/index.js';
import type { BestBidAsk, FullBidOffer } from '../src/events/types.js';
import { nativeBinding } from '../src/native.js';
import { silentLogger, type Logger } from '../src/util/logger.js';

const backends = nativeBinding ? (['native', 'js'] as const) : (['js'] as const);

function bba(i: number, symbol = 'AOT'): BestBidAsk {
  return Object.freeze({
    symbol,
    bid: 60 + i / 4,
    ask: 60.25 + i / 4,
    bidVol: 1000 + i,
    askVol: 2 ** 40 + i,
    bidFlag: 1,
    askFlag: i % 4,
    recvTs: 1_700_000_000_000_000_000n + BigInt(i),
    recvMonoNs: 123_456_789_000n + BigInt(i),
    connectionEpoch: i % 3,
  });
}

function fbo(i: number): FullBidOffer {
  const levels = (f: (k: number) => number): number[] => Array.from({ length: 10 }, (_, k) => f(k));
  return Object.freeze({
    symbol: 'PTT',
    bidPrices: levels((k) => 33 - k * 0.25 + i),
    askPrices: levels((k) => 33.25 + k * 0.25 + i),
    bidVolumes: levels((k) => 100 * k + i),
    askVolumes: levels((k) => 200 * k + i),
    bidFlag: 1,
    askFlag: 1,
    recvTs: 5n + BigInt(i),
    recvMonoNs: 7n + BigInt(i),
    connectionEpoch: 0,
  });
}

type RingOptions = Omit<DispatcherOptions, 'kind'>;

function make(backend: 'native' | 'js', o: RingOptions = {}): Dispatcher<'bestBidAsk'> {
  return new Dispatcher({ kind: 'bestBidAsk', maxSize: 4, logger: silentLogger, backend, ...o });
}

function makeFull(backend: 'native' | 'js', o: RingOptions = {}): Dispatcher<'fullBidOffer'> {
  return new Dispatcher({ kind: 'fullBidOffer', maxSize: 4, logger: silentLogger, backend, ...o });
}

function invariant(d: Dispatcher): number {
  const s = d.stats();
  return s.totalPushed - s.totalDropped - s.totalPolled - s.queueLen;
}

describe.each(backends)('Dispatcher, %s ring backend', (backend) => {
  it('is FIFO and returns equal, frozen events (many laps around the ring)', () => {
    const d = make(backend, { maxSize: 5 });
    let next = 0;
    for (let round = 0; round < 50; round++) {
      const n = (round % 5) + 1;
      for (let k = 0; k < n; k++) expect(d.push(bba(next + k))).toBe(true);
      const got = d.poll(100);
      expect(got).toEqual(Array.from({ length: n }, (_, k) => bba(next + k)));
      expect(Object.isFrozen(got[0])).toBe(true);
      next += n;
    }
    expect(d.stats()).toEqual({ totalPushed: next, totalPolled: next, totalDropped: 0, queueLen: 0, maxSize: 5 });
  });

  it('carries full-depth events exactly', () => {
    const d = makeFull(backend, { maxSize: 3 });
    d.push(fbo(1));
    d.push(fbo(2));
    const got = d.poll(10);
    expect(got).toEqual([fbo(1), fbo(2)]);
    expect(Object.isFrozen(got[0]!.bidPrices)).toBe(true);
  });

  it('drop-oldest evicts exactly the oldest and counts each eviction', () => {
    const d = make(backend);
    for (let i = 0; i < 7; i++) expect(d.push(bba(i))).toBe(true);
    expect(d.stats()).toEqual({ totalPushed: 7, totalPolled: 0, totalDropped: 3, queueLen: 4, maxSize: 4 });
    expect(invariant(d)).toBe(0);
    expect(d.poll(2).map((e) => e.bidVol)).toEqual([1003, 1004]);
    expect(invariant(d)).toBe(0);
    d.push(bba(7));
    d.push(bba(8));
    d.push(bba(9)); // full again: evicts 5
    expect(d.poll(10).map((e) => e.bidVol)).toEqual([1006, 1007, 1008, 1009]);
    expect(d.stats()).toMatchObject({ totalPushed: 10, totalDropped: 4, totalPolled: 6, queueLen: 0 });
  });

  it('reject-newest refuses when full, counts it, and keeps the oldest', () => {
    const d = make(backend, { overflow: 'reject-newest', maxSize: 3 });
    expect([0, 1, 2, 3, 4].map((i) => d.tryPush(bba(i)))).toEqual([true, true, true, false, false]);
    expect(d.push(bba(5))).toBe(false);
    expect(d.stats()).toEqual({ totalPushed: 6, totalPolled: 0, totalDropped: 3, queueLen: 3, maxSize: 3 });
    expect(invariant(d)).toBe(0);
    expect(d.poll(1)[0]!.bidVol).toBe(1000);
    expect(d.tryPush(bba(6))).toBe(true);
    expect(d.poll(10).map((e) => e.bidVol)).toEqual([1001, 1002, 1006]);
    expect(invariant(d)).toBe(0);
  });

  it('poll on an empty ring returns []; poll(0) is refused and takes nothing', () => {
    const d = make(backend);
    expect(d.poll(10)).toEqual([]);
    d.push(bba(1));
    expect(() => d.poll(0)).toThrow(/^maxEvents: must be a positive integer/);
    expect(d.stats().queueLen).toBe(1);
  });

  it('drain hands one reusable view per event, oldest first, and respects maxEvents', () => {
    const d = make(backend, { maxSize: 8 });
    for (let i = 0; i < 6; i++) d.push(bba(i));
    const views = new Set<unknown>();
    const vols: number[] = [];
    expect(
      d.drain((v) => {
        views.add(v);
        vols.push(v.bidVol);
      }, 4),
    ).toBe(4);
    expect(views.size).toBe(1);
    expect(vols).toEqual([1000, 1001, 1002, 1003]);
    let kept: unknown;
    expect(d.drain((v) => (kept = v.toEvent()))).toBe(2);
    expect(kept).toEqual(bba(5));
    expect(invariant(d)).toBe(0);
  });

  it('drain keeps the events after a throwing callback for the next call', () => {
    const d = make(backend, { maxSize: 8 });
    for (let i = 0; i < 5; i++) d.push(bba(i));
    let calls = 0;
    expect(() =>
      d.drain(() => {
        if (++calls === 2) throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(d.poll(10).map((e) => e.bidVol)).toEqual([1002, 1003, 1004]);
  });

  it('a throwing drain callback: counters show what the consumer took, the rest stays pending', () => {
    // pollBatchSize 8: the first batch moves 8 of the 12 events out of the ring at once.
    const d = make(backend, { maxSize: 16, pollBatchSize: 8 });
    for (let i = 0; i < 12; i++) d.push(bba(i));
    let calls = 0;
    const boom = new Error('boom');
    expect(() =>
      d.drain(() => {
        if (++calls === 3) throw boom;
      }),
    ).toThrow(boom);
    // Handed over: events 0, 1 and 2 (the throwing call included); 3..11 still queued.
    expect(d.stats()).toMatchObject({ totalPushed: 12, totalPolled: 3, totalDropped: 0, queueLen: 9 });
    expect(invariant(d)).toBe(0);
    expect(d.health().queueUtilization).toBe(9 / 16);
    // poll serves the pending ones first, in order, and counts them as it hands them over.
    expect((d.poll(2) as BestBidAsk[]).map((e) => e.bidVol)).toEqual([1003, 1004]);
    expect(d.stats()).toMatchObject({ totalPolled: 5, queueLen: 7 });
    // A second throw, on the first call, from the pending events.
    expect(() =>
      d.drain(() => {
        throw boom;
      }, 4),
    ).toThrow(boom);
    expect(d.stats()).toMatchObject({ totalPolled: 6, queueLen: 6 });
    expect(invariant(d)).toBe(0);
    const rest: number[] = [];
    expect(d.drain((v) => rest.push(v.bidVol))).toBe(6);
    expect(rest).toEqual([1006, 1007, 1008, 1009, 1010, 1011]);
    expect(d.stats()).toMatchObject({ totalPolled: 12, queueLen: 0 });
    expect(invariant(d)).toBe(0);
  });

  it('a throwing drain callback, then clear(): nothing pending and counters reset', () => {
    const d = make(backend, { maxSize: 8 });
    for (let i = 0; i < 5; i++) d.push(bba(i));
    expect(() =>
      d.drain(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    d.clear();
    expect(d.stats()).toMatchObject({ totalPushed: 0, totalPolled: 0, queueLen: 0 });
    expect(d.poll()).toEqual([]);
    d.push(bba(9));
    expect(d.stats()).toMatchObject({ totalPushed: 1, totalPolled: 0, queueLen: 1 });
  });

  it('logs one warning when the drop-rate EMA crosses the threshold and one info on recovery', () => {
    const logs: string[] = [];
    const logger: Logger = {
      debug() {},
      error() {},
      warn: (_o, m) => logs.push(`warn ${m}`),
      info: (_o, m) => logs.push(`info ${m}`),
    };
    const d = make(backend, { maxSize: 2, emaAlpha: 0.5, dropWarningThreshold: 0.2, logger });
    d.push(bba(0));
    d.push(bba(1));
    expect(d.health().dropRateEma).toBe(0);
    for (let i = 0; i < 10; i++) d.push(bba(i)); // every push now evicts
    expect(d.health().dropRateEma).toBeGreaterThan(0.9);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^warn /);
    for (let i = 0; i < 20; i++) {
      d.poll(10);
      d.push(bba(i)); // no drops: the EMA decays
    }
    expect(d.health().dropRateEma).toBeLessThan(0.1);
    expect(logs).toHaveLength(2);
    expect(logs[1]).toMatch(/^info /);
    const h = d.health();
    expect(h).toEqual({ dropRateEma: h.dropRateEma, queueUtilization: 0.5, totalDropped: 10, totalPushed: 32 });
  });

  it('clear() empties the queue and resets counters and the EMA', () => {
    const d = make(backend);
    for (let i = 0; i < 9; i++) d.push(bba(i));
    d.poll(1);
    d.clear();
    expect(d.stats()).toEqual({ totalPushed: 0, totalPolled: 0, totalDropped: 0, queueLen: 0, maxSize: 4 });
    expect(d.health().dropRateEma).toBe(0);
    expect(d.poll(10)).toEqual([]);
    d.push(bba(42));
    expect(d.poll(10).map((e) => e.bidVol)).toEqual([1042]);
  });

  it('a push that does not fit a slot throws before touching the ring', () => {
    const d = make(backend);
    d.push(bba(1));
    expect(() => d.push(bba(2, 'X'.repeat(33)))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_EVENT' }));
    expect(() => d.push(bba(2, 'X'.repeat(33)))).toThrow(/^symbol: /);
    expect(d.stats()).toMatchObject({ totalPushed: 1, queueLen: 1 });
  });

  // A FullBidOffer refused at its very last value has had every other field
  // written (the check runs as it writes): it must still leave no trace, on
  // an empty, a partly full and a full ring (where a good event would evict).
  it.each([0, 2, 4] as const)('a FullBidOffer refused at its last value, %i queued of 4: nothing queued, counted or evicted; the next push is intact', (queued) => {
    for (const overflow of ['drop-oldest', 'reject-newest'] as const) {
      const d = makeFull(backend, { maxSize: 4, overflow });
      for (let i = 0; i < queued; i++) d.push(fbo(i));
      const before = d.stats();
      const ema = d.health().dropRateEma;
      const bad = { ...fbo(50), symbol: 'BAD', askVolumes: [...fbo(50).askVolumes.slice(0, 9), -1] };
      expect(() => d.push(bad), overflow).toThrow(/^askVolumes\[9\]: /);
      expect(d.stats(), overflow).toEqual(before);
      expect(d.health().dropRateEma, overflow).toBe(ema);
      const polled = d.poll(10);
      expect(polled, overflow).toEqual(Array.from({ length: queued }, (_, i) => fbo(i)));
      d.push(fbo(60));
      expect(d.poll(10), overflow).toEqual([fbo(60)]);
      expect(invariant(d), overflow).toBe(0);
    }
  });

  it('the handle is structured-cloneable and attach() shares the ring', () => {
    const d = make(backend, { maxSize: 16 });
    const clone = structuredClone(d.handle);
    expect(clone.buffer).toBeInstanceOf(SharedArrayBuffer);
    const other = Dispatcher.attach(clone, { logger: silentLogger, backend });
    expect(other.kind).toBe('bestBidAsk');
    expect(other.maxSize).toBe(16);
    other.push(bba(3));
    expect(d.poll(5)).toEqual([bba(3)]);
    expect(other.stats()).toEqual(d.stats());
  });

  it('FullBidOffer events of one symbol share unchanged level arrays, and only those, exactly (bytes, so -0 stays -0)', () => {
    const d = makeFull(backend, { maxSize: 16 });
    const a = fbo(1);
    const b = { ...a, bidVolumes: a.bidVolumes.map((v, k) => (k === 3 ? v + 1 : v)), recvMonoNs: 99n };
    const c = { ...b, bidPrices: b.bidPrices.map((v, k) => (k === 0 ? -0 : v)) };
    const e = { ...c, bidPrices: c.bidPrices.map((v, k) => (k === 0 ? 0 : v)) };
    for (const ev of [a, b, c, e]) d.push(ev);
    const [pa, pb, pc, pe] = d.poll(4);
    expect([pa, pb, pc, pe]).toEqual([a, b, c, e]);
    expect(pb!.bidPrices).toBe(pa!.bidPrices); // unchanged: the same frozen array
    expect(pb!.askPrices).toBe(pa!.askPrices);
    expect(pb!.askVolumes).toBe(pa!.askVolumes);
    expect(pb!.bidVolumes).not.toBe(pa!.bidVolumes); // changed at level 4
    expect(pb!.bidVolumes[3]).toBe(a.bidVolumes[3]! + 1);
    expect(Object.is(pc!.bidPrices[0], -0)).toBe(true); // -0 == 0 numerically, but not the same bytes
    expect(pc!.bidPrices).not.toBe(pb!.bidPrices);
    expect(Object.is(pe!.bidPrices[0], 0)).toBe(true);
    expect(pe!.bidPrices).not.toBe(pc!.bidPrices);
    for (const x of [pa, pb, pc, pe]) {
      expect(Object.isFrozen(x)).toBe(true);
      expect(Object.isFrozen(x!.bidPrices) && Object.isFrozen(x!.bidVolumes)).toBe(true);
    }
    // Another symbol with the same levels gets equal values (shared or not).
    d.push({ ...a, symbol: 'AOT' });
    const [other] = d.poll(1);
    expect(other).toEqual({ ...a, symbol: 'AOT' });
  });

  it('a sleeping consumer is woken by the first push only: that push takes the sleeping flag', async () => {
    for (const spinBeforeSleepUs of [0, 200]) {
      const d = make(backend, { maxSize: 16, spinBeforeSleepUs });
      const flag = (): number => Atomics.load(new Int32Array(d.handle.buffer), 192 / 4);
      const waiting = d.waitForEvents(5_000);
      expect(flag()).toBe(1); // spun (if asked), found nothing, went to sleep
      d.push(bba(1));
      expect(flag()).toBe(0); // taken by the push that notified: the next pushes do not notify again
      d.push(bba(2));
      expect(flag()).toBe(0);
      expect(await waiting).toBe(true);
      expect(d.poll(5)).toEqual([bba(1), bba(2)]);
    }
  });

  it('a wait whose spin finds nothing makes the next wait sleep at once (adaptive spin)', async () => {
    const d = make(backend, { maxSize: 16, spinBeforeSleepUs: 200 });
    expect(d.spinsBeforeSleeping).toBe(true);
    expect(await d.waitForEvents(5)).toBe(false); // spun 0.2 ms in vain, then slept out the timeout
    expect(d.spinsBeforeSleeping).toBe(false);
    expect(await d.waitForEvents(1)).toBe(false); // this one slept at once
    expect(d.spinsBeforeSleeping).toBe(true); // and the one after may spin again
    // A spin that finds the event keeps spinning on.
    d.push(bba(1));
    expect(await d.waitForEvents(5)).toBe(true);
    expect(d.spinsBeforeSleeping).toBe(true);
    expect(d.poll(1)).toEqual([bba(1)]);
    expect(make(backend, { spinBeforeSleepUs: 0 }).spinsBeforeSleeping).toBe(false);
  });

  it('spinBeforeSleepUs travels in the handle and can be overridden by attach()', () => {
    const d = make(backend, { spinBeforeSleepUs: 7 });
    expect(d.handle.spinBeforeSleepUs).toBe(7);
    expect(Dispatcher.attach(d.handle, { logger: silentLogger, backend }).handle.spinBeforeSleepUs).toBe(7);
    expect(Dispatcher.attach(d.handle, { logger: silentLogger, backend, spinBeforeSleepUs: 0 }).handle.spinBeforeSleepUs).toBe(0);
  });

  it('events() yields what arrives, sleeps while empty, and ends on timeout or abort', async () => {
    const d = make(backend, { maxSize: 16 });
    d.push(bba(0));
    setTimeout(() => d.push(bba(1)), 20);
    const got: number[] = [];
    for await (const e of d.events({ timeoutMs: 300 })) {
      got.push(e.bidVol);
      if (got.length === 2) break;
    }
    expect(got).toEqual([1000, 1001]);
    // Ends on idle timeout.
    const t0 = performance.now();
    const none: unknown[] = [];
    for await (const e of d.events({ timeoutMs: 30 })) none.push(e);
    expect(none).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    // Ends on abort while sleeping.
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    for await (const e of d.events({ signal: ac.signal })) none.push(e);
    expect(none).toEqual([]);
    expect(Atomics.load(new Int32Array(d.handle.buffer), 192 / 4)).toBe(0); // not left "sleeping"
  });
});

describe.runIf(nativeBinding !== null)('native and JS sides on one ring', () => {
  it.each([
    ['native', 'js'],
    ['js', 'native'],
  ] as const)('producer %s, consumer %s: same events, same counters, same EMA', (p, c) => {
    const producer = make(p, { maxSize: 3, emaAlpha: 0.25 });
    const consumer = Dispatcher.attach(producer.handle, { backend: c, logger: silentLogger });
    for (let i = 0; i < 5; i++) producer.push(bba(i));
    expect(consumer.poll(10)).toEqual([bba(2), bba(3), bba(4)]);
    for (let i = 5; i < 7; i++) producer.push(bba(i));
    expect(consumer.poll(10)).toEqual([bba(5), bba(6)]);
    expect(consumer.stats()).toEqual({ totalPushed: 7, totalPolled: 5, totalDropped: 2, queueLen: 0, maxSize: 3 });
    // ema = ((0,0,0 -> 0) then 1,1 then 0,0) with alpha 0.25, in the exact formula both backends use
    let ema = 0;
    for (const x of [0, 0, 0, 1, 1, 0, 0]) ema = ema + 0.25 * (x - ema);
    expect(consumer.health().dropRateEma).toBe(ema);
  });
});

describe('options', () => {
  it('exports its defaults', () => {
    expect(DISPATCHER_DEFAULTS).toMatchObject({ kind: 'bestBidAsk', overflow: 'drop-oldest', maxSize: 100_000, spinBeforeSleepUs: 50 });
    const d = new Dispatcher({ logger: silentLogger });
    expect([d.kind, d.maxSize, d.overflow]).toEqual(['bestBidAsk', 100_000, 'drop-oldest']);
  });

  it.each([
    [{ kind: 'trades' }, 'kind'],
    [{ maxSize: 0 }, 'maxSize'],
    [{ maxSize: 1.5 }, 'maxSize'],
    [{ maxSize: 2 ** 24 + 1 }, 'maxSize'],
    [{ overflow: 'block' }, 'overflow'],
    [{ dropWarningThreshold: 0 }, 'dropWarningThreshold'],
    [{ emaAlpha: 1.5 }, 'emaAlpha'],
    [{ emaAlpha: Number.NaN }, 'emaAlpha'],
    [{ pollBatchSize: 0 }, 'pollBatchSize'],
    [{ spinBeforeSleepUs: -1 }, 'spinBeforeSleepUs'],
    [{ spinBeforeSleepUs: 20_000 }, 'spinBeforeSleepUs'],
    [{ logger: {} }, 'logger'],
    [{ backend: 'wasm' }, 'backend'],
  ])('rejects %j naming the option', (o, name) => {
    let err: unknown;
    try {
      new Dispatcher(o as DispatcherOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe(name);
    expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
    expect((err as Error).message).toMatch(new RegExp(`^${name}: `));
  });

  it('attach() rejects what is not a ring', () => {
    expect(() => Dispatcher.attach({} as never)).toThrow(InvalidOptionError);
    const bogus = { ...make('js').handle, buffer: new SharedArrayBuffer(1024) };
    expect(() => Dispatcher.attach(bogus)).toThrow(/bad magic/);
    // The handle's kind types the attached Dispatcher: it must be the ring's.
    const mislabelled = { ...make('js').handle, kind: 'fullBidOffer' as const };
    expect(() => Dispatcher.attach(mislabelled)).toThrow(/^handle: kind 'fullBidOffer' does not match the ring's 'bestBidAsk'/);
  });
});

describe('waiting', () => {
  it('events()/waitForEvents keep the process alive until their timeout (no exit with a pending wait)', () => {
    const entry = fileURLToPath(new URL('./workers/idle-wait.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ first: false, n: 0 });
  });
});
