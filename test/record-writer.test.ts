/**
 * RecordingWriter against the real file system: round trip through an
 * independent reader (every CRC checked, topics interned), batching and the
 * fsync policy, rotation by size and by time, the pending-bytes bound, and
 * failures (unwritable path, full disk) that become one `error` event while
 * appending goes on without throwing.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingWriteError } from '../src/record/errors.js';
import { RECORDING_SCHEMA } from '../src/record/format.js';
import { RecordingWriter, recordingFilePath } from '../src/record/writer.js';
import { eventsOf, messagesOf, readRecordingFile } from './helpers/recording-file.js';
import { until } from './helpers/until.js';

const dirs: string[] = [];
const writers: RecordingWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'stf-rec-'));
  dirs.push(d);
  return d;
}
function writer(options: ConstructorParameters<typeof RecordingWriter>[0]): RecordingWriter {
  const w = new RecordingWriter(options);
  writers.push(w);
  return w;
}
const payload = (i: number, n = 40): Uint8Array => Uint8Array.from({ length: n }, (_, k) => (i * 31 + k) & 0xff);
const topicOf = (i: number): string => `proto/topic/bidofferv3/S${i % 3}`;

describe('RecordingWriter', () => {
  it('writes a header and CRC-checked records that read back exactly, with topics interned', async () => {
    const path = join(tmp(), 'a.stfrec');
    const w = writer({ path, fullDepth: true, symbols: () => ['S0', 'S1', 'S2'] });
    w.feedEvent({ kind: 'connect', epoch: 3 }, 3, 10n, 20n);
    const sent = Array.from({ length: 300 }, (_, i) => ({ topic: topicOf(i), payload: payload(i, 20 + (i % 50)), epoch: 3, wall: 1_700_000_000_000_000_000n + BigInt(i), mono: 5_000n + BigInt(i) }));
    for (const m of sent) w.message(m.topic, m.payload, m.epoch, m.wall, m.mono);
    w.feedEvent({ kind: 'subscribeError', symbol: 'XX', message: 'unknown' }, 3, 11n, 21n);
    await w.close();
    const f = readRecordingFile(path);
    expect(f.header).toMatchObject({ schema: RECORDING_SCHEMA, symbols: ['S0', 'S1', 'S2'], fullDepth: true, fileIndex: 0 });
    expect(f.header.writer).toMatch(/^settrade-feed\/\d+\.\d+\.\d+/);
    expect(BigInt(f.header.startWallNs)).toBeGreaterThan(1_600_000_000_000_000_000n);
    // Three topics, each defined once, before its first message.
    expect(f.records.filter((r) => r.type === 'topic').map((r) => r.type === 'topic' && r.topic)).toEqual([topicOf(0), topicOf(1), topicOf(2)]);
    expect(messagesOf(f).map((m) => ({ topic: m.topic, payload: [...m.payload], epoch: m.epoch, wall: m.wallNs, mono: m.monoNs }))).toEqual(
      sent.map((m) => ({ topic: m.topic, payload: [...m.payload], epoch: m.epoch, wall: m.wall, mono: m.mono })),
    );
    expect(eventsOf(f).map((e) => [e.event, e.epoch, e.monoNs, e.wallNs])).toEqual([
      [{ kind: 'connect', epoch: 3 }, 3, 10n, 20n],
      [{ kind: 'subscribeError', symbol: 'XX', message: 'unknown' }, 3, 11n, 21n],
    ]);
    const s = w.stats();
    expect(s).toMatchObject({ records: 305, messages: 300, files: 1, droppedRecords: 0, errors: 0, pendingBytes: 0, active: false });
    expect(s.bytes).toBe(statSync(path).size);
  });

  it('writes in batches, not per record, and syncs on close', async () => {
    const path = join(tmp(), 'b.stfrec');
    const w = writer({ path, fsync: 'never' });
    for (let i = 0; i < 5000; i++) w.message(topicOf(i), payload(i), 0, 1n, 1n);
    await until(() => w.stats().records === 5003, 'all written');
    // 5003 records of ~72 bytes are ~360 KB: a couple of 256 KiB batches, not thousands of writes.
    expect(w.stats().writes).toBeLessThanOrEqual(3);
    expect(w.stats().syncs).toBe(0);
    await w.close();
    expect(w.stats().syncs).toBe(1);
  });

  it('fsync: 0 syncs after every batch write', async () => {
    const w = writer({ path: join(tmp(), 'c.stfrec'), fsync: 0, flushIntervalMs: 5 });
    for (let round = 0; round < 4; round++) {
      w.message(topicOf(round), payload(round), 0, 1n, 1n);
      const writes = w.stats().writes;
      await until(() => w.stats().writes > writes && w.stats().pendingBytes === 0, 'a write');
    }
    await until(() => w.stats().syncs >= w.stats().writes, 'a sync per write');
    expect(w.stats().writes).toBeGreaterThanOrEqual(4);
  });

  it('fsync: N syncs at most every N ms however often it writes', async () => {
    const w = writer({ path: join(tmp(), 'd.stfrec'), fsync: 40, flushIntervalMs: 2 });
    const t0 = performance.now();
    const feed = setInterval(() => w.message(topicOf(0), payload(0), 0, 1n, 1n), 1);
    try {
      await until(() => w.stats().syncs >= 3, 'three syncs');
    } finally {
      clearInterval(feed);
    }
    const elapsed = performance.now() - t0;
    const s = w.stats();
    expect(s.writes).toBeGreaterThan(s.syncs * 2);
    // The first sync comes one interval after the file opened, and then at most one per interval.
    expect(s.syncs).toBeLessThanOrEqual(Math.floor(elapsed / 40) + 1);
  });

  it('rotates by size: every file stands alone (own header, own topic definitions) and none exceeds the limit', async () => {
    const dir = tmp();
    const path = join(dir, 'r.stfrec');
    const w = writer({ path, rotate: { maxBytes: 4096 }, symbols: () => ['S0'] });
    const sent = Array.from({ length: 400 }, (_, i) => ({ topic: topicOf(i), payload: payload(i, 60) }));
    sent.forEach((m, i) => w.message(m.topic, m.payload, 1, BigInt(i), BigInt(i)));
    await w.close();
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(w.stats().files);
    expect(files.length).toBeGreaterThan(5);
    expect(files).toEqual(Array.from({ length: files.length }, (_, i) => recordingFilePath('r.stfrec', i)));
    const all = [];
    for (let i = 0; i < files.length; i++) {
      const p = recordingFilePath(path, i);
      expect(statSync(p).size).toBeLessThanOrEqual(4096);
      const f = readRecordingFile(p); // throws on a topic used before its definition in this file
      expect(f.header.fileIndex).toBe(i);
      expect(f.records[0]!.type).toBe('topic');
      all.push(...messagesOf(f));
    }
    expect(all.map((m) => [m.topic, [...m.payload]])).toEqual(sent.map((m) => [m.topic, [...m.payload]]));
  });

  it('rotates by time', async () => {
    const dir = tmp();
    const path = join(dir, 't.stfrec');
    const w = writer({ path, rotate: { maxSeconds: 0.03 }, flushIntervalMs: 5 });
    for (let i = 0; i < 3; i++) {
      const files = w.stats().files;
      w.message(topicOf(0), payload(i), 0, BigInt(i), BigInt(i));
      await until(() => w.stats().files > files || (i === 2 && w.stats().records === 6), 'the next file');
    }
    await w.close();
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    const messages = files.map((_, i) => readRecordingFile(recordingFilePath(path, i))).flatMap((f, i) => {
      expect(f.header.fileIndex).toBe(i);
      return messagesOf(f);
    });
    expect(messages.map((m) => m.wallNs)).toEqual([0n, 1n, 2n]);
  });

  it('bounds the bytes waiting to be written: the excess is dropped and counted, never buffered', async () => {
    const w = writer({ path: join(tmp(), 'p.stfrec'), maxPendingBytes: 1024 * 1024, fsync: 'never' });
    const big = payload(1, 1000);
    for (let i = 0; i < 3000; i++) w.message(topicOf(0), big, 0, 1n, 1n); // ~3 MB at once
    expect(w.stats().pendingBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(w.stats().droppedRecords).toBeGreaterThan(1000);
    await w.close();
    const s = w.stats();
    expect(s.messages + s.droppedRecords).toBe(3000);
  });

  it('a path it cannot open: one error event (ERR_RECORDING_WRITE, the path, ENOTDIR), appends never throw and are counted', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file.txt'), 'x');
    const path = join(dir, 'file.txt', 'rec'); // under a regular file: ENOTDIR, even as root
    const errors: RecordingWriteError[] = [];
    const w = writer({ path });
    w.on('error', (e) => errors.push(e));
    w.message(topicOf(0), payload(0), 0, 1n, 1n);
    await until(() => errors.length > 0, 'the error');
    expect(errors[0]).toBeInstanceOf(RecordingWriteError);
    expect(errors[0]).toMatchObject({ code: 'ERR_RECORDING_WRITE', step: 'open', path, causeCode: 'ENOTDIR' });
    expect(errors[0]!.message).toContain(path);
    for (let i = 0; i < 100; i++) expect(() => w.message(topicOf(i), payload(i), 0, 1n, 1n)).not.toThrow();
    await w.close();
    expect(errors).toHaveLength(1);
    expect(w.stats()).toMatchObject({ errors: 1, records: 0, files: 0, active: false });
    expect(w.stats().droppedRecords).toBe(102); // topic + message before the failure, 100 after
    expect(existsSync(path)).toBe(false);
  });

  it.runIf(existsSync('/dev/full'))('a full disk (/dev/full): one error event with ENOSPC, records counted as dropped', async () => {
    const errors: RecordingWriteError[] = [];
    const w = writer({ path: '/dev/full', flushIntervalMs: 5 });
    w.on('error', (e) => errors.push(e));
    for (let i = 0; i < 50; i++) w.message(topicOf(i), payload(i), 0, 1n, 1n);
    await until(() => errors.length > 0, 'the error');
    expect(errors[0]).toMatchObject({ code: 'ERR_RECORDING_WRITE', step: 'write', path: '/dev/full', causeCode: 'ENOSPC' });
    w.message(topicOf(0), payload(0), 0, 1n, 1n);
    await w.close();
    expect(errors).toHaveLength(1);
    expect(w.stats()).toMatchObject({ errors: 1, records: 0, droppedRecords: 54, active: false });
  });

  it('rejects bad options naming the field', () => {
    const path = join(tmp(), 'x');
    expect(() => new RecordingWriter({ path: '' })).toThrow(/record\.path/);
    expect(() => new RecordingWriter({ path, fsync: -1 })).toThrow(/record\.fsync/);
    expect(() => new RecordingWriter({ path, rotate: { maxBytes: 100 } })).toThrow(/record\.rotate\.maxBytes/);
    expect(() => new RecordingWriter({ path, rotate: { maxByte: 1e6 } } as never)).toThrow(/record\.rotate\.maxByte.*unknown/);
    expect(() => new RecordingWriter({ path, fsyncc: 1 } as never)).toThrow(/record\.fsyncc.*did you mean 'fsync'/);
  });
});
