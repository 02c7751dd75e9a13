/**
 * One way to validate an options object, shared by every component: a zod
 * object schema gives the type, the defaults and the checks from one
 * definition; `parseOptions` runs it strictly (unknown keys are errors, with
 * a "did you mean" when a known key is close) and turns the first problem
 * into the component's own error, naming the field.
 *
 * zod is loaded on first use, not with the package: the schemas are built by
 * `lazy` on their first parse, and zod comes from its CommonJS build through
 * `require` (synchronous, as the constructors that validate are). A feed
 * worker, whose options were validated by the thread that started it, never
 * loads it (about 5 MB of RSS per isolate; docs/decisions.md, "zod loaded on
 * first use").
 */
import { createRequire } from 'node:module';
import type * as ZodModule from 'zod';
import type { z } from 'zod';
import type { Logger } from './logger.js';

/** zod's `z` namespace (the value). */
export type Zod = typeof ZodModule.z;

let zodModule: typeof ZodModule | undefined;
// What loading zod added that `releaseZod` can take back.
let loaded: { readonly cacheKeys: readonly string[]; readonly globals: readonly string[] } | undefined;
// Every `lazy` value's reset: a released zod must not stay reachable through a built schema.
const lazyResets: (() => void)[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/** How long zod stays loaded after its last use (ms) before {@link releaseZod} runs by itself. */
export const ZOD_IDLE_RELEASE_MS = 2_000;

// zod 4 keeps two registries on globalThis; created by our load, they would keep it reachable.
const ZOD_GLOBALS = ['__zod_globalConfig', '__zod_globalRegistry'] as const;

/** zod's `z`, loaded on the first call (and again after a release). */
export function zod(): Zod {
  armIdleRelease();
  if (zodModule !== undefined) return zodModule.z;
  const globalsBefore = ZOD_GLOBALS.filter((g) => g in globalThis);
  // A literal require('zod') call where one exists (a bundle: esbuild and
  // webpack bundle it, still loaded on first use), else Node's require.
  const bundled = typeof require === 'function';
  const cache = (bundled ? require : createRequire(import.meta.url)).cache as NodeJS.Require['cache'] | undefined;
  const cacheBefore = new Set(cache === undefined ? [] : Object.keys(cache));
  zodModule = (bundled ? require('zod') : createRequire(import.meta.url)('zod')) as typeof ZodModule;
  const cacheKeys = cache === undefined ? [] : Object.keys(cache).filter((k) => !cacheBefore.has(k));
  // Registries only go with the modules that made them (a bundle keeps its zod anyway).
  loaded = { cacheKeys, globals: cacheKeys.length === 0 ? [] : ZOD_GLOBALS.filter((g) => !globalsBefore.includes(g)) };
  return zodModule.z;
}

// Options are validated when components are built, a handful of times in a
// process's life; zod's modules, schemas and registries stay resident
// otherwise (~3.5 MB of heap on Node 20). An unref'd timer, re-armed by each
// use, releases them once validation has gone quiet.
function armIdleRelease(): void {
  if (idleTimer !== undefined) {
    idleTimer.refresh();
    return;
  }
  idleTimer = setTimeout(releaseWhenIdle, ZOD_IDLE_RELEASE_MS);
  idleTimer.unref();
}

function releaseWhenIdle(): void {
  try {
    releaseZod();
  } catch {
    // A release that fails part way leaves memory, never the process, worse
    // off: zod stays loaded and in use; the next idle period tries again.
  }
}

/**
 * Drops zod and every schema built from it, so the garbage collector can
 * take them back; the next validation loads zod again. Runs by itself
 * {@link ZOD_IDLE_RELEASE_MS} after the last validation. Only what this
 * package's own load added goes: modules that were in the require cache or
 * registries that were on `globalThis` before (a user's zod) stay. A bundled
 * zod (no require cache) only has its schemas dropped.
 */
export function releaseZod(): void {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (zodModule === undefined) return;
  for (const reset of lazyResets) reset();
  if (loaded !== undefined) {
    const cache = (typeof require === 'function' ? require : createRequire(import.meta.url)).cache as NodeJS.Require['cache'] | undefined;
    if (cache !== undefined) forgetModules(cache, loaded.cacheKeys);
    for (const name of loaded.globals) Reflect.deleteProperty(globalThis, name);
  }
  zodModule = undefined;
  loaded = undefined;
}

// Deletes `keys` from the require cache and from the children lists of the
// modules left in it (a CommonJS parent would otherwise keep them reachable).
function forgetModules(cache: NonNullable<NodeJS.Require['cache']>, keys: readonly string[]): void {
  const gone = new Set<unknown>();
  for (const key of keys) {
    if (cache[key] !== undefined) gone.add(cache[key]);
    delete cache[key];
  }
  for (const mod of Object.values(cache)) {
    // Not every entry is a full CommonJS module (an addon's, one an ES module loader made).
    const children: unknown = mod?.children;
    if (mod !== undefined && Array.isArray(children) && children.some((c) => gone.has(c))) {
      mod.children = mod.children.filter((c) => !gone.has(c));
    }
  }
}

/** Whether zod is loaded now (tests and the memory bench look). */
export function zodLoaded(): boolean {
  return zodModule !== undefined;
}

/** A value built by `make(z)` on the first call (loading zod then), the same value until zod is released. */
export function lazy<T>(make: (z: Zod) => T): () => T {
  let built: { value: T } | undefined;
  lazyResets.push(() => {
    built = undefined;
  });
  return () => {
    if (built === undefined) return (built = { value: make(zod()) }).value;
    armIdleRelease();
    return built.value;
  };
}

/** Largest delay Node's timers accept; a larger one silently becomes 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** An integer number of milliseconds a timer can wait: 0 to 2^31 - 1. */
export const msSchema = lazy((z) => z.number().int().min(0).max(MAX_TIMER_MS));

/** A logger with the pino call shape: all four methods are required. */
export const loggerSchema = lazy((z) =>
  z.custom<Logger>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    { message: 'must have debug, info, warn and error methods' },
  ),
);

