/**
 * `settrade-feed record --out FILE --symbols A,B`: records every BidOfferV3
 * message received for the symbols (docs/recording-format.md), from the real
 * Settrade Open API (credentials as for `watch`) or from the embedded
 * simulator (`--sim`). Runs until --duration, Ctrl-C or SIGTERM, closes the
 * recording cleanly (flush + fsync) and prints a summary read back from the
 * files themselves. A recording failure (unwritable path, full disk) ends
 * the command with exit code 1: recording is its whole job.
 */
import { existsSync, openSync, closeSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FILE_HEADER_FIXED_BYTES, RECORD_PREFIX_BYTES, RECORDING_MAGIC, RecordType } from '../record/format.js';
import { recordingFilePath } from '../record/writer.js';
import { defaultLogger, silentLogger, type Logger } from '../util/logger.js';
import { CliUsageError, numberFlag, parseCommandArgs, symbolList, type ParsedArgs } from './args.js';
import { BASE_URL_VARIABLE, CREDENTIAL_VARIABLES, loadEnvCredentials } from './env-credentials.js';

/** Defaults of the record command's flags. */
export const RECORD_COMMAND_DEFAULTS = {
  simRatePerSymbol: 50,
} as const;

/** Help text of `settrade-feed record`. */
export const RECORD_HELP = `Usage: settrade-feed record --out FILE --symbols A,B,... [options]

Records every BidOfferV3 message received for the symbols, with its receive
time and connection epoch, plus the feed's connects, reconnects and
subscriptions, to FILE (format: docs/recording-format.md). Credentials come
from the environment or a .env file, as for watch:
  ${CREDENTIAL_VARIABLES.join('\n  ')}
  ${BASE_URL_VARIABLE} (optional)
or use --sim to record the embedded simulator.

Options:
  --out FILE            the recording (overwritten); rotated files are FILE.0001, FILE.0002...
                        (a FIFO or device is written as a stream and not read back for the summary)
  --symbols A,B,...     symbols to record
  --full-depth          the feed decodes ten levels (the recorded bytes are the same)
  --duration S          stop after S seconds (default: until Ctrl-C or SIGTERM)
  --sim                 record the embedded simulator instead of the Settrade Open API
  --rate N              --sim: messages per second per symbol (default ${RECORD_COMMAND_DEFAULTS.simRatePerSymbol})
  --seed N              --sim: simulator seed
  --no-worker           receive and record on the main thread instead of a worker thread
  --fsync MS|never      force written data to disk every MS ms (default 1000; 0: every batch)
  --rotate-mb N         start a new file every N MiB
  --rotate-sec S        start a new file every S seconds
  --json                one JSON summary line on stdout at the end
  --env-file PATH       read credentials from this file instead of ./.env
  -h, --help            this help
`;

const FLAGS = {
  out: { type: 'string' },
  symbols: { type: 'string' },
  'full-depth': { type: 'boolean', default: false },
  duration: { type: 'string' },
  sim: { type: 'boolean', default: false },
  rate: { type: 'string' },
  seed: { type: 'string' },
  worker: { type: 'boolean', default: true },
  fsync: { type: 'string' },
  'rotate-mb': { type: 'string' },
  'rotate-sec': { type: 'string' },
  json: { type: 'boolean', default: false },
  'env-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `record` prints at the end (`--json`: this object on one line). */
export interface RecordSummary {
  readonly command: 'record';
  readonly out: string;
  /** The files written, in rotation order. */
  readonly files: readonly string[];
  readonly symbols: readonly string[];
  /** Received messages in the files. */
  readonly messages: number;
  /** Records in the files (messages, topic definitions, feed events). */
  readonly records: number;
  /** Bytes of the files. */
  readonly bytes: number;
  /** bytes / messages (0 without messages). */
  readonly bytesPerMessage: number;
  /** Records the recording could not write (last figure before shutdown). */
  readonly droppedRecords: number;
  /** Events the consumer side received (the feed runs as usual while recording). */
  readonly events: number;
  readonly durationSec: number;
  readonly endedBy: 'duration' | 'signal' | 'feed-shutdown' | 'recording-error';
  /** The recording error that ended the run, if one did. */
  readonly error?: string;
  /**
   * False when `out` is not a regular file (a FIFO, a device): what was
   * written there cannot be read back, so `files` lists it and the counts are 0.
   */
  readonly readBack?: false;
}

interface RecordSettings {
  readonly out: string;
  readonly symbols: string[];
  readonly fullDepth: boolean;
  readonly durationSec: number | undefined;
  readonly sim: boolean;
  readonly rate: number;
  readonly seed: number;
  readonly worker: boolean;
  readonly fsync: number | 'never';
  readonly rotate: { maxBytes?: number; maxSeconds?: number } | undefined;
  readonly json: boolean;
  readonly envFile: string | undefined;
}

/** Runs `settrade-feed record`; resolves to the exit code. */
export async function runRecordCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs('record', argv, FLAGS);
  if (values.help) {
    process.stdout.write(RECORD_HELP);
    return 0;
  }
  const settings = recordSettings(values);
  // Credentials are checked before anything starts (a missing one is a usage error).
  const credentials = settings.sim ? undefined : loadEnvCredentials(settings.envFile !== undefined ? { envFile: settings.envFile } : {});
  const logger: Logger = settings.json ? silentLogger : defaultLogger();

  const [{ createFeed }, simModule] = await Promise.all([import('../feed/index.js'), settings.sim ? import('../sim/index.js') : undefined]);
  const sim = simModule ? new simModule.Simulator({ symbols: settings.symbols, ratePerSymbol: settings.rate, seed: settings.seed }) : undefined;
  const target = sim ? await sim.start() : undefined;
  try {
    const feed = await createFeed({
      ...(target ? { ...target.credentials, baseUrl: target.baseUrl } : credentials!),
      symbols: settings.symbols,
      fullDepth: settings.fullDepth,
      worker: settings.worker,
      logger,
      maxRetries: Number.POSITIVE_INFINITY,
      record: { path: settings.out, fsync: settings.fsync, ...(settings.rotate ? { rotate: settings.rotate } : {}) },
    });
    if (!settings.json) {
      process.stderr.write(`recording ${settings.symbols.join(',')} to ${settings.out}${sim ? ` from the simulator ${target!.baseUrl}` : ''} (Ctrl-C to stop)\n`);
    }
    const run = await recordUntilStopped(feed, settings.durationSec);
    const summary = summarize(settings, run);
    process.stdout.write(settings.json ? `${JSON.stringify(summary)}\n` : formatRecordSummary(summary));
    return run.error ? 1 : 0;
  } finally {
    await sim?.stop();
  }
}

