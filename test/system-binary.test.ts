/**
 * A suite that needs a system service skips visibly where the binary is
 * missing, and fails under CI=true: runs vitest on the mosquitto suite with
 * the binary hidden (SETTRADE_TEST_MOSQUITTO_BIN pointing nowhere).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function runMosquittoSuite(ci: boolean): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, SETTRADE_TEST_MOSQUITTO_BIN: '/nonexistent/mosquitto' };
  delete env.CI;
  if (ci) env.CI = 'true';
  const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'js', 'test/mosquitto.test.ts'], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('a test needing a missing system binary', () => {
  it('is skipped with the install hint outside CI, and the run passes', () => {
    const { status, output } = runMosquittoSuite(false);
    expect(output).toContain('mosquitto is not installed: install it with `apt-get install mosquitto`');
    expect(output).toMatch(/1 skipped/);
    expect(status).toBe(0);
  });

  it('fails the run under CI=true', () => {
    const { status, output } = runMosquittoSuite(true);
    expect(output).toContain('CI=true makes a missing service a failure');
    expect(status).toBe(1);
  });
});
