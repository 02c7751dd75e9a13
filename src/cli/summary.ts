/**
 * The demo's final summary: one JSON object (`--json`) or a few lines of
 * text, built from the figures gathered during the run.
 */
import type { LatencySnapshot } from './latency.js';

/** One symbol in the summary. */
export interface SymbolSummary {
  /** Events consumed. */
  readonly events: number;
  /** Events consumed after the last injected fault (only with faults). */
  readonly eventsAfterLastFault?: number;
  readonly bid?: number;
  readonly ask?: number;
}

/** The `--json` summary of `settrade-feed demo` (and `watch`). */
export interface RunSummary {
  readonly command: 'demo' | 'watch';
  readonly backend: string;
  /** 'worker' or 'in-thread'. */
  readonly mode: string;
  readonly fullDepth: boolean;
  readonly durationSec: number;
  /** Why the run ended: 'duration', 'signal', 'key', 'error'. */
  readonly endedBy: string;
  readonly symbols: Readonly<Record<string, SymbolSummary>>;
  readonly totals: {
    readonly events: number;
    readonly eventsPerSec: number;
    readonly pushed: number;
    readonly polled: number;
    readonly drops: number;
    readonly parseErrors: number;
    readonly callbackErrors: number;
    readonly messagesReceived: number;
  };
  /** Events dropped by the queue (same as totals.drops). */
  readonly drops: number;
  /** Payloads the decoder rejected (same as totals.parseErrors). */
  readonly parseErrors: number;
  readonly latencyUs: { readonly p50: number; readonly p99: number; readonly max: number; readonly samples: number };
  /** Connection epoch at the end (reconnects so far). */
  readonly epoch: number;
  readonly reconnects: number;
  /** Connection state at the end, before shutdown. */
  readonly state: string;
  readonly health: { readonly feedDead: boolean; readonly staleSymbols: readonly string[] };
  /** Faults injected (demo with --faults). */
  readonly faults?: {
    readonly injected: number;
    readonly byKind: Readonly<Record<string, number>>;
    readonly last?: string;
    readonly lastAtSec?: number;
    readonly eventsAfterLastFault: number;
  };
  /** What the simulator published (demo only). */
  readonly simulator?: { readonly published: number; readonly malformed: number; readonly publishedBySymbol: Readonly<Record<string, number>> };
  /** Last error reported by the feed, if any (never contains secrets: the library guarantees it). */
  readonly lastError?: string;
}

/** Rounds latency figures for display (microseconds, 0.1 us). */
export function latencySummary(l: LatencySnapshot): RunSummary['latencyUs'] {
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { p50: r(l.p50Us), p99: r(l.p99Us), max: r(l.maxUs), samples: l.samples };
}

/** Human-readable summary (printed on exit without --json). */
export function formatSummaryText(s: RunSummary): string {
  const lines = [
    `settrade-feed ${s.command}: ${s.durationSec.toFixed(1)}s, ended by ${s.endedBy}, backend ${s.backend}, ingest ${s.mode}`,
    `events ${s.totals.events} (${s.totals.eventsPerSec.toFixed(0)}/s)  drops ${s.drops}  parse errors ${s.parseErrors}  ` +
      `latency p50 ${s.latencyUs.p50}us p99 ${s.latencyUs.p99}us`,
    `state ${s.state}  epoch ${s.epoch}  reconnects ${s.reconnects}  feed ${s.health.feedDead ? 'DEAD' : 'alive'}` +
      (s.health.staleSymbols.length > 0 ? `  stale ${s.health.staleSymbols.join(',')}` : ''),
    `per symbol: ${Object.entries(s.symbols).map(([sym, v]) => `${sym}=${v.events}`).join(' ')}`,
  ];
  if (s.faults) {
    lines.push(
      `faults ${s.faults.injected} (${Object.entries(s.faults.byKind).map(([k, n]) => `${k}=${n}`).join(' ')}); ` +
        `events after the last fault: ${s.faults.eventsAfterLastFault}`,
    );
  }
  if (s.lastError) lines.push(`last error: ${s.lastError}`);
  return `${lines.join('\n')}\n`;
}
