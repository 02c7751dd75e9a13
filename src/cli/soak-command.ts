/**
 * `settrade-feed soak`: a compressed trading day against the embedded
 * simulator with exact accounting (soak-run.ts does the work). Live progress
 * on a terminal (plain lines on a pipe), or one JSON object with `--json`.
 * Exit 1 when a message is unexplained, the feed was not reported dead at
 * the close, or RSS grew past the bound over the second half.
 */
import { defaultLogger } from '../util/logger.js';
import { numberFlag, parseCommandArgs, symbolList } from './args.js';
import { CaptureLogger } from './capture-logger.js';
import { redrawSequence } from './live-view.js';
import { SOAK_DEFAULTS, type SoakProgress, type SoakResult } from './soak-run.js';

/** Help text of `settrade-feed soak`. */
export const SOAK_HELP = `Usage: settrade-feed soak [options]

A compressed trading day against the embedded simulator: pre-open (ATO), the
open at --rate msg/s, continuous trading at a tenth of it, ATC, then the close
(silence: the feed must be reported dead). Every message the simulator
published is accounted for at the end: received, a parse error, dropped by the
ring, shed for a slow connection, or lost in a fault window; 'unexplained' is
the rest and must be 0.

Options:
  --duration S          length of the day in seconds (default ${SOAK_DEFAULTS.durationSec})
  --rate N              peak rate at the open, msg/s over all symbols (default ${SOAK_DEFAULTS.rate})
  --symbols A,B,...     symbols (default: ${SOAK_DEFAULTS.symbols.length} SET symbols)
  --faults              inject the simulator's faults through the session
  --worker              client + adapter in a worker thread (default)
  --in-thread           client + adapter on the main thread
  --json                no live view: one JSON object on stdout at the end
  --max-rss-growth MB   fail when RSS grows more over the second half (default ${SOAK_DEFAULTS.maxRssGrowthMb})
  --global-timeout S    FeedHealth whole-feed timeout (default: duration/40, 1 to 5)
  --symbol-timeout S    FeedHealth per-symbol timeout (default: duration/20, 2 to 10)
  --seed N              simulator seed
  -h, --help            this help

Exit status: 0 when everything is explained, the feed was reported dead at the
close and RSS stayed within the bound; 1 otherwise; 2 for bad usage.
`;

const FLAGS = {
  duration: { type: 'string' },
  rate: { type: 'string' },
  symbols: { type: 'string' },
  faults: { type: 'boolean', default: false },
  worker: { type: 'boolean' },
  'in-thread': { type: 'boolean' },
  json: { type: 'boolean', default: false },
  'max-rss-growth': { type: 'string' },
  'global-timeout': { type: 'string' },
  'symbol-timeout': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function fmtRate(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0);
}

/** The progress lines of the live view. */
export function renderSoakProgress(p: SoakProgress): string[] {
  return [
    `settrade-feed soak   phase ${p.phase.padEnd(10)} ${p.elapsedSec.toFixed(1)}s / ${p.durationSec}s`,
    `rates      published ${fmtRate(p.publishedPerSec)}/s   received ${fmtRate(p.receivedPerSec)}/s`,
    `accounting published ${p.published}   received ${p.received}   ring drops ${p.ringDrops}`,
    `faults     ${p.faultsInjected} injected${p.lastFault ? ` (last: ${p.lastFault})` : ''}   reconnects ${p.reconnects}   stale alarms ${p.staleAlarms}`,
    `latency    p50 ${p.p50Us} us   p99 ${p.p99Us} us   RSS ${p.rssMb.toFixed(0)} MB`,
  ];
}

