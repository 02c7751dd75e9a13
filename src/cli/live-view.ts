/**
 * The demo's terminal screen as a pure function of a snapshot, so what a
 * person sees can be tested without a terminal. The demo redraws it a few
 * times a second with ANSI cursor moves ({@link redrawSequence}).
 */
import { BidAskFlag } from '../events/types.js';
import type { LatencySnapshot } from './latency.js';

/** Ten levels a side, level 1 first. */
export interface DepthRows {
  readonly bidPrices: readonly number[];
  readonly askPrices: readonly number[];
  readonly bidVolumes: readonly number[];
  readonly askVolumes: readonly number[];
}

/** One symbol's line of the view. */
export interface SymbolView {
  readonly symbol: string;
  /** Events consumed for this symbol. */
  readonly events: number;
  /** Undefined until the first event. */
  readonly bid?: number;
  readonly ask?: number;
  readonly bidVol?: number;
  readonly askVol?: number;
  readonly bidFlag?: number;
  readonly askFlag?: number;
  /** Present when the pipeline runs with full depth. */
  readonly depth?: DepthRows;
  /** FeedHealth says no event for longer than the symbol timeout. */
  readonly stale: boolean;
  /** Milliseconds since the last event, undefined when never seen. */
  readonly lastSeenMs?: number;
}

/** Everything the screen shows. */
export interface ViewSnapshot {
  readonly backend: string;
  /** 'worker' or 'in-thread'. */
  readonly mode: string;
  /** Connection state (INIT, CONNECTING, CONNECTED, RECONNECTING, SHUTDOWN). */
  readonly state: string;
  readonly epoch: number;
  readonly uptimeSec: number;
  readonly eventsPerSec: number;
  readonly totalEvents: number;
  readonly drops: number;
  readonly parseErrors: number;
  readonly queueLen: number;
  readonly maxSize: number;
  readonly latency: LatencySnapshot;
  readonly feedDead: boolean;
  readonly staleSymbols: readonly string[];
  readonly symbols: readonly SymbolView[];
  /** Show ten levels per symbol instead of one line. */
  readonly showDepth: boolean;
  /** A short note (last injected fault, metrics URL...). */
  readonly notes?: readonly string[];
  /** Key help line; omitted when keys are not read. */
  readonly keysHelp?: string;
}

/** Rendering options. */
export interface RenderOptions {
  /** Terminal width; lines are cut to it (default 120). */
  readonly width?: number;
  /** Use ANSI colours (default false: tests and pipes get plain text). */
  readonly color?: boolean;
}

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' };

/** Formats a price the way SET quotes it (two decimals), or the auction flag when prices are zero. */
export function formatPrice(price: number | undefined, flag: number | undefined): string {
  if (price === undefined) return '-';
  if (flag === BidAskFlag.ATO) return 'ATO';
  if (flag === BidAskFlag.ATC) return 'ATC';
  return price.toFixed(2);
}

/** Formats a volume with thousands separators. */
export function formatVolume(volume: number | undefined): string {
  if (volume === undefined) return '-';
  return Math.round(volume).toLocaleString('en-US');
}

function pad(text: string, width: number, right = false): string {
  if (text.length >= width) return text;
  return right ? text.padStart(width) : text.padEnd(width);
}

function rate(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
}

/** Renders the whole screen as lines of text (no cursor movement). */
export function renderLiveView(snapshot: ViewSnapshot, options: RenderOptions = {}): string[] {
  const width = options.width ?? 120;
  const c = options.color ? ANSI : { reset: '', bold: '', dim: '', red: '', green: '', yellow: '', cyan: '' };
  const lines: string[] = [];
  const s = snapshot;
  const stateColor = s.state === 'CONNECTED' ? c.green : s.state === 'RECONNECTING' || s.state === 'CONNECTING' ? c.yellow : c.red;
  lines.push(
    `${c.bold}settrade-feed demo${c.reset}  backend ${c.cyan}${s.backend}${c.reset}  ingest ${s.mode}  ` +
      `state ${stateColor}${s.state}${c.reset}  epoch ${s.epoch}  up ${s.uptimeSec.toFixed(0)}s`,
  );
  const lat = s.latency;
  lines.push(
    `events/s ${rate(s.eventsPerSec)}  total ${s.totalEvents}  drops ${s.drops > 0 ? c.red : ''}${s.drops}${c.reset}  ` +
      `parse errors ${s.parseErrors}  queue ${s.queueLen}/${s.maxSize}  ` +
      `latency p50 ${lat.p50Us.toFixed(1)}us p99 ${lat.p99Us.toFixed(1)}us`,
  );
  const health = s.feedDead
    ? `${c.red}FEED DEAD${c.reset}`
    : s.staleSymbols.length > 0
      ? `${c.yellow}stale: ${s.staleSymbols.join(', ')}${c.reset}`
      : `${c.green}ok${c.reset}`;
  lines.push(`health ${health}`);
  for (const note of s.notes ?? []) lines.push(`${c.dim}${note}${c.reset}`);
  lines.push('');
  if (s.showDepth && s.symbols.some((row) => row.depth)) renderDepth(s, lines, c);
  else renderTop(s, lines, c);
  if (s.keysHelp) {
    lines.push('');
    lines.push(`${c.dim}${s.keysHelp}${c.reset}`);
  }
  // Cut to the terminal width on the visible text only when no colour codes are in play.
  return options.color ? lines : lines.map((line) => (line.length > width ? line.slice(0, width) : line));
}

