/**
 * Temporary directories for one test file, removed after each test: call
 * once at module level, then `tmp()` in a test for a fresh directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** A maker of fresh directories named `prefix…` (under `base`, default the OS temp directory), each removed after its test. */
export function tempDirs(prefix: string): (base?: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return (base = tmpdir()) => {
    const d = mkdtempSync(join(base, prefix));
    dirs.push(d);
    return d;
  };
}