/** The end-of-run text (without --json). */
export function formatSoakResult(r: SoakResult): string {
  const a = r.accounting;
  const lines = [
    `soak ${r.failures.length === 0 ? 'PASSED' : 'FAILED'}: ${r.durationSec}s, ${r.mode}, backend ${r.backend}, peak ${fmtRate(r.rate)}/s over ${r.symbols} symbols`,
    `published ${a.published} = received ${a.received} + parse errors ${a.parseErrors} + ring drops ${a.ringDrops} + queued ${a.queued}` +
      ` + client-dropped ${a.clientDropped} + shed ${a.simShed} + lost in faults ${a.lostInFaults} (no subscriber ${a.noSubscriber}, cut ${a.lostOnCut} of ${a.inFlightAtCut} in flight)` +
      ` + unexplained ${a.unexplained}`,
    `faults ${r.faultsInjected}, reconnects ${r.reconnects}, stale alarms ${r.staleAlarms}${r.staleAlarmSymbols.length ? ` (${r.staleAlarmSymbols.join(', ')})` : ''}, feed dead at close: ${r.feedDeadAtClose}`,
    `latency p50 ${r.p50Us} us, p99 ${r.p99Us} us, p99.9 ${r.p999Us} us; peak received ${fmtRate(r.peakReceivedPerSec)}/s; CPU ${r.cpuUsPerMessage} us/msg`,
    `RSS max ${r.maxRssMb} MB, growth over the second half ${r.rssGrowthMb} MB (bound ${r.maxRssGrowthMb})`,
    ...r.failures.map((f) => `FAILED: ${f}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs `settrade-feed soak`; resolves to the exit code. */
export async function runSoakCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs('soak', argv, FLAGS);
  if (values.help) {
    process.stdout.write(SOAK_HELP);
    return 0;
  }
  if (values.worker === true && values['in-thread'] === true) {
    const { CliUsageError } = await import('./args.js');
    throw new CliUsageError('soak: --worker and --in-thread exclude each other');
  }
  const durationSec = numberFlag('duration', values.duration, SOAK_DEFAULTS.durationSec, { min: 1, max: 86_400 });
  const rate = numberFlag('rate', values.rate, SOAK_DEFAULTS.rate, { min: 1, max: 10_000_000 });
  const symbols = values.symbols !== undefined ? symbolList('symbols', values.symbols) : [...SOAK_DEFAULTS.symbols];
  const maxRssGrowthMb = numberFlag('max-rss-growth', values['max-rss-growth'], SOAK_DEFAULTS.maxRssGrowthMb, { min: 0 });
  const globalTimeoutSec = values['global-timeout'] !== undefined ? numberFlag('global-timeout', values['global-timeout'], 0, { min: 0.1 }) : undefined;
  const symbolTimeoutSec = values['symbol-timeout'] !== undefined ? numberFlag('symbol-timeout', values['symbol-timeout'], 0, { min: 0.1 }) : undefined;
  const seed = numberFlag('seed', values.seed, 1, { integer: true });
  const json = values.json === true;
  const tty = !json && process.stdout.isTTY === true;
  const capture = tty ? new CaptureLogger() : undefined;

  const { runSoak } = await import('./soak-run.js');
  const aborted = new AbortController();
  const onSignal = (): void => aborted.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lastPlain = 0;
  if (tty) process.stdout.write('\x1b[?25l\x1b[2J');
  try {
    const result = await runSoak({
      durationSec,
      rate,
      symbols,
      faults: values.faults === true,
      worker: values['in-thread'] !== true,
      seed,
      maxRssGrowthMb,
      globalTimeoutSec,
      symbolTimeoutSec,
      logger: capture ?? defaultLogger(),
      signal: aborted.signal,
      progressMs: 250,
      onProgress: json
        ? undefined
        : (p) => {
            if (tty) {
              process.stdout.write(redrawSequence([...renderSoakProgress(p), ...(capture?.recent() ?? [])]));
            } else if (p.elapsedSec - lastPlain >= 1) {
              lastPlain = p.elapsedSec;
              process.stdout.write(`${renderSoakProgress(p).map((l) => l.replace(/\s+/g, ' ').trim()).join(' | ')}\n`);
            }
          },
    });
    if (tty) process.stdout.write('\x1b[?25h\n');
    process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : formatSoakResult(result));
    return result.failures.length === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
