import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runSimCommand } from '../src/cli/sim-command.js';
import type { SimulatorStartInfo } from '../src/sim/index.js';
import { collect, connectMqtt, mqttTarget } from './helpers/sim-client.js';

/** Runs `settrade-feed sim` in this process until `abort`; `text()` is its stdout so far. */
async function startSimCommand(argv: string[]): Promise<{ text: () => string; abort: AbortController; exit: Promise<number>; info: SimulatorStartInfo }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const abort = new AbortController();
  let started: (i: SimulatorStartInfo) => void = () => {};
  const startedInfo = new Promise<SimulatorStartInfo>((resolve) => (started = resolve));
  const exit = runSimCommand(argv, { stdout, signal: abort.signal, onStarted: (i) => started(i) });
  return { text: () => out, abort, exit, info: await startedInfo };
}

describe('settrade-feed sim', () => {
  it('prints the base URL and working credentials, serves until aborted, then exits 0', async () => {
    const { text, abort, exit, info } = await startSimCommand(['--symbols', 'aot', '--rate', '50', '--token-lifetime', '120']);
    expect(text()).toContain(`SETTRADE_BASE_URL=${info.baseUrl}`);
    expect(text()).toContain(`SETTRADE_APP_ID=${info.credentials.appId}`);
    expect(text()).toContain(`SETTRADE_APP_SECRET=${info.credentials.appSecret}`);
    const { url, token } = await mqttTarget(info);
    const client = await connectMqtt(url, token);
    const got = collect(client, 3);
    await client.subscribeAsync('proto/topic/bidofferv3/AOT');
    expect((await got).every((m) => m.topic === 'proto/topic/bidofferv3/AOT')).toBe(true);
    await client.endAsync(true);
    abort.abort();
    expect(await exit).toBe(0);
    expect(text()).toMatch(/stopped: \d+ messages published/);
    await expect(fetch(info.baseUrl)).rejects.toThrow();
  });

  it('reports bad flags as usage errors naming the flag', async () => {
    await expect(runSimCommand(['--rate', '-5'])).rejects.toThrow(/--rate/);
    await expect(runSimCommand(['--port', 'x'])).rejects.toThrow(/--port/);
    await expect(runSimCommand(['--broker-id', 'a/b'])).rejects.toMatchObject({ code: 'ERR_CLI_USAGE', message: expect.stringMatching(/brokerId/) });
    await expect(runSimCommand(['--bogus'])).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' });
  });

  it('--burst-*: bursts start when a client subscribes, repeat every --burst-every, only on --burst-symbols, and are reported', async () => {
    // Normal rate 1/s per symbol: without bursts, ~2 messages in a second.
    const argv = ['--symbols', 'AOT,PTT', '--rate', '1', '--burst-rate', '2000', '--burst-ms', '200', '--burst-every', '0.5', '--burst-symbols', 'PTT'];
    const { text, abort, exit, info } = await startSimCommand(argv);
    const { url, token } = await mqttTarget(info);
    const client = await connectMqtt(url, token);
    const counts = new Map<string, number>();
    client.on('message', (topic: string) => counts.set(topic, (counts.get(topic) ?? 0) + 1));
    await client.subscribeAsync(['proto/topic/bidofferv3/AOT', 'proto/topic/bidofferv3/PTT']);
    // Two burst ends reported: the first burst and at least one repeat.
    await vi.waitFor(() => expect(text().match(/^burst: \d+ messages delivered in \d+ ms/gm)?.length ?? 0).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 50 });
    await client.endAsync(true);
    abort.abort();
    expect(await exit).toBe(0);
    // 2,000/s for 200 ms, twice: hundreds of PTT messages (loopback delivers most of them); AOT stays at its normal rate.
    expect(counts.get('proto/topic/bidofferv3/PTT') ?? 0).toBeGreaterThan(200);
    expect(counts.get('proto/topic/bidofferv3/AOT') ?? 0).toBeLessThan(20);
  });

  it('rejects inconsistent --burst-* flags naming the flag', async () => {
    await expect(runSimCommand(['--burst-ms', '100'])).rejects.toThrow(/--burst-ms needs --burst-rate/);
    await expect(runSimCommand(['--burst-rate', '0'])).rejects.toThrow(/--burst-rate/);
    await expect(runSimCommand(['--burst-rate', '1000', '--burst-ms', '2000', '--burst-every', '1'])).rejects.toThrow(/--burst-every must be at least --burst-ms/);
    await expect(runSimCommand(['--symbols', 'AOT', '--burst-rate', '1000', '--burst-symbols', 'PTT'])).rejects.toThrow(/--burst-symbols must be among --symbols; not there: PTT/);
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
