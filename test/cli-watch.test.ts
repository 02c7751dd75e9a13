import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../src/sim/index.js';
import type { RunSummary } from '../src/cli/summary.js';
import { envWithoutCredentials, repoRoot, runCli } from './helpers/cli.js';

describe('settrade-feed watch', () => {
  it('without credentials exits 2 naming every missing variable, before connecting anywhere', async () => {
    // An empty directory: no .env file to pick up.
    const cwd = mkdtempSync(join(tmpdir(), 'stf-watch-'));
    const r = await runCli(['watch', 'AOT', 'PTT'], { cwd, env: envWithoutCredentials() });
    expect(r.code).toBe(2);
    for (const v of ['SETTRADE_APP_ID', 'SETTRADE_APP_SECRET', 'SETTRADE_APP_CODE', 'SETTRADE_BROKER_ID']) {
      expect(r.stderr).toContain(v);
    }
    expect(r.stdout).toBe('');
  });

  it('names only the variables still missing after reading .env, and never echoes the secret', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'stf-watch-'));
    const secret = 'dGhpcy1pcy1hLXRlc3Qtc2VjcmV0LXZhbHVl';
    writeFileSync(join(cwd, '.env'), `SETTRADE_APP_SECRET=${secret}\nSETTRADE_APP_CODE=ALGO\n`);
    const r = await runCli(['watch', 'AOT'], { cwd, env: { ...envWithoutCredentials(), SETTRADE_BROKER_ID: 'SANDBOX' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/set SETTRADE_APP_ID in /);
    expect(r.stderr).not.toContain(secret);
  });

  it('needs at least one symbol and rejects topic syntax with a usage error', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'stf-watch-'));
    const none = await runCli(['watch'], { cwd, env: envWithoutCredentials() });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name at least one symbol');
    const bad = await runCli(['watch', 'AOT/#'], { cwd, env: envWithoutCredentials() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'AOT/#' is not a valid symbol");
  });
});

describe('settrade-feed watch against the simulator (credentials from .env)', () => {
  it('logs in with the .env credentials, streams the symbols and prints a JSON summary', async () => {
    const sim = new Simulator({ ratePerSymbol: 50 });
    try {
      const { baseUrl, credentials } = await sim.start();
      const cwd = mkdtempSync(join(tmpdir(), 'stf-watch-'));
      writeFileSync(
        join(cwd, '.env'),
        [
          `SETTRADE_APP_ID=${credentials.appId}`,
          `SETTRADE_APP_SECRET=${credentials.appSecret}`,
          `SETTRADE_APP_CODE=${credentials.appCode}`,
          `SETTRADE_BROKER_ID=${credentials.brokerId}`,
          `SETTRADE_BASE_URL=${baseUrl}`,
        ].join('\n'),
      );
      const r = await runCli(['watch', 'aot', 'PTT', '--duration', '2', '--json'], { cwd, env: envWithoutCredentials() });
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as RunSummary;
      expect(s.command).toBe('watch');
      expect(Object.keys(s.symbols)).toEqual(['AOT', 'PTT']);
      for (const v of Object.values(s.symbols)) expect(v.events).toBeGreaterThan(0);
      expect(s.drops).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(credentials.appSecret);
    } finally {
      await sim.stop();
    }
  });
});

describe('settrade-feed (dispatch)', () => {
  it('prints help, rejects unknown commands and flags with exit 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/demo[\s\S]*watch[\s\S]*sim[\s\S]*bench/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badFlag = await runCli(['demo', '--rate', 'fast']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--rate must be a number from 0.1 to 1000000, got 'fast'");
    const unknownFlag = await runCli(['demo', '--colour']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('--colour');
  });

  it('the published launcher (bin/ over the dist/ that npm ci builds) runs the same CLI once', async () => {
    // dist/ comes from `npm ci` (prepare) or `npm run build:ts`.
    const { spawnSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/settrade-feed.js'), '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('lists the bench suites and rejects an unknown one', async () => {
    const list = await runCli(['bench', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(expect.arrayContaining(['decode', 'dispatcher', 'client']));
    const bad = await runCli(['bench', 'nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown suite 'nosuch'");
  });
});
