/**
 * The live view as a person sees it: the demo runs in a real terminal (tmux),
 * and the test reads the screen back with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cliCommand, repoRoot } from './helpers/cli.js';

const tmux = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => existsSync(p));
const symbols = ['AOT', 'PTT', 'KBANK', 'S&J'];
let session: string | undefined;

// A tmux server may already run with another environment: pass the backend choice on the command line.
const backendEnv = process.env.SETTRADE_FEED_BACKEND ? `SETTRADE_FEED_BACKEND=${process.env.SETTRADE_FEED_BACKEND} ` : '';
const expectedBackend = process.env.SETTRADE_FEED_BACKEND === 'js' ? 'js' : 'native';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function capture(): string {
  return execFileSync(tmux!, ['capture-pane', '-p', '-t', session!], { encoding: 'utf8' });
}

async function waitForScreen(test: (screen: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = capture();
    if (test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 200));
  }
  return screen;
}

/** A row of the top-of-book table: SYMBOL bidVol bid ask askVol events status. */
function priceRow(screen: string, symbol: string): RegExpMatchArray | null {
  const escaped = symbol.replace(/[&]/g, '\\&');
  return screen.match(new RegExp(`^${escaped}\\s+([\\d,]+)\\s+(\\d+\\.\\d\\d)\\s+(\\d+\\.\\d\\d)\\s+([\\d,]+)\\s+(\\d+)\\s+live`, 'm'));
}

afterEach(() => {
  if (session) {
    try {
      execFileSync(tmux!, ['kill-session', '-t', session]);
    } catch {
      // already gone: the demo exited
    }
    session = undefined;
  }
});

describe.skipIf(!tmux)('demo live view in a terminal (tmux)', () => {
  it('shows prices for every symbol, the pipeline figures, and exits cleanly on q with a summary', async () => {
    session = `stf-${process.pid}-${Date.now()}`;
    const done = `/tmp/${session}.done`;
    const cmd = cliCommand(['demo', '--symbols', symbols.join(','), '--rate', '20', '--duration', '30']).map(shellQuote).join(' ');
    const line = `${backendEnv}${cmd}`;
    // `; echo EXIT=$? ; sleep` keeps the pane open after the demo exits so the summary can be read.
    execFileSync(tmux!, ['new-session', '-d', '-x', '160', '-y', '50', '-s', session, '-c', repoRoot, `${line}; echo EXIT=$? > ${done}; echo EXIT-DONE; sleep 30`], {
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    const screen = await waitForScreen((s) => symbols.every((sym) => priceRow(s, sym) !== null), 25_000);
    for (const sym of symbols) {
      const row = priceRow(screen, sym);
      expect(row, `${sym} row on screen:\n${screen}`).not.toBeNull();
      const [, , bid, ask] = row!;
      expect(Number(bid)).toBeGreaterThan(0);
      expect(Number(ask)).toBeGreaterThan(Number(bid));
    }
    expect(screen).toMatch(new RegExp(`settrade-feed demo\\s+backend ${expectedBackend}\\s+ingest worker\\s+state CONNECTED\\s+epoch 0`));
    expect(screen).toMatch(/events\/s \d+/);
    expect(screen).toMatch(/drops 0/);
    expect(screen).toMatch(/latency p50 [\d.]+us p99 [\d.]+us/);
    expect(screen).toContain('health ok');
    expect(screen).toContain('keys: d toggle depth   q quit');

    // Quit with the key a person would press; the demo restores the terminal and prints a summary.
    execFileSync(tmux!, ['send-keys', '-t', session, 'q']);
    const after = await waitForScreen((s) => s.includes('EXIT-DONE'), 15_000);
    expect(after).toContain('ended by key');
    expect(after).toMatch(/per symbol: AOT=\d+ PTT=\d+ KBANK=\d+ S&J=\d+/);
    expect(readFileSync(done, 'utf8').trim()).toBe('EXIT=0');
  });

  it('--full-depth shows ten levels a side per symbol; d toggles to the top-of-book table', async () => {
    session = `stf-${process.pid}-${Date.now()}-depth`;
    const cmd = cliCommand(['demo', '--full-depth', '--symbols', 'AOT,PTT', '--rate', '20', '--duration', '30']).map(shellQuote).join(' ');
    const line = `${backendEnv}${cmd}`;
    execFileSync(tmux!, ['new-session', '-d', '-x', '160', '-y', '50', '-s', session, '-c', repoRoot, `${line}; echo EXIT-DONE; sleep 30`], {
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    // Level rows: "  N  bidVol  bid | ask  askVol", ten per symbol once both books arrived.
    const levelRows = (s: string): RegExpMatchArray[] => [...s.matchAll(/^\s+(\d+)\s+[\d,]+\s+(\d+\.\d\d) \|\s+(\d+\.\d\d)\s+[\d,]+$/gm)];
    const depth = await waitForScreen((s) => levelRows(s).length === 20, 25_000);
    const rows = levelRows(depth);
    expect(rows, depth).toHaveLength(20);
    expect(rows.map((r) => Number(r[1]))).toEqual([...Array(10).keys(), ...Array(10).keys()].map((i) => i + 1));
    for (const [, , bid, ask] of rows) expect(Number(ask)).toBeGreaterThan(Number(bid));
    expect(depth).toMatch(/^AOT\s+events \d+\s+live/m);
    expect(depth).toMatch(/^PTT\s+events \d+\s+live/m);

    execFileSync(tmux!, ['send-keys', '-t', session, 'd']);
    const top = await waitForScreen((s) => priceRow(s, 'AOT') !== null && priceRow(s, 'PTT') !== null, 10_000);
    expect(levelRows(top)).toHaveLength(0);
    execFileSync(tmux!, ['send-keys', '-t', session, 'q']);
    expect(await waitForScreen((s) => s.includes('EXIT-DONE'), 15_000)).toContain('ended by key');
  });
});
