import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../src/cli/summary.js';
import { runCli } from './helpers/cli.js';
import { freePort } from './helpers/net.js';

const expectedBackend = process.env.SETTRADE_FEED_BACKEND === 'js' ? 'js' : 'native';

function parseSummary(stdout: string): RunSummary {
  return JSON.parse(stdout) as RunSummary;
}


describe('settrade-feed demo', () => {
  it('--duration 3 --json: exits 0, events for every symbol, zero drops, a JSON summary on stdout', async () => {
    const r = await runCli(['demo', '--duration', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.command).toBe('demo');
    expect(s.mode).toBe('worker');
    expect(s.backend).toBe(expectedBackend);
    expect(s.endedBy).toBe('duration');
    expect(Object.keys(s.symbols)).toEqual(['AOT', 'PTT', 'CPALL', 'KBANK', 'ADVANC', 'DELTA']);
    for (const [symbol, v] of Object.entries(s.symbols)) {
      expect(v.events, symbol).toBeGreaterThan(0);
      expect(v.bid, symbol).toBeGreaterThan(0);
      expect(v.ask!, symbol).toBeGreaterThan(v.bid!);
    }
    expect(s.drops).toBe(0);
    expect(s.totals.drops).toBe(0);
    expect(s.parseErrors).toBe(0);
    const perSymbolTotal = Object.values(s.symbols).reduce((a, v) => a + v.events, 0);
    expect(s.totals.events).toBe(perSymbolTotal);
    // Nothing lost between the wire and the consumer: every parsed message was consumed.
    expect(s.totals.pushed).toBe(s.totals.events);
    expect(s.totals.polled).toBe(s.totals.events);
    expect(s.latencyUs.samples).toBeGreaterThan(0);
    expect(s.latencyUs.p99).toBeGreaterThanOrEqual(s.latencyUs.p50);
    expect(s.epoch).toBe(0);
    expect(s.simulator!.published).toBeGreaterThanOrEqual(s.totals.events);
  });

  it('--no-worker --full-depth --symbols: in-thread ingest of ten-level books', async () => {
    const r = await runCli(['demo', '--duration', '2', '--json', '--no-worker', '--full-depth', '--symbols', 'aot,s&j', '--rate', '30']);
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.mode).toBe('in-thread');
    expect(s.fullDepth).toBe(true);
    expect(Object.keys(s.symbols)).toEqual(['AOT', 'S&J']);
    for (const v of Object.values(s.symbols)) expect(v.events).toBeGreaterThan(0);
    expect(s.drops).toBe(0);
  });

  it('--faults: reconnects (epoch > 0), counts malformed payloads, and recovers after the last fault', async () => {
    const r = await runCli(['demo', '--duration', '9', '--json', '--faults', '--fault-interval', '1', '--symbols', 'AOT,PTT,KBANK', '--rate', '40'], {
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    const f = s.faults!;
    // One of each, in order, at 1 s intervals; the last stalls the whole feed for 2.5 s.
    expect(f.byKind).toEqual({ publishMalformed: 1, dropConnections: 1, stallSymbol: 1, expireTokens: 1, stallFeed: 1 });
    expect(f.last).toContain('stalled the whole feed');
    expect(s.epoch).toBeGreaterThan(0);
    expect(s.reconnects).toBeGreaterThan(0);
    expect(s.parseErrors).toBeGreaterThan(0);
    expect(s.state).toBe('CONNECTED');
    // Recovery: events kept arriving after the last fault, for every symbol.
    expect(f.eventsAfterLastFault).toBeGreaterThan(0);
    for (const [symbol, v] of Object.entries(s.symbols)) expect(v.eventsAfterLastFault, symbol).toBeGreaterThan(0);
    expect(s.health.feedDead).toBe(false);
  });

  it('--metrics-port serves the pipeline counters in Prometheus text format while it runs', async () => {
    const port = await freePort();
    let scrape: Promise<{ status: number; type: string | null; body: string }> | undefined;
    const r = await runCli(['demo', '--duration', '4', '--metrics-port', String(port), '--symbols', 'AOT,PTT'], {
      onOutput: {
        // Plain progress lines (stdout is a pipe) start once the run loop is up.
        match: /state=CONNECTED/,
        then: () => {
          scrape = fetch(`http://127.0.0.1:${port}/metrics`).then(async (res) => ({
            status: res.status,
            type: res.headers.get('content-type'),
            body: await res.text(),
          }));
        },
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(scrape).toBeDefined();
    const m = await scrape!;
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    expect(m.body).toContain('# TYPE settrade_feed_dispatcher_pushed_total counter');
    expect(m.body).toMatch(/^settrade_feed_dispatcher_pushed_total [1-9]\d*$/m);
    expect(m.body).toMatch(/^settrade_feed_adapter_messages_parsed_total [1-9]\d*$/m);
    expect(m.body).toContain('settrade_feed_client_state{state="CONNECTED"} 1');
    expect(m.body).toContain(`settrade_feed_info{backend="${expectedBackend}"} 1`);
    expect(m.body).toMatch(/^settrade_feed_health_feed_dead 0$/m);
    // Without --json, stdout carries plain progress lines and a text summary.
    expect(r.stdout).toMatch(/events \d+ \(\d+\/s\)\s+drops 0/);
  });

  it('Ctrl-C (SIGINT) stops cleanly with exit 0 and a summary; a pipe gets plain progress lines', async () => {
    const r = await runCli(['demo', '--symbols', 'AOT,PTT', '--rate', '20'], {
      onOutput: { match: /state=CONNECTED.*AOT \d+\.\d\d\/\d+\.\d\d PTT \d+\.\d\d\/\d+\.\d\d/, then: (child) => child.kill('SIGINT') },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[\d+s\] state=CONNECTED epoch=0 events\/s=\d+ total=\d+ drops=0 /m);
    expect(r.stdout).toContain('ended by signal');
    expect(r.stdout).toMatch(/per symbol: AOT=[1-9]\d* PTT=[1-9]\d*/);
  });
});
