/**
 * Tests that need a system service (mosquitto, nats-server, ...). When its
 * binary is missing the suite is skipped visibly, with what is missing and
 * how to install it; under CI (`CI=true`) a missing binary fails instead, so
 * CI can never pass by skipping. `SETTRADE_TEST_<NAME>_BIN` overrides where the
 * binary is looked for (a path that does not exist hides it, which is how the
 * skip itself is tested).
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/** A system binary some tests need. */
export interface SystemBinary {
  /** Command name, e.g. 'mosquitto'. */
  readonly name: string;
  /** Absolute path when installed, else undefined. */
  readonly path: string | undefined;
  /** How to install it, e.g. 'apt-get install mosquitto'. */
  readonly installHint: string;
}

function envKey(name: string): string {
  return `SETTRADE_TEST_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BIN`;
}

/** Looks `name` up in the override variable, then PATH, then the sbin directories. */
export function findSystemBinary(name: string, installHint: string): SystemBinary {
  const override = process.env[envKey(name)];
  if (override !== undefined) return { name, path: existsSync(override) ? override : undefined, installHint };
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  const path = dirs.filter((d) => d !== '').map((d) => join(d, name)).find((p) => existsSync(p));
  return { name, path, installHint };
}

/** True when a missing binary must fail the run (CI) rather than skip. */
export const missingBinaryFails = process.env.CI === 'true' || process.env.CI === '1';

/** The message shown for a missing binary. */
export function missingMessage(bin: SystemBinary): string {
  return `${bin.name} is not installed: install it with \`${bin.installHint}\` (or set ${envKey(bin.name)})`;
}

/**
 * `describe(title, body)` when `bin` is installed. Otherwise one test stands
 * in for the suite: skipped with the install hint in its name and its skip
 * note, or, under CI, failing with the same message.
 */
export function describeWithBinary(bin: SystemBinary, title: string, body: () => void): void {
  if (bin.path !== undefined) {
    describe(title, body);
    return;
  }
  const message = missingMessage(bin);
  describe(title, () => {
    if (missingBinaryFails) {
      it(`needs ${bin.name}`, () => {
        throw new Error(`${message}; CI=true makes a missing service a failure, not a skip`);
      });
    } else {
      process.stderr.write(`\n[skipped] ${title}: ${message}\n`);
      it.skip(`SKIPPED: ${message}`, () => {});
    }
  });
}
