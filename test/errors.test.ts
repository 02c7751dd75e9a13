/**
 * One error model for the whole package (issue 14): real failures of every
 * component are SettradeFeedErrors whose `code` is an `ERR_` code listed in
 * docs/errors.md, and the doc's table lists exactly the ErrorCode union.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BidOfferAdapter,
  decodeBestBidAsk,
  Dispatcher,
  ERROR_CODES,
  normalizeSymbol,
  SettradeClient,
  SettradeFeedError,
  createFeed,
  replayFeed,
  type BestBidAsk,
  type ErrorCode,
} from '../src/index.js';
import { parseCommandArgs } from '../src/cli/args.js';
import { DecodeStatus } from '../src/codec/status.js';
import { readRingConfig } from '../src/dispatcher/ring-layout.js';
import { SlotLayout, slotMemory } from '../src/events/index.js';
import { createMetrics, serveMetrics } from '../src/metrics/index.js';
import { nativeBinding } from '../src/native.js';
import { parseRelayOptions } from '../src/relay/options.js';
import { Simulator } from '../src/sim/index.js';
import { encodeFileHeader } from '../src/record/format.js';
import { silentLogger } from '../src/util/logger.js';
import { startModuleWorker } from '../src/util/worker-script.js';
import { loadInvalidVectors, loadValidVectors } from './helpers/vectors.js';

/** The codes in the first column of docs/errors.md's table. */
function documentedCodes(): string[] {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  return [...doc.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
}
const documented = new Set(documentedCodes());

/** What `fn` threw or rejected with; fails when it did neither. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure, but the call succeeded');
}

function expectCoded(err: unknown, code: ErrorCode): void {
  expect(err, String(err)).toBeInstanceOf(SettradeFeedError);
  expect(err).toBeInstanceOf(Error);
  const e = err as SettradeFeedError;
  expect(e.code).toBe(code);
  expect(e.code).toMatch(/^ERR_[A-Z0-9_]+$/);
  expect(documented.has(e.code), `${e.code} is not in docs/errors.md`).toBe(true);
  expect(e.name).not.toBe('Error');
  expect(e.stack).toContain(e.message.split('\n')[0]!);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const bba: BestBidAsk = {
  symbol: 'AOT',
  bid: 1,
  ask: 2,
  bidVol: 3,
  askVol: 4,
  bidFlag: 1,
  askFlag: 1,
  recvTs: 1n,
  recvMonoNs: 1n,
  connectionEpoch: 0,
};

function p256Secret(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64');
}

describe('error codes: one list, documented', () => {
  it('every code of the ErrorCode union is in docs/errors.md, and the table lists nothing else', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(20);
    for (const code of ERROR_CODES) expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
    expect(documentedCodes().length, 'a code listed twice').toBe(documented.size);
  });

  it('every error class the package exports (root and subpaths) is a SettradeFeedError', async () => {
    const entries = ['../src/index.js', '../src/sim/index.js', '../src/metrics/index.js', '../src/relay/index.js'];
    const classes: string[] = [];
    for (const entry of entries) {
      for (const [name, value] of Object.entries(await import(entry))) {
        if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
        classes.push(name);
        expect(value.prototype instanceof SettradeFeedError || value === SettradeFeedError, `${entry}: ${name}`).toBe(true);
      }
    }
    expect(classes).toEqual(expect.arrayContaining(['ParseError', 'InvalidOptionError', 'SettradeError', 'SimulatorError', 'MetricsServerError', 'RelayConfigError']));
  });
});

describe('real failures of every component carry a documented ERR_ code', () => {
  it('dispatcher: a bad option, a bad push field, a payload of the wrong type, a parse error, a foreign ring', async () => {
    expectCoded(await failure(() => new Dispatcher({ kind: 'bestBidAsk', maxSize: -1, logger: silentLogger })), 'ERR_INVALID_OPTION');
    const d = new Dispatcher({ kind: 'bestBidAsk', maxSize: 8, logger: silentLogger });
    expectCoded(await failure(() => d.push({ ...bba, bid: Number.NaN })), 'ERR_INVALID_EVENT');
    expectCoded(await failure(() => d.pushPayload('nope' as unknown as Uint8Array)), 'ERR_INVALID_ARG_TYPE');
    const bad = loadInvalidVectors()[0]!.payload;
    const parse = await failure(() => d.pushPayload(bad));
    expectCoded(parse, 'ERR_PARSE');
    expect(parse).toMatchObject({ name: 'ParseError', reason: expect.stringMatching(/^[A-Z_]+$/), status: expect.any(Number) });
    expect(d.stats().totalPushed).toBe(0);
    expectCoded(await failure(() => readRingConfig(new SharedArrayBuffer(8))), 'ERR_RING_HEADER');
  });

  it('codec and symbols: decode of a malformed payload, a symbol that cannot be a topic', async () => {
    // Field 1 (symbol) claims 5 bytes, one follows.
    const err = await failure(() => decodeBestBidAsk(Uint8Array.of(0x0a, 0x05, 0x41)));
    expectCoded(err, 'ERR_PARSE');
    expect(err).toMatchObject({ reason: 'LENGTH_OVERFLOW', status: DecodeStatus.LENGTH_OVERFLOW });
    expectCoded(await failure(() => normalizeSymbol('AOT/#')), 'ERR_INVALID_SYMBOL');
  });

  it('client, adapter, feed and relay options; an insecure URL; a client used after shutdown', async () => {
    const creds = { appId: 'a', appSecret: p256Secret(), appCode: 'ALGO', brokerId: 'SIM', logger: silentLogger };
    expectCoded(await failure(() => new SettradeClient({ ...creds, maxRetries: -1 })), 'ERR_CONFIG_INVALID');
    expectCoded(await failure(() => new SettradeClient({ ...creds, baseUrl: 'http://example.com' })), 'ERR_INSECURE_URL');
    expectCoded(await failure(() => new BidOfferAdapter({ client: {} as SettradeClient, fullDepth: false })), 'ERR_CONFIG_INVALID');
    expectCoded(await failure(() => createFeed({ endpoint: 'mqtt://127.0.0.1:1', fullDepth: false, colour: 'red' } as never)), 'ERR_CONFIG_INVALID');
    expectCoded(await failure(() => parseRelayOptions({ servers: 'nats://127.0.0.1:1', bogus: 1 })), 'ERR_CONFIG_INVALID');
    const client = new SettradeClient(creds);
    await client.shutdown();
    expectCoded(await failure(() => client.connect()), 'ERR_SHUTDOWN');
  });

  it('transport against the simulator: wrong credentials are ERR_AUTH_REJECTED', async () => {
    const sim = new Simulator({ symbols: ['AOT'], ratePerSymbol: 0 });
    const { baseUrl, credentials } = await sim.start();
    cleanups.push(() => sim.stop());
    const client = new SettradeClient({ ...credentials, appSecret: p256Secret(), baseUrl, maxRetries: 0, logger: silentLogger });
    cleanups.push(() => client.shutdown());
    client.on('error', () => undefined);
    const err = await failure(() => client.connect());
    expectCoded(err, 'ERR_AUTH_REJECTED');
    expect(err).toMatchObject({ name: 'SettradeAuthError', status: 401, step: 'login' });
    expect((err as Error).message).not.toContain(credentials.appSecret);
  });

  it('simulator: bad options, a bad argument, a call in the wrong state', async () => {
    expectCoded(await failure(() => new Simulator({ ratePerSymbol: -1 })), 'ERR_SIM_OPTIONS');
    const sim = new Simulator({ symbols: ['AOT'], ratePerSymbol: 0 });
    expectCoded(await failure(() => sim.faults.stallFeed(-1)), 'ERR_SIM_ARGUMENT');
    expectCoded(await failure(() => sim.burst(1_000, 100)), 'ERR_SIM_STATE');
  });

  it('metrics: a bad option', async () => {
    expectCoded(await failure(() => createMetrics({ dispatcher: [] })), 'ERR_METRICS_OPTION');
    expectCoded(await failure(() => serveMetrics({ registry: createMetrics(), port: 70_000 })), 'ERR_METRICS_OPTION');
  });

  it('replay: not a recording, another format version, a bad option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stfd-errors-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const junk = join(dir, 'junk.stfd');
    writeFileSync(junk, 'not a recording');
    const format = await failure(() => replayFeed({ files: [junk], fullDepth: false }));
    expectCoded(format, 'ERR_RECORDING_FORMAT');
    expect(format).toMatchObject({ name: 'RecordingFormatError', path: junk });
    const v7 = join(dir, 'v7.stfd');
    const header = encodeFileHeader({ schema: 'settrade.BidOfferV3', startWallNs: '0', symbols: [], fullDepth: false, fileIndex: 0, writer: 'test' });
    header[8] = 7;
    writeFileSync(v7, header);
    expectCoded(await failure(() => replayFeed({ files: [v7], fullDepth: false })), 'ERR_RECORDING_VERSION');
    expectCoded(await failure(() => replayFeed({ files: [junk], fullDepth: false, speed: -1 })), 'ERR_CONFIG_INVALID');
  });

  it('cli: a usage error from the argument parser', async () => {
    const err = await failure(() => parseCommandArgs('demo', ['--bogus'], {}));
    expectCoded(err, 'ERR_CLI_USAGE');
    expect(err).toMatchObject({ name: 'CliUsageError', exitCode: 2 });
  });

  // The addon as the package loads it (native project): src/native.ts registers NativeError with it.
  it.skipIf(!nativeBinding)('native addon: a wrong argument type and a wrong value', async () => {
    const addon = nativeBinding!;
    const typeErr = await failure(() => addon.bindSlots(new Int32Array(8) as unknown as Uint8Array));
    expectCoded(typeErr, 'ERR_INVALID_ARG_TYPE');
    expect(typeErr).toMatchObject({ name: 'NativeError' });
    const mem = slotMemory(new ArrayBuffer(SlotLayout.fullBidOfferSlotSize));
    const bound = addon.bindSlots(mem.u8);
    const payload = loadValidVectors()[0]!.payload;
    expectCoded(await failure(() => bound.decodeFullBidOffer(payload, 4)), 'ERR_INVALID_ARG_VALUE');
  });

  it.skipIf(!nativeBinding)('native addon in a worker thread: its errors are SettradeFeedErrors there too', async () => {
    const worker = startModuleWorker(new URL('./workers/native-error.ts', import.meta.url));
    cleanups.push(async () => void (await worker.terminate()));
    const report = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(report).toEqual({ feedError: true, name: 'NativeError', code: 'ERR_INVALID_ARG_TYPE' });
  });
});
