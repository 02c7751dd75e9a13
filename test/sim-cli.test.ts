import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runSimCommand } from '../src/cli/sim-command.js';
import type { SimulatorStartInfo } from '../src/sim/index.js';
import { collect, connectMqtt, mqttTarget } from './helpers/sim-client.js';

describe('settrade-feed sim', () => {
  it('prints the base URL and working credentials, serves until aborted, then exits 0', async () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (c: Buffer) => (text += c.toString()));
    const abort = new AbortController();
    let started: (i: SimulatorStartInfo) => void = () => {};
    const startedInfo = new Promise<SimulatorStartInfo>((resolve) => (started = resolve));
    const exit = runSimCommand(['--symbols', 'aot', '--rate', '50', '--token-lifetime', '120'], { stdout, signal: abort.signal, onStarted: (i) => started(i) });
    const info = await startedInfo;
    expect(text).toContain(`SETTRADE_BASE_URL=${info.baseUrl}`);
    expect(text).toContain(`SETTRADE_APP_ID=${info.credentials.appId}`);
    expect(text).toContain(`SETTRADE_APP_SECRET=${info.credentials.appSecret}`);
    const { url, token } = await mqttTarget(info);
    const client = await connectMqtt(url, token);
    const got = collect(client, 3);
    await client.subscribeAsync('proto/topic/bidofferv3/AOT');
    expect((await got).every((m) => m.topic === 'proto/topic/bidofferv3/AOT')).toBe(true);
    await client.endAsync(true);
    abort.abort();
    expect(await exit).toBe(0);
    expect(text).toMatch(/stopped: \d+ messages published/);
    await expect(fetch(info.baseUrl)).rejects.toThrow();
  });

  it('reports bad flags as usage errors naming the flag', async () => {
    await expect(runSimCommand(['--rate', '-5'])).rejects.toThrow(/--rate/);
    await expect(runSimCommand(['--port', 'x'])).rejects.toThrow(/--port/);
    await expect(runSimCommand(['--broker-id', 'a/b'])).rejects.toMatchObject({ code: 'ERR_CLI_USAGE', message: expect.stringMatching(/brokerId/) });
    await expect(runSimCommand(['--bogus'])).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' });
  });

  it('as a process: --json start line, then a clean exit on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'sim', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(buf.slice(0, nl));
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(line) as SimulatorStartInfo;
    expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.credentials.brokerId).toBe('SIM');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
