/**
 * Runs the CLI from its TypeScript sources in a child process (node --import
 * tsx src/cli/main.ts), so the tests always exercise the current code; the
 * published launcher (bin/ over dist/) is the same `main()`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** tsx's loader as an absolute URL, so the child may run in any cwd. */
export const tsxLoader = import.meta.resolve('tsx');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Called once stdout contains this text (e.g. to send SIGINT). */
  readonly onOutput?: { readonly match: RegExp; readonly then: (child: ReturnType<typeof spawn>) => void };
}

/** The argv that starts the CLI from sources. */
export function cliCommand(args: readonly string[]): string[] {
  return [process.execPath, '--import', tsxLoader, cliEntry, ...args];
}

/** Runs the CLI to completion and collects its output. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const [node, ...rest] = cliCommand(args);
  return new Promise((resolve, reject) => {
    const child = spawn(node!, rest, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let fired = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!fired && options.onOutput && options.onOutput.match.test(stdout)) {
        fired = true;
        options.onOutput.then(child);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI ${args.join(' ')} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The environment without any SETTRADE_* credential variable. */
export function envWithoutCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SETTRADE_APP') && k !== 'SETTRADE_BROKER_ID' && k !== 'SETTRADE_BASE_URL') env[k] = v;
  return env;
}
