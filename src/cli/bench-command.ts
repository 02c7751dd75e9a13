/**
 * `settrade-feed bench [SUITE...]`: runs the benchmark suites in `bench/`
 * (decode, dispatcher, client), each in its own Node process through tsx so
 * one suite's JIT state and heap never colour another's numbers. The suites
 * live in the repository, not the npm package: run this from a clone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliUsageError, parseCommandArgs } from './args.js';

/** The suites, in the order `bench` with no argument runs them. */
export const BENCH_SUITES = ['decode', 'dispatcher', 'client'] as const;

/** Help text of `settrade-feed bench`. */
export const BENCH_HELP = `Usage: settrade-feed bench [SUITE...] [--list] [-- SUITE-ARGS...]

Runs benchmark suites from bench/ (a repository checkout with dev dependencies):
  ${BENCH_SUITES.join(', ')} (default: all of them, one process each)
Arguments after -- are passed to every suite (e.g. -- --out bench/results/after.json).
`;

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Path of a suite's entry file. */
export function benchSuitePath(suite: string): string {
  return fileURLToPath(new URL(`bench/${suite}.ts`, `file://${packageRoot}`));
}

/** Runs the `bench` subcommand; resolves to the process exit code. */
export async function runBenchCommand(argv: readonly string[]): Promise<number> {
  const dashDash = argv.indexOf('--');
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
  const passThrough = dashDash === -1 ? [] : argv.slice(dashDash + 1);
  const { values, positionals } = parseCommandArgs('bench', own, { list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  if (values.list) {
    for (const suite of BENCH_SUITES) process.stdout.write(`${suite}${existsSync(benchSuitePath(suite)) ? '' : ' (missing)'}\n`);
    return 0;
  }
  const suites = positionals.length > 0 ? positionals : [...BENCH_SUITES];
  for (const suite of suites) {
    if (!(BENCH_SUITES as readonly string[]).includes(suite)) {
      throw new CliUsageError(`bench: unknown suite '${suite}' (known: ${BENCH_SUITES.join(', ')})`);
    }
    if (!existsSync(benchSuitePath(suite))) {
      throw new CliUsageError(`bench: ${benchSuitePath(suite)} not found; benchmarks run from a repository checkout, not the npm package`);
    }
  }
  let failed = 0;
  for (const suite of suites) {
    process.stderr.write(`\n=== bench ${suite}\n`);
    const code = await runSuite(suite, passThrough);
    if (code !== 0) {
      process.stderr.write(`bench ${suite} exited with code ${code}\n`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

function runSuite(suite: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', benchSuitePath(suite), ...args], {
      cwd: packageRoot,
      stdio: 'inherit',
    });
    child.on('error', (err) => {
      process.stderr.write(`bench ${suite}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
