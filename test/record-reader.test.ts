/**
 * The recording reader: a round trip of every record type, across files and
 * chunk boundaries, and each kind of damage: a file cut mid-record (read up
 * to the last whole record, one warning), a flipped payload byte (that record
 * skipped and counted), a flipped length byte (resync at the next record),
 * another format version and a file that is not a recording (clear errors
 * naming the file).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readRecording, RecordingReader, type RecordingRecord } from '../src/record/reader.js';
import { RecordingFormatError } from '../src/record/reader-errors.js';
import { encodeFileHeader, RecordType } from '../src/record/format.js';
import { SettradeFeedError } from '../src/errors.js';
import { topicOf } from '../src/protocol/symbol.js';
import type { Logger } from '../src/util/logger.js';
import { buildRecording, MONO0, simpleRecords, tempDir, WALL0, type TestRecord } from './helpers/recording.js';

const dirs: (() => void)[] = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});
function temp(): ReturnType<typeof tempDir> {
  const t = tempDir();
  dirs.push(t.cleanup);
  return t;
}

/** A logger that keeps its warnings. */
function capture(): Logger & { warnings: { obj: object; msg?: string }[] } {
  const warnings: { obj: object; msg?: string }[] = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (obj, msg) => warnings.push({ obj, msg }) };
}

async function readAll(paths: string[], options: { logger?: Logger; chunkBytes?: number } = {}): Promise<{ records: RecordingRecord[]; stats: Awaited<ReturnType<RecordingReader['stats']>> }> {
  const records: RecordingRecord[] = [];
  const it = readRecording(paths, options);
  for (;;) {
    const n = await it.next();
    if (n.done) return { records, stats: n.value };
    records.push(n.value);
  }
}

const messages = (rs: RecordingRecord[]) => rs.filter((r) => r.type === RecordType.MESSAGE);

