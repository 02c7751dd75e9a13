/**
 * The N-API crossing probes of bench/decode.ts: native functions taking the
 * decode functions' arguments and doing nothing (or only unwrapping them).
 * They live in a module of their own, settrade_feed_bench.node
 * (native/bench/bench_binding.cc), so the shipped addon carries no benchmark
 * code; it is built here on first use with cmake (-DBENCH_ADDON=ON), into
 * build-cpp/bench-addon, incrementally, as bench/dispatcher.ts builds
 * handoff_floor.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ByteSource } from '../../src/codec/native-binding.js';

/** What settrade_feed_bench.node exports (every function returns 0). */
export interface NapiProbes {
  /** The bare call with the decode functions' arguments. */
  noop(payload: ByteSource, slots: ByteSource, slotByteOffset: number): number;
  /** The call plus the decode functions' argument unwrapping and checks, no decode. */
  noopUnwrap(payload: ByteSource, slots: ByteSource, slotByteOffset: number): number;
  /** The call plus unwrapping one payload and an offset: a bound decoder call's floor. */
  noopUnwrapPayload(payload: ByteSource, slotByteOffset: number): number;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const buildDir = join(repoRoot, 'build-cpp', 'bench-addon');
const modulePath = join(buildDir, 'settrade_feed_bench.node');

/** node_api.h's directory: node-api-headers (cmake-js's dependency), else the running node's own headers. */
function nodeApiIncludeDir(): string | undefined {
  try {
    const dir = (createRequire(import.meta.url)('node-api-headers') as { include_dir: string }).include_dir;
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  } catch {
    // not installed: try node's headers
  }
  const own = join(dirname(process.execPath), '..', 'include', 'node');
  return existsSync(join(own, 'node_api.h')) ? own : undefined;
}

/**
 * Builds settrade_feed_bench.node (incrementally: a no-op when up to date).
 * Returns why it could not, or undefined when the module is ready.
 */
export function buildNapiProbes(): string | undefined {
  try {
    const run = (args: string[]): void => {
      execFileSync('cmake', args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    };
    const include = nodeApiIncludeDir();
    run(['-S', 'native', '-B', buildDir, '-DBENCH_ADDON=ON', '-DSANITIZE=', ...(include ? [`-DNODE_API_INCLUDE_DIR=${include}`] : [])]);
    run(['--build', buildDir, '--target', 'settrade_feed_bench']);
    return undefined;
  } catch (e) {
    const err = e as Error & { stderr?: Buffer };
    const detail = err.stderr?.toString().trim().split('\n').find((l) => /error/i.test(l)) ?? err.message.split('\n')[0];
    return `settrade_feed_bench.node could not be built with cmake (${detail})`;
  }
}

/** The probes from an already built module, or why they cannot be loaded. */
export function loadNapiProbes(): { probes: NapiProbes } | { error: string } {
  if (!existsSync(modulePath)) return { error: `${modulePath} is not built` };
  try {
    return { probes: createRequire(import.meta.url)(modulePath) as NapiProbes };
  } catch (e) {
    return { error: `${modulePath} did not load (${(e as Error).message.split('\n')[0]})` };
  }
}
