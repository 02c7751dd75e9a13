/**
 * zod is released once validation goes quiet (src/util/options-schema.ts,
 * docs/decisions.md "zod released when idle"): its modules leave the require
 * cache and its registries leave globalThis, a plain Node process gets its
 * heap back (zod's exports become unreachable), the next validation loads it again
 * with the same errors, and a zod the user loaded is left alone.
 */
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dispatcher, InvalidOptionError } from '../src/dispatcher/index.js';
import { releaseZod, zodLoaded, ZOD_IDLE_RELEASE_MS } from '../src/util/options-schema.js';
import { tsxLoader } from './helpers/cli.js';

const requireHere = createRequire(import.meta.url);
const zodFile = /node_modules[\\/]+zod[\\/]/;

function zodCacheKeys(): string[] {
  return Object.keys(requireHere.cache).filter((k) => zodFile.test(k));
}

function badMaxSize(): Error {
  try {
    new Dispatcher({ kind: 'bestBidAsk', maxSize: -1 });
  } catch (err) {
    return err as Error;
  }
  throw new Error('maxSize -1 was accepted');
}

afterEach(() => {
  vi.useRealTimers();
  releaseZod();
});

describe('zod released when validation is idle', () => {
  it('releaseZod drops its modules and its globals; the next validation loads it again with the same errors', () => {
    releaseZod();
    const first = badMaxSize();
    expect(first).toBeInstanceOf(InvalidOptionError);
    expect(zodLoaded()).toBe(true);
    expect(zodCacheKeys().length).toBeGreaterThan(0);
    expect('__zod_globalRegistry' in globalThis).toBe(true);

    releaseZod();
    expect(zodLoaded()).toBe(false);
    expect(zodCacheKeys()).toEqual([]);
    expect('__zod_globalRegistry' in globalThis).toBe(false);
    expect('__zod_globalConfig' in globalThis).toBe(false);

    const again = badMaxSize();
    expect(zodLoaded()).toBe(true);
    expect(again.message).toBe(first.message);
    expect(new Dispatcher({ kind: 'bestBidAsk', maxSize: 8 }).poll(1)).toEqual([]);
  });

  it('in a plain Node process, what it released is collected (zod unreachable, its heap given back)', async () => {
    const probe = new URL('./workers/zod-release-probe.ts', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', tsxLoader, probe], { timeout: 60_000 });
    const r = JSON.parse(stdout) as { loadedKeys: number; keysAfter: number; loadedAfter: boolean; reachable: boolean; before: number; loaded: number; released: number };
    expect(r.loadedKeys).toBeGreaterThan(0);
    expect(r.keysAfter).toBe(0);
    expect(r.loadedAfter).toBe(false);
    expect(r.reachable).toBe(false);
    // zod's live heap (~3 MB) comes back: most of what loading it added.
    expect(r.loaded - r.released).toBeGreaterThan((r.loaded - r.before) / 2);
  }, 60_000);

  it('goes by itself ZOD_IDLE_RELEASE_MS after the last validation, each use re-arming the wait', () => {
    releaseZod();
    vi.useFakeTimers();
    badMaxSize();
    expect(zodLoaded()).toBe(true);
    vi.advanceTimersByTime(ZOD_IDLE_RELEASE_MS - 1);
    expect(zodLoaded()).toBe(true);
    badMaxSize(); // re-arms
    vi.advanceTimersByTime(ZOD_IDLE_RELEASE_MS - 1);
    expect(zodLoaded()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(zodLoaded()).toBe(false);
  });

  it("leaves a zod the user loaded: its modules stay cached and its registries stay on globalThis", () => {
    releaseZod();
    const userZod = requireHere('zod') as typeof import('zod');
    const registry = (globalThis as { __zod_globalRegistry?: unknown }).__zod_globalRegistry;
    expect(registry).toBeDefined();
    const keys = zodCacheKeys();
    badMaxSize();
    releaseZod();
    expect(zodCacheKeys()).toEqual(keys);
    expect((globalThis as { __zod_globalRegistry?: unknown }).__zod_globalRegistry).toBe(registry);
    expect(userZod.z.number().int().safeParse(1.5).success).toBe(false);
    for (const k of keys) delete requireHere.cache[k];
    Reflect.deleteProperty(globalThis, '__zod_globalRegistry');
    Reflect.deleteProperty(globalThis, '__zod_globalConfig');
  });
});