describe('recording reader', () => {
  it('round trip: every record type, in order, with its stamps, across chunk boundaries and files', async () => {
    const t = temp();
    const first: TestRecord[] = [
      ...simpleRecords(['AOT', 'PTT'], 40),
      { event: { kind: 'reconnect', epoch: 1, reason: 'connection-lost' }, epoch: 1, wallNs: WALL0 + 50_000_000n, monoNs: MONO0 + 50_000_000n },
      { symbol: 'AOT', payload: Uint8Array.of(0x0f, 0x01), epoch: 1, wallNs: WALL0 + 60_000_000n, monoNs: MONO0 + 60_000_000n },
    ];
    const second = simpleRecords(['KBANK'], 5);
    const a = t.file('a.stfd', buildRecording(first).bytes);
    const b = t.file('b.stfd', buildRecording(second, { fileIndex: 1 }).bytes);
    // A chunk far smaller than the file: records straddle chunk boundaries.
    const { records, stats } = await readAll([a, b], { chunkBytes: 100 });
    const msgs = messages(records);
    const expected = [...first, ...second].filter((r) => 'symbol' in r);
    expect(msgs.map((m) => [m.topic, Buffer.from(m.payload).toString('hex'), m.epoch, m.wallNs, m.monoNs])).toEqual(
      expected.map((r) => [topicOf(r.symbol), Buffer.from(r.payload).toString('hex'), r.epoch, r.wallNs, r.monoNs]),
    );
    expect(msgs.map((m) => m.fileIndex)).toEqual([...Array(41).fill(0), ...Array(5).fill(1)]);
    const events = records.filter((r) => r.type === RecordType.FEED_EVENT);
    expect(events.map((e) => e.event)).toEqual([{ kind: 'reconnect', epoch: 1, reason: 'connection-lost' }]);
    // Topics are declared per file: the second file stands alone.
    expect(records.filter((r) => r.type === RecordType.TOPIC).map((r) => r.topic)).toEqual([topicOf('AOT'), topicOf('PTT'), topicOf('KBANK')]);
    expect(stats).toEqual({ recordsRead: 42 + 2 + 5 + 1, recordsSkipped: 0, bytesSkipped: 0, truncated: false, files: 2 });
  });

  it('records larger than a chunk (and than the room kept for a cut record) are read whole', async () => {
    const t = temp();
    const big = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
    const recs = [50_000, 10, 70_000, 300, 20_000].map((n, i) => ({ symbol: 'AOT', payload: big(n, i), epoch: i, wallNs: WALL0 + BigInt(i), monoNs: MONO0 + BigInt(i) }));
    for (const chunkBytes of [64, 4096, 1 << 20]) {
      const { records, stats } = await readAll([t.file(`big-${chunkBytes}.stfd`, buildRecording(recs).bytes)], { chunkBytes });
      expect(messages(records).map((m) => Buffer.from(m.payload).equals(Buffer.from(recs[m.epoch]!.payload)))).toEqual([true, true, true, true, true]);
      expect(stats).toMatchObject({ recordsRead: 6, recordsSkipped: 0, truncated: false });
    }
  });

  it('a file cut in the middle of a record: every whole record, then exactly one warning', async () => {
    const t = temp();
    const recs = simpleRecords(['AOT'], 30);
    const { bytes, offsets } = buildRecording(recs);
    for (const cutAt of [offsets[20]! + 3, offsets[20]! + 30, bytes.length - 1]) {
      const log = capture();
      const path = t.file(`cut-${cutAt}.stfd`, bytes.subarray(0, cutAt));
      const { records, stats } = await readAll([path], { logger: log, chunkBytes: 256 });
      const whole = cutAt === bytes.length - 1 ? 29 : 20;
      expect(messages(records).map((m) => m.wallNs)).toEqual(recs.slice(0, whole).map((r) => r.wallNs));
      expect(stats.truncated).toBe(true);
      expect(stats.recordsSkipped).toBe(0);
      expect(log.warnings).toHaveLength(1);
      expect(log.warnings[0]!.msg).toMatch(/middle of a record/);
      expect(log.warnings[0]!.obj).toMatchObject({ path });
    }
  });

  it('zero padding after the last whole record (a crash between a direct write and its truncation) reads as a cut file, not damage', async () => {
    const t = temp();
    const recs = simpleRecords(['AOT'], 12);
    const { bytes, offsets } = buildRecording(recs);
    // Padding (less than a block) after the last whole record; 4096 zeros or more is damage.
    for (const [keep, zeros, whole, truncated] of [
      [bytes.length, 3000, 12, true],
      [offsets[8]!, 1, 8, true],
      [bytes.length, 4096, 12, false],
    ] as const) {
      const log = capture();
      const padded = new Uint8Array(keep + zeros);
      padded.set(bytes.subarray(0, keep));
      const { records, stats } = await readAll([t.file(`pad-${keep}-${zeros}.stfd`, padded)], { logger: log, chunkBytes: 512 });
      expect(messages(records).map((m) => m.wallNs)).toEqual(recs.slice(0, whole).map((r) => r.wallNs));
      expect(stats).toMatchObject({ truncated, recordsSkipped: truncated ? 0 : 1 });
      expect(log.warnings).toHaveLength(1);
      if (truncated) expect(log.warnings[0]!.msg).toMatch(/zero padding/);
    }
  });

  it('a flipped byte in a payload: that record skipped and counted, the rest read', async () => {
    const t = temp();
    const recs = simpleRecords(['AOT', 'PTT'], 50);
    const { bytes, offsets } = buildRecording(recs);
    const damaged = Uint8Array.from(bytes);
    damaged[offsets[17]! + 8 + 24 + 5]! ^= 0x40;
    const log = capture();
    const { records, stats } = await readAll([t.file('flip.stfd', damaged)], { logger: log, chunkBytes: 300 });
    expect(messages(records).map((m) => m.wallNs)).toEqual(recs.filter((_, i) => i !== 17).map((r) => r.wallNs));
    const recordLength = offsets[18]! - offsets[17]!;
    expect(stats).toMatchObject({ recordsSkipped: 1, bytesSkipped: recordLength, truncated: false });
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]!.obj).toMatchObject({ offset: offsets[17], bytes: recordLength });
  });

  it('a flipped byte in a length field: resync at the next record that verifies', async () => {
    const t = temp();
    const recs = simpleRecords(['AOT', 'PTT'], 50);
    const { bytes, offsets } = buildRecording(recs);
    // Byte 3 (high): an implausible length; byte 1: plausible but wrong (past the end of this small file); byte 0: a few bytes off.
    for (const [k, flip] of [
      [3, 0x80],
      [1, 0x10],
      [0, 0x04],
    ] as const) {
      const damaged = Uint8Array.from(bytes);
      damaged[offsets[30]! + k]! ^= flip;
      const { records, stats } = await readAll([t.file(`len${k}.stfd`, damaged)], { logger: capture(), chunkBytes: 512 });
      expect(messages(records).map((m) => m.wallNs), `byte ${k}`).toEqual(recs.filter((_, i) => i !== 30).map((r) => r.wallNs));
      expect(stats, `byte ${k}`).toMatchObject({ recordsSkipped: 1, bytesSkipped: offsets[31]! - offsets[30]!, truncated: false });
    }
  });

  it('damage to the last record of a file is counted, not mistaken for a cut', async () => {
    const t = temp();
    const recs = simpleRecords(['AOT'], 10);
    const { bytes, offsets } = buildRecording(recs);
    const damaged = Uint8Array.from(bytes);
    damaged[offsets[9]! + 40]! ^= 0x01;
    const { records, stats } = await readAll([t.file('last.stfd', damaged)], { logger: capture() });
    expect(messages(records)).toHaveLength(9);
    expect(stats).toMatchObject({ recordsSkipped: 1, truncated: false });
  });

  it('another format version: ERR_RECORDING_VERSION naming the file and both versions', async () => {
    const t = temp();
    const bytes = Uint8Array.from(buildRecording(simpleRecords(['AOT'], 3)).bytes);
    bytes[8] = 2;
    const path = t.file('v2.stfd', bytes);
    const err = await RecordingReader.header(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingFormatError);
    expect(err).toBeInstanceOf(SettradeFeedError);
    expect(err).toMatchObject({ code: 'ERR_RECORDING_VERSION', path, version: 2 });
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/version 2; this release reads version 1/);
    await expect(readAll([path])).rejects.toMatchObject({ code: 'ERR_RECORDING_VERSION' });
  });

  it('not a recording (bad magic, damaged header, empty file): ERR_RECORDING_FORMAT naming the file', async () => {
    const t = temp();
    const good = buildRecording(simpleRecords(['AOT'], 3)).bytes;
    const headerJson = Uint8Array.from(good);
    headerJson[encodeFileHeader({ schema: 'x', startWallNs: '0', symbols: [], fullDepth: false, fileIndex: 0, writer: '' }).length - 3]! ^= 1;
    const cases: [string, Uint8Array, RegExp][] = [
      ['text.stfd', Buffer.from('hello, this is not a recording at all\n'), /bad magic/],
      ['json.stfd', headerJson, /header CRC mismatch/],
      ['empty.stfd', new Uint8Array(0), /empty/],
      ['short.stfd', good.subarray(0, 14), /ends inside its header/],
    ];
    for (const [name, bytes, why] of cases) {
      const path = t.file(name, bytes);
      const err = await RecordingReader.header(path).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(RecordingFormatError);
      expect(err, name).toMatchObject({ code: 'ERR_RECORDING_FORMAT', path });
      expect((err as Error).message, name).toMatch(why);
      expect((err as Error).message).toContain(path);
    }
  });
});
