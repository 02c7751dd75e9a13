/**
 * `settrade-feed replay FILE...`: replays recordings through the public
 * Feed (`replayFeed`), drains every event as a consumer would, and prints a
 * summary: records read, events, parse errors, records skipped (bad CRC),
 * whether a file was cut short, and the rate; `--json`: one JSON line.
 */
import { countUntilClosed } from '../dispatcher/drain-until-closed.js';
import { CliUsageError, parseCommandArgs, symbolList } from './args.js';

/** Help text of `settrade-feed replay`. */
export const REPLAY_HELP = `Usage: settrade-feed replay FILE... [options]

Replays recordings (written by a feed's record option) through the same
adapter -> decoder -> ring path as the live feed, and prints what came out.
Files are read in the order given (a rotation: oldest first).

Options:
  --speed 1|N|max       1: the recorded pace; N: N times faster; max: as fast as
                        the consumer drains (default max; never loses an event)
  --symbols A,B,...     only these symbols (default: every symbol recorded; a filter
                        that matches no message says so on stderr)
  --from T, --to T      only records received from/to T: an ISO-8601 time
                        (2026-12-01T09:30:00+07:00) or ns since the Unix epoch
  --full-depth          decode ten levels (default: best bid/ask)
  --json                one JSON line: records read, events, parse errors,
                        records skipped (bad CRC), truncated, msg/s
  -h, --help            this help
`;

const FLAGS = {
  speed: { type: 'string' },
  symbols: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  'full-depth': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The summary `replay` prints (`--json`: as is). */
export interface ReplaySummary {
  readonly files: number;
  readonly recordsRead: number;
  readonly messages: number;
  readonly events: number;
  readonly parseErrors: number;
  readonly recordsSkipped: number;
  readonly bytesSkipped: number;
  readonly truncated: boolean;
  readonly feedEvents: number;
  readonly reconnects: number;
  readonly speed: number | 'max';
  readonly elapsedMs: number;
  readonly msgPerSec: number;
}

function speedFlag(raw: string | undefined): number | 'max' {
  if (raw === undefined || raw === 'max') return 'max';
  const speed = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(speed) || speed <= 0 || speed > 1_000_000) {
    throw new CliUsageError(`--speed must be 'max' or a number > 0 (1: the recorded pace; at most 1000000), got '${raw}'`);
  }
  return speed;
}

function timeFlag(flag: string, raw: string | undefined): bigint | undefined {
  if (raw === undefined) return undefined;
  if (/^\d{1,20}$/.test(raw)) return BigInt(raw);
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw new CliUsageError(`--${flag} must be an ISO-8601 time or ns since the Unix epoch, got '${raw}'`);
  return BigInt(ms) * 1_000_000n;
}

/** The end-of-run text (without --json). */
export function formatReplaySummary(s: ReplaySummary): string {
  return (
    `replayed ${s.files} file(s) at ${s.speed === 'max' ? 'max speed' : `${s.speed}x`}: ${s.recordsRead} records, ${s.messages} messages -> ${s.events} events, ` +
    `${s.parseErrors} parse errors, ${s.recordsSkipped} records skipped (${s.bytesSkipped} bytes, bad CRC)${s.truncated ? ', last record cut short (truncated)' : ''}, ` +
    `${s.feedEvents} feed events (${s.reconnects} reconnects); ${s.elapsedMs.toFixed(0)} ms, ${Math.round(s.msgPerSec)} msg/s\n`
  );
}

/**
 * Why a --symbols filter gave no event although the files hold messages:
 * what the files' headers say was subscribed (later subscriptions are in the
 * files' subscribe records, so the list may be short).
 */
async function noMatchHint(files: readonly string[], symbols: readonly string[]): Promise<string> {
  const { RecordingReader } = await import('../record/reader.js');
  const recorded = new Set<string>();
  for (const file of files) for (const s of (await RecordingReader.header(file)).symbols) recorded.add(s);
  const listed = recorded.size > 0 ? `the files' headers list ${[...recorded].join(', ')}` : "the files' headers list no symbol";
  return `settrade-feed replay: no message of ${symbols.join(', ')} in these files (${listed})\n`;
}

/** Runs the replay command; resolves to the exit code. */
export async function runReplayCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('replay', argv, FLAGS, true);
  if (values.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new CliUsageError('replay: name at least one recording FILE (see --help)');
  const speed = speedFlag(values.speed);
  const symbols = values.symbols === undefined ? undefined : symbolList('symbols', values.symbols);
  const from = timeFlag('from', values.from);
  const to = timeFlag('to', values.to);
  if (from !== undefined && to !== undefined && from > to) throw new CliUsageError('--to is before --from');

  const { replayFeed } = await import('../record/replay.js');
  const t0 = process.hrtime.bigint();
  const feed = await replayFeed({
    files: positionals,
    speed,
    fullDepth: values['full-depth'] === true,
    ...(symbols !== undefined ? { symbols } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  });
  // A consumer as a user would write one: drain the ring until the replay closes it.
  const events = await countUntilClosed(feed.dispatcher);
  const end = await feed.ended;
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const stats = await feed.stats();
  if (end.error !== undefined) throw end.error;
  const summary: ReplaySummary = {
    files: end.files,
    recordsRead: end.recordsRead,
    messages: end.messages,
    events,
    parseErrors: stats.adapter.parseErrors,
    recordsSkipped: end.recordsSkipped,
    bytesSkipped: end.bytesSkipped,
    truncated: end.truncated,
    feedEvents: end.feedEvents,
    reconnects: stats.client.reconnectCount,
    speed,
    elapsedMs: Math.round(elapsedMs * 10) / 10,
    msgPerSec: elapsedMs > 0 ? Math.round((end.messages * 1000) / elapsedMs) : 0,
  };
  process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : formatReplaySummary(summary));
  if (symbols !== undefined && events === 0 && end.messages > 0) process.stderr.write(await noMatchHint(positionals, symbols));
  return 0;
}
