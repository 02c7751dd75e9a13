/**
 * createFeed({ record }) against the embedded simulator, in a worker and
 * in-thread: the file holds every message the consumer got, with the very
 * epoch and receive stamps of the consumer's events, plus the feed's
 * connect / subscribe / reconnect records; a recording that cannot be
 * written is an `error` event and the live feed goes on; a restarted worker
 * continues the rotation in a new file.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFeed } from '../src/feed/feed.js';
import { feedInternals } from '../src/feed/feed-supervisor.js';
import type { FullBidOffer } from '../src/events/types.js';
import { RecordingWriteError } from '../src/record/errors.js';
import { recordingFilePath } from '../src/record/writer.js';
import { Simulator } from '../src/sim/index.js';
import type { SettradeError } from '../src/transport/index.js';
import { silentLogger } from '../src/util/logger.js';
import { eventsOf, messagesOf, readRecordingFile } from './helpers/recording-file.js';
import { until } from './helpers/until.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, connectTimeoutMs: 3000 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'stf-feedrec-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
async function startSim() {
  const sim = new Simulator({ ratePerSymbol: 200 });
  const info = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, ...info };
}

for (const worker of [true, false]) {
  describe(`createFeed({ record, worker: ${worker} })`, () => {
    it('records every message the consumer got, with identical epoch and receive stamps, and the feed events', async () => {
      const { sim, baseUrl, credentials } = await startSim();
      const path = join(tmp(), 'feed.stfrec');
      const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT', 'PTT'], fullDepth: true, maxSize: 1 << 16, worker, logger: silentLogger, record: { path } });
      cleanups.push(() => feed.shutdown());
      const events: FullBidOffer[] = [];
      const collect = () => events.push(...feed.dispatcher.poll(4096));
      await until(() => (collect(), events.length >= 40), 'events', 15_000);
      const reconnected = new Promise<number>((r) => feed.on('reconnect', (i) => r(i.epoch)));
      sim.faults.dropConnections();
      expect(await reconnected).toBe(1);
      await until(() => (collect(), events.filter((e) => e.connectionEpoch === 1).length >= 40), 'epoch 1 events', 15_000);
      // Outside the simulator's universe: granted, then rejected on the service's error topic.
      const rejected = new Promise((r) => feed.on('subscribeError', r));
      feed.subscribe('ZZZNOPE');
      await rejected;
      const stats = await feed.stats();
      expect(stats.recording).toMatchObject({ files: 1, errors: 0, droppedRecords: 0, active: true });
      await feed.shutdown();
      collect();
      expect(feed.dispatcher.stats().totalDropped).toBe(0);

      const f = readRecordingFile(path);
      expect(f.header).toMatchObject({ symbols: ['AOT', 'PTT'], fullDepth: true, fileIndex: 0 });
      expect(stats.recording!.messages).toBeGreaterThan(0); // written so far (the last batch may still be in memory)
      // The adapter stops listening before the connection closes: the file may end with messages nobody consumed.
      const recorded = messagesOf(f).slice(0, events.length);
      expect(recorded.map((m) => [m.topic.slice(-3), m.epoch, m.wallNs, m.monoNs])).toEqual(
        events.map((e) => [e.symbol, e.connectionEpoch, e.recvTs, e.recvMonoNs]),
      );
      // The stamps are receive times: monotonic, and the wall clock follows the monotonic one.
      for (let i = 1; i < recorded.length; i++) expect(recorded[i]!.monoNs).toBeGreaterThanOrEqual(recorded[i - 1]!.monoNs);
      const kinds = eventsOf(f).map((e) => e.event);
      expect(kinds.slice(0, 4)).toEqual([
        { kind: 'subscribe', symbol: 'AOT' },
        { kind: 'subscribe', symbol: 'PTT' },
        { kind: 'connect', epoch: 0 },
        { kind: 'reconnect', epoch: 1, reason: 'connection-lost' },
      ]);
      expect(kinds.slice(4)).toEqual([
        { kind: 'subscribe', symbol: 'ZZZNOPE' },
        { kind: 'subscribeError', symbol: 'ZZZNOPE', topic: 'proto/topic/bidofferv3/ZZZNOPE', message: expect.any(String) },
        { kind: 'unsubscribe', symbol: 'AOT' },
        { kind: 'unsubscribe', symbol: 'PTT' },
        { kind: 'unsubscribe', symbol: 'ZZZNOPE' },
      ]);
      // The reconnect record precedes every message of epoch 1, and follows every one of epoch 0.
      const order = f.records.filter((r) => r.type !== 'topic');
      const at = order.findIndex((r) => r.type === 'event' && r.event.kind === 'reconnect');
      expect(order.slice(0, at).every((r) => r.type !== 'message' || r.epoch === 0)).toBe(true);
      expect(order.slice(at).every((r) => r.type !== 'message' || r.epoch === 1)).toBe(true);
    });

    it('a recording path it cannot write: an error event (ERR_RECORDING_WRITE) and the live feed goes on', async () => {
      const { baseUrl, credentials } = await startSim();
      const dir = tmp();
      writeFileSync(join(dir, 'file.txt'), 'x');
      const path = join(dir, 'file.txt', 'rec'); // ENOTDIR for anyone, root included
      const errors: SettradeError[] = [];
      const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: false, worker, logger: silentLogger, record: { path } });
      cleanups.push(() => feed.shutdown());
      feed.on('error', (e) => errors.push(e));
      let consumed = 0;
      await until(() => ((consumed += feed.dispatcher.drain(() => {})), errors.length > 0), 'the recording error', 15_000);
      expect(errors[0]).toBeInstanceOf(RecordingWriteError);
      expect(errors[0]).toMatchObject({ code: 'ERR_RECORDING_WRITE', path, step: 'open', causeCode: 'ENOTDIR' });
      const afterError = consumed;
      await until(() => ((consumed += feed.dispatcher.drain(() => {})), consumed >= afterError + 30), 'events after the error', 15_000);
      const s = await feed.stats();
      expect(s.client.state).toBe('CONNECTED');
      expect(s.recording).toMatchObject({ errors: 1, records: 0, active: false });
      expect(s.recording!.droppedRecords).toBeGreaterThan(0);
      expect(errors).toHaveLength(1);
    });

    it.runIf(existsSync('/dev/full'))('a full disk (/dev/full): an error event with ENOSPC and the live feed goes on', async () => {
      const { baseUrl, credentials } = await startSim();
      const errors: SettradeError[] = [];
      const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT', 'PTT'], fullDepth: false, worker, logger: silentLogger, record: { path: '/dev/full', flushIntervalMs: 10 } });
      cleanups.push(() => feed.shutdown());
      feed.on('error', (e) => errors.push(e));
      let consumed = 0;
      await until(() => ((consumed += feed.dispatcher.drain(() => {})), errors.length > 0), 'the recording error', 15_000);
      expect(errors[0]).toMatchObject({ code: 'ERR_RECORDING_WRITE', path: '/dev/full', step: 'write', causeCode: 'ENOSPC', name: 'RecordingWriteError' });
      const afterError = consumed;
      await until(() => ((consumed += feed.dispatcher.drain(() => {})), consumed >= afterError + 30), 'events after the error', 15_000);
      expect((await feed.stats()).recording).toMatchObject({ errors: 1, records: 0, active: false });
    });

    it('a bad record option names the field before anything starts', async () => {
      const { baseUrl, credentials } = await startSim();
      const bad = (record: unknown) => createFeed({ ...credentials, baseUrl, fullDepth: false, worker, logger: silentLogger, record: record as never });
      await expect(bad({})).rejects.toThrow(/record\.path/);
      await expect(bad({ path: 'x', fsync: 'sometimes' })).rejects.toThrow(/record\.fsync/);
      await expect(bad({ path: 'x', rotate: { maxSeconds: 0 } })).rejects.toThrow(/record\.rotate\.maxSeconds/);
      await expect(bad({ path: 'x', flush: 5 })).rejects.toThrow(/record\.flush.*unknown/);
    });
  });
}

describe('createFeed({ record, worker: true }) when the worker dies', () => {
  it('the restarted worker continues the rotation in the next file, starting with a worker-restart record', async () => {
    const { baseUrl, credentials } = await startSim();
    const dir = tmp();
    const path = join(dir, 'w.stfrec');
    const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: ['AOT'], fullDepth: false, maxSize: 1 << 16, worker: true, logger: silentLogger, record: { path, flushIntervalMs: 10 } });
    cleanups.push(() => feed.shutdown());
    await until(() => feed.dispatcher.stats().totalPushed >= 20, 'events', 15_000);
    const restarted = new Promise<number>((r) => feed.on('reconnect', (i) => i.reason === 'worker-restart' && r(i.epoch)));
    feedInternals(feed).crash({ exitCode: 3 });
    const epoch = await restarted;
    const pushed = feed.dispatcher.stats().totalPushed;
    await until(() => feed.dispatcher.stats().totalPushed >= pushed + 20, 'events after the restart', 15_000);
    await feed.shutdown();
    expect(readdirSync(dir).sort()).toEqual(['w.stfrec', 'w.stfrec.0001']);
    // The dead worker's file may end in a torn record (it was killed mid-flight): the reader tolerates that tail.
    const first = readRecordingFile(path, { allowTruncatedTail: true });
    expect(eventsOf(first)[1]!.event).toEqual({ kind: 'connect', epoch: 0 });
    const second = readRecordingFile(recordingFilePath(path, 1));
    expect(second.header.fileIndex).toBe(1);
    expect(eventsOf(second).map((e) => e.event).slice(0, 2)).toEqual([
      { kind: 'subscribe', symbol: 'AOT' },
      { kind: 'reconnect', epoch, reason: 'worker-restart' },
    ]);
    expect(messagesOf(second).length).toBeGreaterThanOrEqual(20);
    expect(messagesOf(second).every((m) => m.epoch === epoch)).toBe(true);
  });
});
