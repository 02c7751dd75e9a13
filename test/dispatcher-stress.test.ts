/**
 * Cross-thread stress: a real worker thread produces, this thread consumes,
 * for every producer/consumer backend pairing and both overflow policies.
 * The consumer is slowed down on purpose so the ring overflows. Every
 * delivered event must be intact, sequences must strictly increase, and the
 * counters must balance exactly at the end.
 */
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../src/dispatcher/index.js';
import type { EventKind } from '../src/events/slot-layout.js';
import { nativeBinding } from '../src/native.js';
import { silentLogger } from '../src/util/logger.js';
import { startModuleWorker } from '../src/util/worker-script.js';
import { readStressEvent, stressSeqOfEvent } from './workers/stress-events.js';

const EVENTS = Number(process.env.STRESS_EVENTS ?? 5_000_000);
const backends = nativeBinding ? (['native', 'js'] as const) : (['js'] as const);

interface Outcome {
  delivered: number;
  torn: number;
  outOfOrder: number;
  lastSeq: number;
}

async function runPair(
  producer: 'native' | 'js',
  consumer: 'native' | 'js',
  overflow: 'drop-oldest' | 'reject-newest',
  kind: EventKind,
  count: number,
  take: 'drain' | 'poll' = 'drain',
): Promise<{ outcome: Outcome; d: Dispatcher; accepted: number }> {
  const d = new Dispatcher({ kind, maxSize: 1024, overflow, backend: consumer, logger: silentLogger, pollBatchSize: 256 });
  const done = new Int32Array(new SharedArrayBuffer(4));
  const worker = startModuleWorker(new URL('./workers/ring-producer.ts', import.meta.url), {
    workerData: { handle: d.handle, backend: producer, count, done },
  });
  let failure: unknown;
  const result = new Promise<{ accepted: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', (err) => {
      failure = err;
      // Wake the consumer's waits so the test fails fast instead of timing out.
      Atomics.store(done, 0, 1);
      Atomics.notify(new Int32Array(d.handle.buffer), 16);
      reject(err);
    });
  });
  result.catch(() => {});
  const outcome: Outcome = { delivered: 0, torn: 0, outOfOrder: 0, lastSeq: -1 };
  // Wait for the worker's first event without spinning while it boots.
  await d.waitForEvents(30_000);
  if (failure !== undefined) throw failure;
  let rounds = 0;
  const note = (seq: number): void => {
    if (seq < 0) {
      outcome.torn++;
      return;
    }
    if (seq <= outcome.lastSeq) outcome.outOfOrder++;
    outcome.lastSeq = seq;
    outcome.delivered++;
  };
  const check = (view: { mem: Parameters<typeof readStressEvent>[1]; offset: number }): void => note(readStressEvent(kind, view.mem, view.offset));
  for (;;) {
    let n: number;
    if (take === 'drain') n = d.drain(check, 256);
    else {
      // poll() builds events straight from the ring's slots, which the producer overwrites as it laps the consumer.
      const events = d.poll(256);
      for (const e of events) note(stressSeqOfEvent(e));
      n = events.length;
    }
    if (n === 0) {
      if (Atomics.load(done, 0) === 1 && d.stats().queueLen === 0) break;
      await d.waitForEvents(50);
      continue;
    }
    // Slow consumer on purpose: every 4th batch, stall ~20 us so the producer overruns the ring.
    if (++rounds % 4 === 0) {
      const until = performance.now() + 0.02;
      while (performance.now() < until) {
        /* stall */
      }
    }
  }
  const { accepted } = await result;
  await worker.terminate();
  return { outcome, d, accepted };
}

describe.each(backends.flatMap((p) => backends.map((c) => [p, c] as const)))('producer %s -> consumer %s', (producer, consumer) => {
  it.each(['drop-oldest', 'reject-newest'] as const)(`%s: ${EVENTS} events, intact, ordered, counted`, async (overflow) => {
    // Alternate kinds so both slot sizes cross threads.
    const kind: EventKind = overflow === 'drop-oldest' ? 'bestBidAsk' : 'fullBidOffer';
    const { outcome, d, accepted } = await runPair(producer, consumer, overflow, kind, EVENTS);
    const s = d.stats();
    expect(outcome.torn).toBe(0);
    expect(outcome.outOfOrder).toBe(0);
    expect(s.totalPushed).toBe(EVENTS);
    expect(s.totalPushed - s.totalDropped - s.totalPolled - s.queueLen).toBe(0);
    expect(s.queueLen).toBe(0);
    expect(s.totalPolled).toBe(outcome.delivered);
    expect(s.totalDropped).toBeGreaterThan(0); // the slowed consumer did overflow the ring
    expect(outcome.delivered).toBeGreaterThan(0);
    if (overflow === 'drop-oldest') {
      expect(accepted).toBe(EVENTS); // push never refuses with drop-oldest
      expect(outcome.lastSeq).toBe(EVENTS - 1); // the newest event is never the one evicted
    } else {
      expect(accepted).toBe(outcome.delivered); // every accepted event was delivered
      expect(s.totalDropped).toBe(EVENTS - accepted);
    }
  });
});

// poll() reads events in place (no copy-out): slots the producer evicts and
// overwrites while they are being read must never come out as events.
describe.each(backends)('producer %s -> poll() in place', (producer) => {
  it.each(['bestBidAsk', 'fullBidOffer'] as const)(`drop-oldest, %s: ${EVENTS} events, every polled one intact and ordered`, async (kind) => {
    const { outcome, d, accepted } = await runPair(producer, backends[0], 'drop-oldest', kind, EVENTS, 'poll');
    const s = d.stats();
    expect(outcome.torn).toBe(0);
    expect(outcome.outOfOrder).toBe(0);
    expect(accepted).toBe(EVENTS);
    expect(s.totalDropped).toBeGreaterThan(0); // the producer did lap the consumer
    expect(s.totalPolled).toBe(outcome.delivered);
    expect(s.totalPushed - s.totalDropped - s.totalPolled - s.queueLen).toBe(0);
    expect(outcome.lastSeq).toBe(EVENTS - 1);
  });
});
