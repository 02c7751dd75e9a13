/**
 * Direct I/O of the recording (src/record/direct-io.ts): with the addon a
 * regular file is opened with O_DIRECT and written in whole 4 KiB blocks
 * from aligned chunks, each chunk's last partial block carried into the
 * next and written again; a flush writes it padded and truncates the file
 * back to its true size. Checked against a writer going through the page
 * cache (`directIo: false`): byte-identical files across flushes, rotation
 * and a record bigger than a chunk; the live file's size is the bytes
 * written at every flush; what is not a regular file is written without
 * O_DIRECT, a FIFO as a stream (opened once, each byte once). (A file system refusing O_DIRECT with EINVAL at open or write
 * falls back to the page cache too; none is at hand to test it: tmpfs takes
 * O_DIRECT since Linux 6.6.) In the `js` project (no addon) both writers go through the page
 * cache and the same files come out.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../src/native.js';
import { RecordingWriter, recordingFilePath, type RecordingWriterOptions } from '../src/record/writer.js';
import { messagesOf, readRecordingFile } from './helpers/recording-file.js';
import { until } from './helpers/until.js';
import { loadValidVectors } from './helpers/vectors.js';
import { tempDirs } from './helpers/temp-dirs.js';
import { fifoWithReader } from './helpers/fifo.js';

const native = nativeBinding !== null;
const valid = loadValidVectors();
const O_DIRECT = 0o40000; // x86-64 Linux, as /proc/self/fdinfo prints the flags

const tmp = tempDirs('stf-recdio-');

/** The open-file flags of this process's descriptor for `path`, or undefined when it is not open. */
function openFlags(path: string): number | undefined {
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== path) continue;
    const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    if (m) return parseInt(m[1]!, 8);
  }
  return undefined;
}

/** The bytes of a recording file after its header (the header's startWallNs differs between two writers). */
function recordBytes(path: string): Buffer {
  const bytes = readFileSync(path);
  return bytes.subarray(20 + bytes.readUInt32LE(12));
}

function append(w: RecordingWriter, from: number, n: number, symbols = 7): void {
  for (let i = from; i < from + n; i++) {
    w.message(`proto/topic/bidofferv3/S${i % symbols}`, valid[i % valid.length]!.payload, 1, 1_764_000_000_000_000_000n + BigInt(i), BigInt(i));
  }
}

async function flushed(w: RecordingWriter): Promise<void> {
  const writes = w.stats().writes;
  await until(() => w.stats().writes > writes && w.stats().pendingBytes === 0, 'a flush written');
}

/** Two writers, direct and through the page cache, given the same records in the same steps. */
function pair(dir: string, options: Omit<RecordingWriterOptions, 'path'> = {}): [RecordingWriter, RecordingWriter] {
  return [
    new RecordingWriter({ ...options, path: join(dir, 'direct.stfrec') }),
    new RecordingWriter({ ...options, path: join(dir, 'buffered.stfrec'), directIo: false }),
  ];
}

