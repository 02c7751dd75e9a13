import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliUsageError, numberFlag, parseCommandArgs, symbolList } from '../src/cli/args.js';
import { CREDENTIAL_VARIABLES, loadEnvCredentials, MissingCredentialsError } from '../src/cli/env-credentials.js';
import { LatencyWindow } from '../src/cli/latency.js';
import { envWithoutCredentials, runCli } from './helpers/cli.js';

describe('args', () => {
  const options = { rate: { type: 'string' }, json: { type: 'boolean' }, worker: { type: 'boolean', default: true } } as const;

  it('parses flags, negations and positionals', () => {
    const { values, positionals } = parseCommandArgs('demo', ['--rate', '5', '--json', '--no-worker', 'AOT'], options, true);
    expect(values.rate).toBe('5');
    expect(values.json).toBe(true);
    expect(values.worker).toBe(false);
    expect(positionals).toEqual(['AOT']);
  });

  it('turns unknown flags, missing values and stray positionals into usage errors naming them', () => {
    expect(() => parseCommandArgs('demo', ['--bogus'], options)).toThrow(/demo: .*--bogus/);
    expect(() => parseCommandArgs('demo', ['--rate'], options)).toThrow(/--rate/);
    expect(() => parseCommandArgs('demo', ['AOT'], options)).toThrow(/unexpected argument 'AOT'/);
    try {
      parseCommandArgs('demo', ['--bogus'], options);
    } catch (err) {
      expect(err).toBeInstanceOf(CliUsageError);
      expect((err as CliUsageError).code).toBe('ERR_CLI_USAGE');
      expect((err as CliUsageError).exitCode).toBe(2);
    }
  });

  it('validates numbers with the flag name', () => {
    expect(numberFlag('rate', undefined, 7)).toBe(7);
    expect(numberFlag('rate', '2.5', 7)).toBe(2.5);
    expect(() => numberFlag('rate', 'abc', 7)).toThrow("--rate must be a number from 0 to");
    expect(() => numberFlag('rate', '', 7)).toThrow('--rate');
    expect(() => numberFlag('port', '1.5', 0, { integer: true, max: 65535 })).toThrow('--port must be an integer from 0 to 65535');
    expect(() => numberFlag('duration', '-1', 0)).toThrow('--duration');
  });

  it('splits, upper-cases and dedupes symbol lists, rejecting topic syntax', () => {
    expect(symbolList('symbols', 'aot, ptt,AOT')).toEqual(['AOT', 'PTT']);
    expect(symbolList('symbols', ['s&j', 'banpu-w5'])).toEqual(['S&J', 'BANPU-W5']);
    expect(() => symbolList('symbols', 'A/B')).toThrow("--symbols: 'A/B' is not a valid symbol");
    expect(() => symbolList('symbols', 'A#')).toThrow(CliUsageError);
    expect(() => symbolList('symbols', ' , ')).toThrow('--symbols needs at least one symbol');
  });

  it.each<[string, string | string[], string]>([
    ['topic separator', 'AOT,A/B', "--symbols: 'A/B' is not a valid symbol"],
    ['single-level wildcard', 'A+B', "'A+B' is not a valid symbol (invalid symbol \"A+B\": contains MQTT topic character '+')"],
    ['multi-level wildcard', 'PTT,#', "'#' is not a valid symbol"],
    ['control character', 'A\u0000B', "'A\u0000B' is not a valid symbol"],
    ['33 bytes', 'X'.repeat(33), `'${'X'.repeat(33)}' is not a valid symbol (invalid symbol "${'X'.repeat(33)}": longer than 32 bytes)`],
    ['45 UTF-8 bytes', 'ทดสอบทดสอบทดสอบ', "'ทดสอบทดสอบทดสอบ' is not a valid symbol"],
    ['lower case, named as typed', 'aot,a/b', "'a/b' is not a valid symbol"],
    ['only separators', ', ,', '--symbols needs at least one symbol'],
    ['empty', '', '--symbols needs at least one symbol'],
  ])('symbol list: %s is a usage error naming it', (_what, raw, message) => {
    let err: unknown;
    try {
      symbolList('symbols', raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliUsageError);
    expect((err as CliUsageError).exitCode).toBe(2);
    expect((err as Error).message).toContain(message);
  });

  it('names positionals by the command, not a flag', () => {
    expect(() => symbolList('symbols', ['AOT', 'A+B'], 'watch')).toThrow("watch: 'A+B' is not a valid symbol");
    expect(() => symbolList('symbols', [''], 'watch')).toThrow('watch needs at least one symbol');
    expect(symbolList('symbols', ['aot', 'Ptt'], 'watch')).toEqual(['AOT', 'PTT']);
  });
});

describe('the CLI refuses invalid symbols with exit 2 before connecting', () => {
  // A TCP server standing in for the Settrade API: it must see no connection.
  let server: Server;
  let connections = 0;
  let baseUrl = '';
  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const credentials = (): NodeJS.ProcessEnv => ({
    ...envWithoutCredentials(),
    SETTRADE_APP_ID: 'id',
    SETTRADE_APP_SECRET: 'c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw',
    SETTRADE_APP_CODE: 'ALGO',
    SETTRADE_BROKER_ID: 'SANDBOX',
    SETTRADE_BASE_URL: baseUrl,
  });

  it.each<[string[], string]>([
    [['demo', '--symbols', 'A/B'], "settrade-feed: --symbols: 'A/B' is not a valid symbol"],
    [['demo', '--symbols', `AOT,${'X'.repeat(33)}`], `--symbols: '${'X'.repeat(33)}' is not a valid symbol`],
    [['demo', '--symbols', ''], '--symbols needs at least one symbol'],
    [['watch', 'AOT', 'A+B'], "settrade-feed: watch: 'A+B' is not a valid symbol"],
    [['watch', ''], 'watch needs at least one symbol'],
  ])('%j exits 2 naming the symbol', async (argv, message) => {
    const cwd = mkdtempSync(join(tmpdir(), 'stf-sym-'));
    const r = await runCli(argv, { cwd, env: credentials() });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
    expect(connections).toBe(0);
  });
});

describe('env credentials', () => {
  const full = {
    SETTRADE_APP_ID: 'id',
    SETTRADE_APP_SECRET: 'c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw',
    SETTRADE_APP_CODE: 'ALGO',
    SETTRADE_BROKER_ID: 'SANDBOX',
  };
  const noFile = join(mkdtempSync(join(tmpdir(), 'stf-env-')), 'absent.env');

  it('reads all four variables (and an optional base URL)', () => {
    const creds = loadEnvCredentials({ env: { ...full, SETTRADE_BASE_URL: 'http://127.0.0.1:1' } });
    expect(creds).toEqual({ appId: 'id', appSecret: full.SETTRADE_APP_SECRET, appCode: 'ALGO', brokerId: 'SANDBOX', baseUrl: 'http://127.0.0.1:1' });
  });

  it('names every missing or empty variable and never prints a value', () => {
    const env = { SETTRADE_APP_SECRET: full.SETTRADE_APP_SECRET, SETTRADE_APP_CODE: '  ' };
    let caught: unknown;
    try {
      loadEnvCredentials({ env });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MissingCredentialsError);
    const err = caught as MissingCredentialsError;
    expect(err.missing).toEqual(['SETTRADE_APP_ID', 'SETTRADE_APP_CODE', 'SETTRADE_BROKER_ID']);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('set SETTRADE_APP_ID, SETTRADE_APP_CODE, SETTRADE_BROKER_ID');
    expect(err.message).not.toContain(full.SETTRADE_APP_SECRET);
    for (const v of CREDENTIAL_VARIABLES) expect(err.message).toContain(v);
  });

  it('fills from a .env file without overriding the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stf-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'SETTRADE_APP_ID=fromfile\nSETTRADE_APP_SECRET=abc\nSETTRADE_APP_CODE=ALGO\nSETTRADE_BROKER_ID=098\n');
    const creds = loadEnvCredentials({ env: { SETTRADE_APP_ID: 'fromenv' }, envFile: file });
    expect(creds.appId).toBe('fromenv');
    expect(creds.appSecret).toBe('abc');
    expect(creds.brokerId).toBe('098');
  });

  it('rejects an explicit .env path that does not exist', () => {
    expect(() => loadEnvCredentials({ env: { ...full }, envFile: noFile })).toThrow(/does not exist/);
  });
});

describe('latency window', () => {
  it('gives nearest-rank p50/p99/max over the last N samples', () => {
    const w = new LatencyWindow(100);
    expect(w.snapshot()).toEqual({ samples: 0, p50Us: 0, p99Us: 0, maxUs: 0 });
    for (let i = 1; i <= 100; i++) w.record(i * 1000);
    expect(w.snapshot()).toEqual({ samples: 100, p50Us: 50, p99Us: 99, maxUs: 100 });
    // 50 more samples of 1 ms push out the 50 smallest: the window is now 51..100 us and 50 x 1000 us.
    for (let i = 0; i < 50; i++) w.record(1_000_000);
    const s = w.snapshot();
    expect(s.samples).toBe(100);
    expect(s.p50Us).toBe(100);
    expect(s.p99Us).toBe(1000);
    expect(w.count).toBe(150);
  });

  it('clamps negative samples to zero and resets', () => {
    const w = new LatencyWindow(4);
    w.record(-5);
    expect(w.snapshot().maxUs).toBe(0);
    w.reset();
    expect(w.count).toBe(0);
    expect(() => new LatencyWindow(0)).toThrow(RangeError);
  });
});
