/** Every example runs to completion against the embedded simulator, by itself, exit code 0. */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot, tsxLoader } from './helpers/cli.js';

const examples = readdirSync(new URL('../examples/', import.meta.url)).filter((f) => f.endsWith('.ts')).sort();

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, `examples/${file}`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // An example that does not exit by itself (an open handle) fails here.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not exit by itself\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 40_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('examples', () => {
  it('are all here', () => {
    expect(examples).toEqual(expect.arrayContaining(['best-bid-ask.ts', 'full-depth-health.ts', 'worker-sharded.ts']));
  });

  it('best-bid-ask.ts streams quotes for every symbol', async () => {
    const r = await run('best-bid-ask.ts');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^AOT\s+\d[\d,]* @ \d+\.\d\d \| \d+\.\d\d @ \d+/m);
    expect(r.stdout).toMatch(/events per symbol: AOT=[1-9]\d* PTT=[1-9]\d* KBANK=[1-9]\d*/);
  });

  it('full-depth-health.ts shows ten levels and a stale symbol recovering', async () => {
    const r = await run('full-depth-health.ts');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('PTT is STALE');
    expect(r.stdout).toContain('PTT recovered');
    expect(r.stdout.match(/^\s+\d+\s+\d+\s+\d+\.\d\d \| \d+\.\d\d/gm)).toHaveLength(10);
  });

  it('worker-sharded.ts keeps every symbol on one consumer, in order', async () => {
    const r = await run('worker-sharded.ts');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/consumer 0: \d+ events/);
    expect(r.stdout).toMatch(/consumer 1: \d+ events/);
    expect(r.stdout).toContain('every symbol on exactly one consumer, in order');
  });
});
