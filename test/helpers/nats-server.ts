/**
 * Runs a real nats-server with JetStream for a test: a free loopback port and
 * a temporary store directory. `kill9()` simulates a crash; `start()` brings
 * it back on the same port with the same store (the stream survives).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { findSystemBinary, missingMessage } from './system-binary.js';

/** The nats-server binary. */
export const natsServerBinary = findSystemBinary('nats-server', 'apt-get install nats-server');

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

export class NatsServer {
  readonly port: number;
  readonly #dir: string;
  #proc: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
    this.#dir = mkdtempSync(join(tmpdir(), 'settrade-nats-'));
    writeFileSync(join(this.#dir, 'nats.conf'), `listen: 127.0.0.1:${port}\njetstream {\n  store_dir: "${join(this.#dir, 'store')}"\n}\n`);
  }

  /** `nats://127.0.0.1:PORT`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a fresh port and waits until it accepts connections. */
  static async launch(): Promise<NatsServer> {
    if (natsServerBinary.path === undefined) throw new Error(missingMessage(natsServerBinary));
    const m = new NatsServer(await freePort());
    await m.start();
    return m;
  }

  /** (Re)starts the server on the same port and store, and waits until it listens. */
  async start(): Promise<void> {
    if (this.#proc) throw new Error('already running');
    const bin = natsServerBinary.path;
    if (bin === undefined) throw new Error(missingMessage(natsServerBinary));
    let stderr = '';
    const proc = spawn(bin, ['-js', '-c', join(this.#dir, 'nats.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    this.#proc = proc;
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`nats-server exited early (code ${code}): ${stderr}`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (proc.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error('nats-server did not start listening');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL (a crash); resolves when the process is gone. */
  async kill9(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** Deletes the JetStream store (call while stopped): the next start has no streams. */
  wipeStore(): void {
    if (this.#proc) throw new Error('stop the server first');
    rmSync(join(this.#dir, 'store'), { recursive: true, force: true });
  }

  /** Stops the server and removes its store. */
  async stop(): Promise<void> {
    await this.kill9();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
