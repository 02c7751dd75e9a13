/**
 * The soak (src/cli/soak-run.ts) as the accounting's proof: a short day with
 * no faults explains every message exactly; one message made to vanish
 * between the ring and the count shows up as unexplained; a day with every
 * fault kind recovers from each and still explains every message.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../src/cli/soak-run.js';
import { runCli } from '../src/cli/main.js';
import { silentLogger } from '../src/util/logger.js';

const SYMBOLS = ['AOT', 'PTT', 'KBANK', 'SCB'];

describe('soak', () => {
  it('a short day with no faults: every published message is received, unexplained is exactly 0, the feed is dead at the close', async () => {
    const r = await runSoak({ durationSec: 6, rate: 10_000, symbols: SYMBOLS, faults: false, worker: true, logger: silentLogger });
    expect(r.failures).toEqual([]);
    expect(r.unexplained).toBe(0);
    expect(r.published).toBeGreaterThan(10_000);
    expect(r.received).toBe(r.published);
    expect(r.accounting.written).toBe(r.published);
    expect(r.lostInFaults).toBe(0);
    expect(r.ringDrops).toBe(0);
    expect(r.feedDeadAtClose).toBe(true);
    expect(r.staleAlarms).toBe(0);
    for (const s of SYMBOLS) expect(r.accounting.bySymbol[s]!.received).toBe(r.accounting.bySymbol[s]!.published);
    expect(r.p50Us).toBeGreaterThan(0);
    expect(r.p999Us).toBeGreaterThanOrEqual(r.p99Us);
  });

  it('one message taken out of the ring without being counted is unexplained, and fails the soak', async () => {
    const r = await runSoak({ durationSec: 4, rate: 5_000, symbols: SYMBOLS, faults: false, worker: false, logger: silentLogger, vanishOneForTest: true });
    expect(r.unexplained).toBe(1);
    expect(r.received).toBe(r.published - 1);
    expect(r.failures.join()).toMatch(/1 message\(s\) unexplained/);
  });

  it('a day with every fault kind: each is injected and recovered from, and every message is explained', async () => {
    const r = await runSoak({ durationSec: 12, rate: 10_000, symbols: SYMBOLS, faults: true, worker: true, logger: silentLogger });
    expect(r.faultsByKind).toEqual({ publishMalformed: 1, dropConnections: 1, stallSymbol: 1, expireTokens: 1, stallFeed: 1 });
    expect(r.reconnects).toBeGreaterThanOrEqual(2);
    expect(r.parseErrors).toBe(r.accounting.malformed);
    expect(r.accounting.malformed).toBeGreaterThan(0);
    expect(r.accounting.cutConnections).toBe(2);
    expect(r.unexplained).toBe(0);
    expect(r.received + r.parseErrors + r.ringDrops + r.simShed + r.lostInFaults + r.accounting.queued + r.accounting.clientDropped).toBe(r.published);
    // Recovered: the continuous session after the last fault still delivered, and the feed died only at the close.
    expect(r.received).toBeGreaterThan(r.published / 2);
    expect(r.feedDeadAtClose).toBe(true);
    expect(r.staleAlarms).toBe(0);
    expect(r.failures).toEqual([]);
  });

  it('the CLI prints one JSON object with every figure and exits 0 when everything is explained', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runCli(['soak', '--duration', '4', '--rate', '2000', '--symbols', 'AOT,PTT', '--in-thread', '--json']);
    } finally {
      process.stdout.write = write;
    }
    const r = JSON.parse(out.join('')) as Record<string, unknown>;
    for (const k of ['published', 'received', 'parseErrors', 'ringDrops', 'lostInFaults', 'unexplained', 'reconnects', 'faultsInjected', 'staleAlarms', 'feedDeadAtClose', 'p50Us', 'p99Us', 'p999Us', 'maxRssMb', 'rssGrowthMb', 'cpuUsPerMessage', 'peakReceivedPerSec']) {
      expect(r, k).toHaveProperty(k);
    }
    expect(r.mode).toBe('in-thread');
    expect(r.unexplained).toBe(0);
    expect(r.feedDeadAtClose).toBe(true);
    expect(code).toBe(0);
  });

  it('the CLI rejects bad flags naming them (exit 2)', async () => {
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await runCli(['soak', '--rate', '0'])).toBe(2);
      expect(await runCli(['soak', '--worker', '--in-thread'])).toBe(2);
      expect(await runCli(['soak', '--bogus'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err.join('')).toMatch(/--rate must be/);
    expect(err.join('')).toMatch(/--worker and --in-thread/);
    expect(err.join('')).toMatch(/bogus/);
  });
});