describe('recording with direct I/O', () => {
  it(`opens a regular file with O_DIRECT exactly with the addon (${native ? 'native' : 'js'} project), the other writer without`, async () => {
    const dir = tmp();
    const [d, b] = pair(dir);
    append(d, 0, 10);
    append(b, 0, 10);
    await until(() => d.stats().files === 1 && b.stats().files === 1, 'both files open');
    const flags = openFlags(join(dir, 'direct.stfrec'));
    expect(flags).toBeDefined();
    expect((flags! & O_DIRECT) !== 0).toBe(native);
    expect(openFlags(join(dir, 'buffered.stfrec'))! & O_DIRECT).toBe(0);
    await Promise.all([d.close(), b.close()]);
  });

  it('writes the bytes the page cache path writes, across flushes, full chunks and a record bigger than a chunk; the live file always has its true size', async () => {
    const dir = tmp();
    const [d, b] = pair(dir, { flushIntervalMs: 20 });
    let at = 0;
    // Small steps (a partial block, written padded then again), then several chunks' worth.
    for (const n of [1, 3, 40, 5000, 9000, 2]) {
      append(d, at, n);
      append(b, at, n);
      at += n;
      await Promise.all([flushed(d), flushed(b)]);
      // Between flushes the file holds exactly what was written: no padding left behind.
      expect(statSync(join(dir, 'direct.stfrec')).size).toBe(d.stats().bytes);
      expect(readFileSync(join(dir, 'direct.stfrec')).equals(readFileSync(join(dir, 'direct.stfrec')).subarray(0, d.stats().bytes))).toBe(true);
      expect(messagesOf(readRecordingFile(join(dir, 'direct.stfrec')))).toHaveLength(at);
    }
    // A record bigger than a chunk, right after a carried partial block.
    const big = new Uint8Array(1_500_000).map((_, i) => i * 7);
    append(d, at, 1);
    append(b, at, 1);
    d.message('proto/topic/bidofferv3/BIG', big, 2, 5n, 6n);
    b.message('proto/topic/bidofferv3/BIG', big, 2, 5n, 6n);
    append(d, at + 1, 100);
    append(b, at + 1, 100);
    await Promise.all([d.close(), b.close()]);
    expect(recordBytes(join(dir, 'direct.stfrec')).equals(recordBytes(join(dir, 'buffered.stfrec')))).toBe(true);
    expect(statSync(join(dir, 'direct.stfrec')).size).toBe(d.stats().bytes);
    const { path: _p1, syncs: _s1, writes: _w1, ...a } = d.stats();
    const { path: _p2, syncs: _s2, writes: _w2, ...c } = b.stats();
    expect(a).toEqual(c);
    const msgs = messagesOf(readRecordingFile(join(dir, 'direct.stfrec')));
    expect(msgs).toHaveLength(at + 102);
    expect(Buffer.from(msgs[at + 1]!.payload).equals(Buffer.from(big))).toBe(true);
  });

  it('rotates into files identical to the page cache path', async () => {
    const dir = tmp();
    const [d, b] = pair(dir, { rotate: { maxBytes: 200_000 } });
    append(d, 0, 4000);
    append(b, 0, 4000);
    await Promise.all([d.close(), b.close()]);
    expect(d.stats().files).toBeGreaterThan(3);
    expect(d.stats().files).toBe(b.stats().files);
    for (let i = 0; i < d.stats().files; i++) {
      const a = recordingFilePath(join(dir, 'direct.stfrec'), i);
      expect(recordBytes(a).equals(recordBytes(recordingFilePath(join(dir, 'buffered.stfrec'), i))), `file ${i}`).toBe(true);
      expect(statSync(a).size).toBeLessThanOrEqual(200_000);
    }
  });

  it('writes what is not a regular file (/dev/null) without O_DIRECT', async () => {
    const w = new RecordingWriter({ path: '/dev/null' });
    append(w, 0, 3000);
    await until(() => w.stats().files === 1, 'the file open');
    const flags = openFlags('/dev/null');
    expect(flags).toBeDefined();
    expect(flags! & O_DIRECT).toBe(0);
    await w.close();
    expect(w.stats()).toMatchObject({ errors: 0, droppedRecords: 0, messages: 3000 });
  });

  it('writes a FIFO as a stream, each byte once across flushes, opening it once (its reader sees one writer)', async () => {
    const dir = tmp();
    const { path: fifo, received } = fifoWithReader(dir, 'pipe.stfrec');
    const w = new RecordingWriter({ path: fifo, flushIntervalMs: 20 });
    const b = new RecordingWriter({ path: join(dir, 'buffered.stfrec'), directIo: false, flushIntervalMs: 20 });
    let at = 0;
    // Flushes between small appends: each leaves a partial block that the next chunk starts with.
    for (const n of [1, 3, 40, 5000, 2]) {
      append(w, at, n);
      append(b, at, n);
      at += n;
      await Promise.all([flushed(w), flushed(b)]);
    }
    await Promise.all([w.close(), b.close()]);
    const piped = join(dir, 'piped.stfrec');
    writeFileSync(piped, await received); // ends at the writer's one close
    expect(w.stats()).toMatchObject({ errors: 0, droppedRecords: 0, messages: at });
    expect(statSync(piped).size).toBe(w.stats().bytes);
    expect(recordBytes(piped).equals(recordBytes(join(dir, 'buffered.stfrec')))).toBe(true);
    expect(messagesOf(readRecordingFile(piped))).toHaveLength(at);
  });

  it.skipIf(!existsSync('/dev/shm'))('on tmpfs (O_DIRECT refused before Linux 6.6, taken since) the same bytes either way', async () => {
    const dir = tmp('/dev/shm');
    const [d, b] = pair(dir);
    append(d, 0, 5000);
    append(b, 0, 5000);
    await Promise.all([d.close(), b.close()]);
    expect(d.stats()).toMatchObject({ errors: 0, droppedRecords: 0, messages: 5000 });
    expect(recordBytes(join(dir, 'direct.stfrec')).equals(recordBytes(join(dir, 'buffered.stfrec')))).toBe(true);
  });
});
