/**
 * One way to validate an options object, shared by every component: a zod
 * object schema gives the type, the defaults and the checks from one
 * definition; `parseOptions` runs it strictly (unknown keys are errors, with
 * a "did you mean" when a known key is close) and turns the first problem
 * into the component's own error, naming the field.
 */
import { z } from 'zod';
import type { Logger } from './logger.js';

/** Largest delay Node's timers accept; a larger one silently becomes 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** An integer number of milliseconds a timer can wait: 0 to 2^31 - 1. */
export const msSchema = z.number().int().min(0).max(MAX_TIMER_MS);

/** A logger with the pino call shape: all four methods are required. */
export const loggerSchema = z.custom<Logger>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  { message: 'must have debug, info, warn and error methods' },
);

/** Builds the component's error for `field` (a dotted path, or 'options'). */
export type OptionErrorFactory = (field: string, message: string) => Error;

/**
 * Validates `input` against `schema` (unknown top-level keys rejected; use
 * z.strictObject for nested objects) and returns the
 * parsed value with defaults filled in; throws `makeError(field, message)`
 * for the first problem found.
 */
export function parseOptions<S extends z.ZodObject>(schema: S, input: unknown, makeError: OptionErrorFactory): z.output<S> {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw makeError('options', `must be an object, got ${describeValue(input)}`);
  }
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
