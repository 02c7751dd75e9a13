/**
 * Runs a real mosquitto broker for a test: a generated config listening on a
 * free loopback port, anonymous access, no persistence. `kill9()` simulates a
 * crash; `start()` brings it back on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { findSystemBinary, missingMessage } from './system-binary.js';

/** The mosquitto binary (Debian installs it in /usr/sbin). */
export const mosquittoBinary = findSystemBinary('mosquitto', 'apt-get install mosquitto');

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

export class Mosquitto {
  readonly port: number;
  readonly #dir: string;
  #proc: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
    this.#dir = mkdtempSync(join(tmpdir(), 'settrade-mosq-'));
    writeFileSync(
      join(this.#dir, 'mosquitto.conf'),
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`,
    );
  }

  /** Starts a broker on a fresh port and waits until it accepts connections. */
  static async launch(): Promise<Mosquitto> {
    if (mosquittoBinary.path === undefined) throw new Error(missingMessage(mosquittoBinary));
    const m = new Mosquitto(await freePort());
    await m.start();
    return m;
  }

  /** (Re)starts the broker on the same port and waits until it listens. */
  async start(): Promise<void> {
    if (this.#proc) throw new Error('already running');
    const bin = mosquittoBinary.path;
    if (bin === undefined) throw new Error(missingMessage(mosquittoBinary));
    const proc = spawn(bin, ['-c', join(this.#dir, 'mosquitto.conf')], { stdio: 'ignore' });
    this.#proc = proc;
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`mosquitto exited early (code ${code})`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (proc.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error('mosquitto did not start listening');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL (a crash, no clean DISCONNECTs); resolves when the process is gone. */
  async kill9(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** Stops the broker and removes its config. */
  async stop(): Promise<void> {
    await this.kill9();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