/** The feed as `record` uses it. */
type RecordingFeed = Awaited<ReturnType<typeof import('../feed/index.js').createFeed>>;

interface RunResult {
  readonly events: number;
  readonly durationSec: number;
  readonly endedBy: RecordSummary['endedBy'];
  readonly droppedRecords: number;
  readonly error: string | undefined;
}

/** Consumes the feed (so its ring never fills) until a stop; then shuts it down (closing the recording). */
async function recordUntilStopped(feed: RecordingFeed, durationSec: number | undefined): Promise<RunResult> {
  const startedAt = performance.now();
  const stopped = new AbortController();
  let endedBy: RecordSummary['endedBy'] = 'duration';
  let error: string | undefined;
  const stopWith = (reason: RecordSummary['endedBy']): void => {
    if (stopped.signal.aborted) return;
    endedBy = reason;
    stopped.abort();
  };
  feed.on('error', (err) => {
    if (err.code === 'ERR_RECORDING_WRITE') {
      error = err.message;
      stopWith('recording-error');
    }
  });
  const onSignal = (): void => stopWith('signal');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = durationSec !== undefined ? setTimeout(() => stopWith('duration'), durationSec * 1000) : undefined;
  let events = 0;
  let droppedRecords = 0;
  const statsTimer = setInterval(() => {
    feed.stats().then(
      (s) => (droppedRecords = s.recording?.droppedRecords ?? droppedRecords),
      () => undefined,
    );
  }, 1000);
  const d = feed.dispatcher;
  try {
    while (!stopped.signal.aborted) {
      events += d.drain(() => {}, 4096);
      if (!(await d.waitForEvents(1000, stopped.signal)) && d.closed) stopWith('feed-shutdown');
    }
    droppedRecords = (await feed.stats().catch(() => undefined))?.recording?.droppedRecords ?? droppedRecords;
  } finally {
    clearTimeout(timer);
    clearInterval(statsTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  await feed.shutdown();
  while (d.drain(() => events++, 4096) > 0);
  return { events, durationSec: (performance.now() - startedAt) / 1000, endedBy, droppedRecords, error };
}

/** Reads the files back: exact counts after the recording was closed. */
function summarize(settings: RecordSettings, run: RunResult): RecordSummary {
  const files: string[] = [];
  let messages = 0;
  let records = 0;
  let bytes = 0;
  // A pipe or a device was written as a stream (src/record/direct-io.ts): nothing to read back.
  const stream = existsSync(settings.out) && !statSync(settings.out).isFile();
  if (stream) files.push(settings.out);
  for (let i = 0; !stream; i++) {
    const path = recordingFilePath(settings.out, i);
    if (!existsSync(path) || !statSync(path).isFile()) break;
    const counts = countRecords(path);
    files.push(path);
    messages += counts.messages;
    records += counts.records;
    bytes += counts.bytes;
  }
  return {
    command: 'record',
    out: settings.out,
    files,
    symbols: settings.symbols,
    messages,
    records,
    bytes,
    bytesPerMessage: messages > 0 ? Math.round((bytes / messages) * 10) / 10 : 0,
    droppedRecords: run.droppedRecords,
    events: run.events,
    durationSec: Math.round(run.durationSec * 10) / 10,
    endedBy: run.endedBy,
    ...(run.error !== undefined ? { error: run.error } : {}),
    ...(stream ? { readBack: false as const } : {}),
  };
}

/**
 * Counts a file's records by walking the length prefixes (the replay side
 * verifies CRCs; a count needs only the framing). A torn last record is not counted.
 */
function countRecords(path: string): { records: number; messages: number; bytes: number } {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(RECORD_PREFIX_BYTES + 1);
    const read = (pos: number, n: number): boolean => readSync(fd, head, 0, n, pos) === n;
    if (!read(0, 8) || Buffer.compare(head.subarray(0, 8), RECORDING_MAGIC) !== 0 || !read(12, 4)) return { records: 0, messages: 0, bytes: size };
    let pos = FILE_HEADER_FIXED_BYTES + head.readUInt32LE(0);
    let records = 0;
    let messages = 0;
    while (pos + head.length <= size && read(pos, head.length)) {
      const end = pos + RECORD_PREFIX_BYTES + head.readUInt32LE(0);
      if (end > size) break;
      records++;
      if (head[RECORD_PREFIX_BYTES] === RecordType.MESSAGE) messages++;
      pos = end;
    }
    return { records, messages, bytes: size };
  } finally {
    closeSync(fd);
  }
}

/** The human-readable summary. */
export function formatRecordSummary(s: RecordSummary): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  if (s.readBack === false) {
    const lines = [`recorded to ${s.out} (not a regular file: not read back, so not counted) over ${s.durationSec} s; ended by ${s.endedBy}`];
    if (s.droppedRecords > 0) lines.push(`dropped records (not written): ${n(s.droppedRecords)}`);
    if (s.error) lines.push(`recording error: ${s.error}`);
    return `${lines.join('\n')}\n`;
  }
  const lines = [
    `recorded ${n(s.messages)} messages (${n(s.records)} records) in ${s.files.length} file${s.files.length === 1 ? '' : 's'}, ` +
      `${n(s.bytes)} bytes (${s.bytesPerMessage} bytes/message) over ${s.durationSec} s; ended by ${s.endedBy}`,
    ...s.files.map((f) => `  ${f}`),
  ];
  if (s.droppedRecords > 0) lines.push(`dropped records (not written): ${n(s.droppedRecords)}`);
  if (s.error) lines.push(`recording error: ${s.error}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Refuses before connecting the two likeliest slips, which could only fail
 * once recording starts: a directory (a FIFO or a device is fine: written as
 * a stream), or a file in a directory that does not exist. Anything else
 * (permissions, a path through a file, a full disk) shows as the recording's
 * error event: exit 1 with the error in the summary.
 */
function checkOutPath(out: string): void {
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new CliUsageError(`record: --out ${out} is a directory; name a file in it, e.g. --out ${join(out, 'day.stfrec')}`);
  }
  const dir = dirname(resolve(out));
  if (!existsSync(dir)) throw new CliUsageError(`record: --out ${out}: directory ${dir} does not exist`);
}

function recordSettings(values: ParsedArgs<typeof FLAGS>['values']): RecordSettings {
  if (values.out === undefined || values.out === '') throw new CliUsageError('record: --out FILE is required');
  checkOutPath(values.out);
  if (values.symbols === undefined) throw new CliUsageError('record: --symbols is required, e.g. --symbols AOT,PTT');
  const symbols = symbolList('symbols', values.symbols);
  const sim = values.sim === true;
  if (!sim && (values.rate !== undefined || values.seed !== undefined)) throw new CliUsageError('record: --rate and --seed need --sim');
  let fsync: number | 'never' = 1000;
  if (values.fsync !== undefined) fsync = values.fsync === 'never' ? 'never' : numberFlag('fsync', values.fsync, 1000, { integer: true, max: 2_147_483_647 });
  const rotateMb = values['rotate-mb'] !== undefined ? numberFlag('rotate-mb', values['rotate-mb'], 0, { min: 0.01, max: 1 << 20 }) : undefined;
  const rotateSec = values['rotate-sec'] !== undefined ? numberFlag('rotate-sec', values['rotate-sec'], 0, { min: 0.001, max: 365 * 24 * 3600 }) : undefined;
  const rotate =
    rotateMb !== undefined || rotateSec !== undefined
      ? {
          ...(rotateMb !== undefined ? { maxBytes: Math.max(4096, Math.round(rotateMb * 1024 * 1024)) } : {}),
          ...(rotateSec !== undefined ? { maxSeconds: rotateSec } : {}),
        }
      : undefined;
  return {
    out: values.out,
    symbols,
    fullDepth: values['full-depth'] === true,
    durationSec: values.duration !== undefined ? numberFlag('duration', values.duration, 0, { min: 0.1 }) : undefined,
    sim,
    rate: numberFlag('rate', values.rate, RECORD_COMMAND_DEFAULTS.simRatePerSymbol, { min: 0.1, max: 1_000_000 }),
    seed: numberFlag('seed', values.seed, 1, { integer: true }),
    worker: values.worker !== false,
    fsync,
    rotate,
    json: values.json === true,
    envFile: values['env-file'],
  };
}
