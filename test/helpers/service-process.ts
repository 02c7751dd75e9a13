/**
 * A system service (mosquitto, nats-server) run for a test: a free loopback
 * port, a temporary directory for its config and data, start/kill -9/restart
 * on the same port, and removal of the directory on stop. Subclasses say how
 * to configure and start their binary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingMessage, type SystemBinary } from './system-binary.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export abstract class ServiceProcess {
  /** The directory holding the service's config and data (removed by `stop()`). */
  protected readonly dir: string;
  readonly #name: string;
  readonly #path: string;
  #proc: ChildProcess | null = null;

  protected constructor(
    binary: SystemBinary,
    readonly port: number,
  ) {
    if (binary.path === undefined) throw new Error(missingMessage(binary));
    this.#name = binary.name;
    this.#path = binary.path;
    this.dir = mkdtempSync(join(tmpdir(), `settrade-${binary.name}-`));
  }

  /** Command-line arguments of the binary (its config is in `dir`). */
  protected abstract args(): string[];

  /** Whether the service is running. */
  get running(): boolean {
    return this.#proc !== null;
  }

  /** (Re)starts the service on the same port and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.#proc) throw new Error('already running');
    const name = this.#name;
    let stderr = '';
    const proc = spawn(this.#path, this.args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    this.#proc = proc;
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`${name} exited early (code ${code}): ${stderr}`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (proc.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`${name} did not start listening`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL (a crash, no clean goodbyes); resolves when the process is gone. */
  async kill9(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** Stops the service and removes its directory. */
  async stop(): Promise<void> {
    await this.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