// Options objects the library built itself from values already validated
// (in another thread, say): parseOptions returns them as they are.
const prevalidated = new WeakSet<object>();

/**
 * Marks `options`, already the output of a schema (validated, defaults
 * filled in), so that `parseOptions` returns it without checking it again
 * or loading zod. For the library's own objects only: a worker's copy of
 * options its parent validated.
 */
export function markValidated<T extends object>(options: T): T {
  prevalidated.add(options);
  return options;
}

/** Whether `options` was marked by {@link markValidated}. */
export function isValidated(options: unknown): boolean {
  return typeof options === 'object' && options !== null && prevalidated.has(options);
}

/** Builds the component's error for `field` (a dotted path, or 'options'). */
export type OptionErrorFactory = (field: string, message: string) => Error;

/**
 * Validates `input` against `schema` (unknown top-level keys rejected; use
 * z.strictObject for nested objects) and returns the
 * parsed value with defaults filled in; throws `makeError(field, message)`
 * for the first problem found. `schema` may be a `lazy` getter: it is not
 * built (nor zod loaded) for an input marked by `markValidated`.
 */
export function parseOptions<S extends z.ZodObject>(schemaOrGetter: S | (() => S), input: unknown, makeError: OptionErrorFactory): z.output<S> {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw makeError('options', `must be an object, got ${describeValue(input)}`);
  }
  if (prevalidated.has(input)) return input as z.output<S>;
  const schema = typeof schemaOrGetter === 'function' ? schemaOrGetter() : schemaOrGetter;
  const known = Object.keys(schema.shape);
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw makeError(key, `unknown option${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    // A nested z.strictObject: its path names the parent.
    const key = issue.keys[0]!;
    throw makeError([...issue.path.map(String), key].join('.'), 'unknown option');
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'options';
  const got = valueAt(input, issue.path);
  throw makeError(field, `${issue.message}, got ${describeValue(got)}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A short, secret-free description of a bad value (strings are not echoed: they may be credentials). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null || v === undefined) {
    return String(v);
  }
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'function' ? 'a function' : 'an object';
}

/** The known key closest to `key` (case-insensitive edit distance <= 2), if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