function renderTop(s: ViewSnapshot, lines: string[], c: typeof ANSI): void {
  lines.push(
    `${c.bold}${pad('SYMBOL', 10)} ${pad('BID VOL', 12, true)} ${pad('BID', 9, true)} ${pad('ASK', 9, true)} ` +
      `${pad('ASK VOL', 12, true)} ${pad('EVENTS', 9, true)}  STATUS${c.reset}`,
  );
  for (const row of s.symbols) {
    lines.push(
      `${pad(row.symbol, 10)} ${pad(formatVolume(row.bidVol), 12, true)} ${pad(formatPrice(row.bid, row.bidFlag), 9, true)} ` +
        `${pad(formatPrice(row.ask, row.askFlag), 9, true)} ${pad(formatVolume(row.askVol), 12, true)} ` +
        `${pad(String(row.events), 9, true)}  ${status(row, c)}`,
    );
  }
}

function renderDepth(s: ViewSnapshot, lines: string[], c: typeof ANSI): void {
  for (const row of s.symbols) {
    lines.push(`${c.bold}${row.symbol}${c.reset}  events ${row.events}  ${status(row, c)}`);
    const d = row.depth;
    if (!d) {
      lines.push('  (no data yet)');
      continue;
    }
    for (let level = 0; level < d.bidPrices.length; level++) {
      lines.push(
        `  ${pad(String(level + 1), 2, true)} ${pad(formatVolume(d.bidVolumes[level]), 12, true)} ` +
          `${pad(formatPrice(d.bidPrices[level], row.bidFlag), 9, true)} | ${pad(formatPrice(d.askPrices[level], row.askFlag), 9, true)} ` +
          `${pad(formatVolume(d.askVolumes[level]), 12, true)}`,
      );
    }
  }
}

function status(row: SymbolView, c: typeof ANSI): string {
  if (row.lastSeenMs === undefined) return `${c.dim}waiting${c.reset}`;
  if (row.stale) return `${c.yellow}STALE ${(row.lastSeenMs / 1000).toFixed(1)}s${c.reset}`;
  return `${c.green}live${c.reset}`;
}

/**
 * The bytes that repaint the screen in place: cursor home, each line followed
 * by erase-to-end-of-line, then erase below (no full clear, so no flicker).
 */
export function redrawSequence(lines: readonly string[]): string {
  return `\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`;
}

/** One plain line for non-terminal output (pipes, logs). */
export function renderPlainLine(s: ViewSnapshot): string {
  const perSymbol = s.symbols
    .map((row) => `${row.symbol} ${formatPrice(row.bid, row.bidFlag)}/${formatPrice(row.ask, row.askFlag)}`)
    .join(' ');
  return (
    `[${s.uptimeSec.toFixed(0)}s] state=${s.state} epoch=${s.epoch} events/s=${s.eventsPerSec.toFixed(0)} ` +
    `total=${s.totalEvents} drops=${s.drops} parseErrors=${s.parseErrors} ` +
    `p50=${s.latency.p50Us.toFixed(1)}us p99=${s.latency.p99Us.toFixed(1)}us ` +
    `health=${s.feedDead ? 'dead' : s.staleSymbols.length > 0 ? `stale:${s.staleSymbols.join(',')}` : 'ok'} | ${perSymbol}`
  );
}
