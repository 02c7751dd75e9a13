/**
 * `settrade-feed replay`: a real process replaying a recording through the
 * public Feed; `--json` reports records read, events, parse errors, records
 * skipped (bad CRC), truncated and msg/s; bad flags are usage errors naming
 * the flag; an unreadable file names itself and its error code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MALFORMED_PAYLOADS } from '../src/sim/proto-encoder.js';
import { runCli } from './helpers/cli.js';
import { buildRecording, MONO0, simpleRecords, tempDir, WALL0, type TestRecord } from './helpers/recording.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('settrade-feed replay', () => {
  it('--json: records read, events, parse errors, records skipped, truncated, msg/s', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const records: TestRecord[] = [
      ...simpleRecords(['AOT', 'PTT'], 200),
      { symbol: 'AOT', payload: MALFORMED_PAYLOADS[0]!, epoch: 0, wallNs: WALL0 + 300_000_000n, monoNs: MONO0 + 300_000_000n },
      { event: { kind: 'reconnect', epoch: 1, reason: 'connection-lost' }, epoch: 1, wallNs: WALL0 + 301_000_000n, monoNs: MONO0 + 301_000_000n },
      ...simpleRecords(['AOT', 'PTT'], 20).map((r) => ({ ...r, epoch: 1, wallNs: r.wallNs + 302_000_000n, monoNs: r.monoNs + 302_000_000n })),
    ];
    const { bytes, offsets } = buildRecording(records);
    const damaged = Uint8Array.from(bytes.subarray(0, bytes.length - 7)); // cut inside the last record
    damaged[offsets[50]! + 36]! ^= 0x20; // and a bad CRC
    const path = t.file('day.stfd', damaged);

    const r = await runCli(['replay', path, '--json', '--speed', 'max'], { env: { ...process.env, SETTRADE_FEED_LOG_LEVEL: 'silent' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    // 221 messages: one damaged (bad CRC), the last cut off, one malformed: 219 replayed, 218 events.
    expect(out).toMatchObject({
      files: 1,
      recordsRead: 219 + 1 + 2, // messages, the reconnect, two topic declarations
      messages: 219,
      events: 218,
      parseErrors: 1,
      recordsSkipped: 1,
      truncated: true,
      feedEvents: 1,
      reconnects: 1,
      speed: 'max',
    });
    expect(out.msgPerSec).toBeGreaterThan(0);

    const text = await runCli(['replay', path, '--symbols', 'PTT', '--full-depth'], { env: { ...process.env, SETTRADE_FEED_LOG_LEVEL: 'silent' } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/replayed 1 file\(s\) at max speed: .* -> 109 events, 0 parse errors, 1 records skipped .*truncated/);

    // A window of recorded wall time: an ISO-8601 start, an end in ns (records 50 to 99; 50 is the damaged one).
    const from = new Date(Number((WALL0 + 50_000_000n) / 1_000_000n)).toISOString();
    const window = await runCli(['replay', path, '--json', '--from', from, '--to', String(WALL0 + 99_000_000n), '--speed', '1000'], {
      env: { ...process.env, SETTRADE_FEED_LOG_LEVEL: 'silent' },
    });
    expect(window.code, window.stderr).toBe(0);
    expect(JSON.parse(window.stdout.trim())).toMatchObject({ messages: 49, events: 49, speed: 1000 });
  });

  it('a --symbols filter that matches no message says so on stderr, with the symbols the headers list (exit 0)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = t.file('day.stfd', buildRecording(simpleRecords(['AOT', 'PTT'], 20)).bytes);
    const env = { env: { ...process.env, SETTRADE_FEED_LOG_LEVEL: 'silent' } };
    const none = await runCli(['replay', path, '--json', '--symbols', 'XYZ,ABC'], env);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout.trim())).toMatchObject({ messages: 20, events: 0 });
    expect(none.stderr).toBe("settrade-feed replay: no message of XYZ, ABC in these files (the files' headers list AOT, PTT)\n");
    const some = await runCli(['replay', path, '--json', '--symbols', 'PTT'], env);
    expect(JSON.parse(some.stdout.trim())).toMatchObject({ events: 10 });
    expect(some.stderr).toBe('');
  });

  it('usage errors name the flag (exit 2); a file that is not a recording is named with its code (exit 1)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const junk = t.file('junk.bin', Buffer.from('not a recording'));
    const cases: [string[], RegExp][] = [
      [['replay'], /replay: name at least one recording FILE/],
      [['replay', junk, '--speed', 'fast'], /--speed must be 'max' or a number > 0/],
      [['replay', junk, '--speed', '0'], /--speed must be 'max' or a number > 0/],
      [['replay', junk, '--from', 'yesterday'], /--from must be an ISO-8601 time/],
      [['replay', junk, '--symbols', 'A/B'], /--symbols: 'A\/B' is not a valid symbol/],
      [['replay', junk, '--velocity', '2'], /Unknown option '--velocity'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const r = await runCli(['replay', junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(junk);
    expect(r.stderr).toMatch(/not a settrade-feed recording: bad magic.*\(ERR_RECORDING_FORMAT\)/);
  });
});
