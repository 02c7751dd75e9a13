/**
 * Loads the native addon through node-gyp-build (a prebuild from
 * `prebuilds/<platform>-<arch>/`, else a local `build/Release`), and falls back
 * to the pure-JS backend when it is missing or fails to load.
 *
 * `SETTRADE_FEED_BACKEND`: `js` forces the JS backend; `native` requires the
 * addon (throws if it cannot load: used by the test suite so a broken build
 * can never pass as "native"); unset or `auto` picks native when it loads.
 *
 * `SETTRADE_FEED_NATIVE_DECODER`: `portable` makes the addon use its portable
 * C++ decoder even where the BMI2 one (PEXT/TZCNT, the default on CPUs where
 * PEXT is fast) can run; `bmi2` or `auto` (the default) picks the fastest.
 * Both give identical results; the switch exists for tests and benchmarks.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeError, SettradeFeedError, type ErrorCode } from './errors.js';
import type { CodecBinding } from './codec/native-binding.js';
import type { RingBinding } from './dispatcher/native-binding.js';

/**
 * Every constant the addon shares with the TypeScript side, read from the C++
 * headers (native/src/contract_binding.cc); test/contract.test.ts compares it
 * with the TS mirrors.
 */
export interface NativeContract {
  /** slot_layout.h: offsets and sizes of both slot kinds. */
  readonly slot: Readonly<Record<string, number>>;
  /** spsc_ring.h: header offsets, magic, version, limits, overflow codes. */
  readonly ring: Readonly<Record<string, number>>;
  /** spsc_ring.h: push result bits. */
  readonly push: Readonly<Record<string, number>>;
  /** bidoffer_decoder.h: DecodeStatus name -> value. */
  readonly decodeStatus: Readonly<Record<string, number>>;
}

export interface LayoutBinding {
  readonly layout: Readonly<Record<string, number>>;
  readonly contract: NativeContract;
}

/** The addon's error hook: every addon error is then built as `new ctor(code, message)`. */
export interface ErrorBinding {
  setErrorClass(ctor: new (code: ErrorCode, message: string) => Error): void;
}

/** Everything the addon exports. */
export type NativeBinding = LayoutBinding & CodecBinding & RingBinding & ErrorBinding;

export type Backend = 'native' | 'js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function loadNative(): { binding: NativeBinding | null; error: Error | null } {
  const mode = (process.env.SETTRADE_FEED_BACKEND ?? 'auto').toLowerCase();
  if (mode === 'js') return { binding: null, error: null };
  if (mode !== 'auto' && mode !== 'native' && mode !== '') {
    throw new SettradeFeedError('ERR_CONFIG_INVALID', `SETTRADE_FEED_BACKEND must be 'js', 'native' or 'auto', got '${mode}'`);
  }
  const variant = (process.env.SETTRADE_FEED_NATIVE_DECODER ?? 'auto').toLowerCase();
  if (variant !== 'auto' && variant !== 'portable' && variant !== 'bmi2' && variant !== '') {
    throw new SettradeFeedError('ERR_CONFIG_INVALID', `SETTRADE_FEED_NATIVE_DECODER must be 'auto', 'portable' or 'bmi2', got '${variant}'`);
  }
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    const binding = nodeGypBuild(packageRoot) as NativeBinding;
    // So that the addon's argument errors are SettradeFeedErrors like every other (ERR_INVALID_ARG_TYPE/VALUE).
    binding.setErrorClass(NativeError);
    return { binding, error: null };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (mode === 'native') {
      throw new SettradeFeedError('ERR_NATIVE_UNAVAILABLE', `SETTRADE_FEED_BACKEND=native but the native addon failed to load: ${error.message}`, {
        cause: error,
      });
    }
    return { binding: null, error };
  }
}

const loaded = loadNative();

/** The loaded addon, or null when the JS backend runs. */
export const nativeBinding: NativeBinding | null = loaded.binding;

/** Why the addon did not load (null when it loaded or JS was forced). */
export const nativeLoadError: Error | null = loaded.error;

/** Which codec/ring backend is live. */
export const backend: Backend = nativeBinding ? 'native' : 'js';
