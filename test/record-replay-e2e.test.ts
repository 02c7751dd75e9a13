/**
 * Record, then replay (issue 16): a feed records 5 s of the simulator with
 * faults (two dropped connections, malformed payloads) while a live consumer
 * collects its events; the recording replayed at 'max' gives the consumer
 * event for event what the live consumer saw (symbol, every price and
 * volume, flags, epoch, the recorded timestamps), the same parse-error count
 * and the same reconnects. Recorded in-thread (rotating every 64 KiB: the
 * replay reads the files in order) and in a worker; replayed on this thread.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFeed } from '../src/feed/feed.js';
import type { FullBidOffer } from '../src/events/types.js';
import { replayFeed } from '../src/record/replay.js';
import { recordingFilePath } from '../src/record/writer.js';
import { Simulator } from '../src/sim/index.js';
import { silentLogger } from '../src/util/logger.js';
import { until } from './helpers/until.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, connectTimeoutMs: 3000 };
const SYMBOLS = ['AOT', 'PTT', 'KBANK'];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

for (const worker of [false, true]) {
  describe(`record (worker: ${worker}) then replay at max`, () => {
    it('the replay gives the consumer what the live consumer saw, event for event, with the same parse errors and reconnects', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'stfd-e2e-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'live.stfd');
      const sim = new Simulator({ ratePerSymbol: 100 });
      const { baseUrl, credentials } = await sim.start();
      cleanups.push(() => sim.stop());
      const t0 = Date.now();

      const record = worker ? { path } : { path, rotate: { maxBytes: 64 * 1024 } };
      const feed = await createFeed({ ...credentials, baseUrl, ...fast, symbols: SYMBOLS, fullDepth: true, maxSize: 1 << 17, worker, logger: silentLogger, record });
      cleanups.push(() => feed.shutdown());
      const recordingErrors: unknown[] = [];
      feed.on('error', (e) => recordingErrors.push(e));
      const liveReconnects: number[] = [];
      feed.on('reconnect', (i) => liveReconnects.push(i.epoch));
      const live: FullBidOffer[] = [];
      const consumed = (async () => {
        for await (const e of feed.dispatcher.events()) live.push(e);
      })();
      const epochEvents = (epoch: number) => live.filter((e) => e.connectionEpoch === epoch).length;
      const parseErrors = async () => (await feed.stats()).adapter.parseErrors;

      await until(() => epochEvents(0) >= 50, 'epoch 0 events', 15_000);
      sim.faults.publishMalformed(4);
      sim.faults.dropConnections();
      await until(() => liveReconnects.length === 1 && epochEvents(1) >= 50, 'reconnect 1 and its events', 15_000);
      sim.faults.publishMalformed(3);
      let seen = 0;
      await until(() => (void parseErrors().then((n) => (seen = n)), seen >= 3), 'parse errors', 15_000);
      sim.faults.dropConnections();
      await until(() => liveReconnects.length === 2 && epochEvents(2) >= 50, 'reconnect 2 and its events', 15_000);
      sim.faults.publishMalformed(5);
      // Five seconds of recording in all.
      await until(() => Date.now() - t0 >= 5000, '5 s of recording', 15_000);
      await feed.shutdown();
      await consumed;
      const liveStats = await feed.stats().catch(() => undefined);
      expect(recordingErrors).toEqual([]);
      expect(feed.dispatcher.stats().totalDropped).toBe(0);

      const files: string[] = [];
      while (existsSync(recordingFilePath(path, files.length))) files.push(recordingFilePath(path, files.length));
      if (!worker) expect(files.length).toBeGreaterThan(1);
      const replay = await replayFeed({ files, speed: 'max', fullDepth: true, maxSize: 1 << 17, logger: silentLogger });
      cleanups.push(() => replay.shutdown());
      const replayReconnects: number[] = [];
      replay.on('reconnect', (i) => replayReconnects.push(i.epoch));
      const replayed: FullBidOffer[] = [];
      for await (const e of replay.dispatcher.events()) replayed.push(e);
      const stats = await replay.stats();

      // Event for event: symbol, every price and volume, flags, epoch, recvTs and recvMonoNs.
      expect(live.length).toBeGreaterThan(150);
      expect(replayed.length).toBe(live.length);
      expect(replayed).toEqual(live);
      expect(new Set(live.map((e) => e.connectionEpoch))).toEqual(new Set([0, 1, 2]));
      expect(replayReconnects).toEqual(liveReconnects);
      expect(stats.replay).toMatchObject({ recordsSkipped: 0, truncated: false, done: true, error: undefined, files: files.length });
      // The malformed payloads that reached the live adapter reached the replayed one.
      expect(stats.adapter.parseErrors).toBeGreaterThanOrEqual(3);
      if (!worker) expect(liveStats).toBeDefined();
      if (liveStats !== undefined) expect(stats.adapter.parseErrors).toBe(liveStats.adapter.parseErrors);
      // Worker mode: the worker's counters are gone with it; the file holds the malformed messages the live adapter counted.
      expect(stats.replay.messages).toBe(live.length + stats.adapter.parseErrors);
    }, 60_000);
  });
}
