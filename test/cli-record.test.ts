/**
 * `settrade-feed record` end to end in a child process: records the
 * simulator to a file the reader accepts, with a summary that matches the
 * file; usage errors exit 2; an unwritable recording ends it with exit 1.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordSummary } from '../src/cli/record-command.js';
import { recordingFilePath } from '../src/record/writer.js';
import { eventsOf, messagesOf, readRecordingFile } from './helpers/recording-file.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp-dirs.js';
import { fifoWithReader } from './helpers/fifo.js';

const tmp = tempDirs('stf-clirec-');

describe('settrade-feed record', () => {
  it('--sim --duration --json --rotate-sec: exits 0; the files hold what the summary says, rotated, each readable alone', async () => {
    const out = join(tmp(), 'day.stfrec');
    const r = await runCli(['record', '--sim', '--out', out, '--symbols', 'AOT,PTT', '--rate', '100', '--duration', '2.5', '--rotate-sec', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RecordSummary;
    expect(s).toMatchObject({ command: 'record', out, symbols: ['AOT', 'PTT'], endedBy: 'duration', droppedRecords: 0 });
    expect(s.files.length).toBeGreaterThanOrEqual(2);
    expect(s.files).toEqual(s.files.map((_, i) => recordingFilePath(out, i)));
    const files = s.files.map((f) => readRecordingFile(f));
    const messages = files.flatMap(messagesOf);
    expect(messages.length).toBe(s.messages);
    expect(files.reduce((n, f) => n + f.records.length, 0)).toBe(s.records);
    expect(files.reduce((n, f) => n + f.bytes, 0)).toBe(s.bytes);
    expect(s.messages).toBeGreaterThan(100);
    // The consumer got them all but those arriving after it stopped listening at shutdown.
    expect(s.events).toBeGreaterThan(0);
    expect(s.events).toBeLessThanOrEqual(s.messages);
    expect(new Set(messages.map((m) => m.topic))).toEqual(new Set(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']));
    expect(files[0]!.header).toMatchObject({ symbols: ['AOT', 'PTT'], fileIndex: 0 });
    expect(eventsOf(files[0]!).map((e) => e.event.kind)).toEqual(expect.arrayContaining(['subscribe', 'connect']));
  });

  it('--out a FIFO: every message reaches its reader; the summary lists it as not read back instead of counting 0 files', async () => {
    const dir = tmp();
    const { path: fifo, received } = fifoWithReader(dir, 'pipe.stfrec');
    const r = await runCli(['record', '--sim', '--out', fifo, '--symbols', 'AOT', '--rate', '100', '--duration', '1.5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RecordSummary;
    expect(s).toMatchObject({ out: fifo, files: [fifo], readBack: false, endedBy: 'duration', droppedRecords: 0 });
    const copy = join(dir, 'copy.stfrec');
    writeFileSync(copy, await received);
    const file = readRecordingFile(copy);
    expect(messagesOf(file).length).toBeGreaterThan(50);
    expect(s.events).toBeLessThanOrEqual(messagesOf(file).length);
  });

  it('an unwritable --out: exit 1, the error in the summary', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file.txt'), 'x');
    const out = join(dir, 'file.txt', 'rec');
    const r = await runCli(['record', '--sim', '--out', out, '--symbols', 'AOT', '--duration', '20', '--json']);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as RecordSummary;
    expect(s).toMatchObject({ endedBy: 'recording-error', files: [] });
    expect(s.error).toMatch(/ENOTDIR/);
  });

  it('usage errors exit 2 naming the flag', async () => {
    const noOut = await runCli(['record', '--sim', '--symbols', 'AOT']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out/);
    const rate = await runCli(['record', '--out', 'x', '--symbols', 'AOT', '--rate', '5']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/--rate and --seed need --sim/);
    const fsync = await runCli(['record', '--sim', '--out', 'x', '--symbols', 'AOT', '--fsync', 'sometimes']);
    expect(fsync.code).toBe(2);
    expect(fsync.stderr).toMatch(/--fsync/);
    // Refused before anything starts: a directory, a directory that does not exist.
    const dir = tmp();
    const isDir = await runCli(['record', '--sim', '--out', dir, '--symbols', 'AOT', '--duration', '20']);
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toContain(`--out ${dir} is a directory; name a file in it, e.g. --out ${join(dir, 'day.stfrec')}`);
    const missing = join(dir, 'no-such-dir', 'day.stfrec');
    const noDir = await runCli(['record', '--sim', '--out', missing, '--symbols', 'AOT', '--duration', '20']);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain(`directory ${join(dir, 'no-such-dir')} does not exist`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
