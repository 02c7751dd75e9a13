/**
 * Runs a real nats-server with JetStream for a test: a free loopback port and
 * a temporary store directory. `kill9()` simulates a crash; `start()` brings
 * it back on the same port with the same store (the stream survives).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './net.js';
import { ServiceProcess } from './service-process.js';
import { findSystemBinary } from './system-binary.js';

/** The nats-server binary. */
export const natsServerBinary = findSystemBinary('nats-server', 'apt-get install nats-server');

export class NatsServer extends ServiceProcess {
  private constructor(port: number) {
    super(natsServerBinary, port);
    writeFileSync(join(this.dir, 'nats.conf'), `listen: 127.0.0.1:${port}\njetstream {\n  store_dir: "${join(this.dir, 'store')}"\n}\n`);
  }

  protected args(): string[] {
    return ['-js', '-c', join(this.dir, 'nats.conf')];
  }

  /** `nats://127.0.0.1:PORT`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a fresh port and waits until it accepts connections. */
  static async launch(): Promise<NatsServer> {
    const m = new NatsServer(await freePort());
    await m.start();
    return m;
  }

  /** Deletes the JetStream store (call while stopped): the next start has no streams. */
  wipeStore(): void {
    if (this.running) throw new Error('stop the server first');
    rmSync(join(this.dir, 'store'), { recursive: true, force: true });
  }
}
