/**
 * Runs a real mosquitto broker for a test: a generated config listening on a
 * free loopback port, anonymous access, no persistence. `kill9()` simulates a
 * crash; `start()` brings it back on the same port.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './net.js';
import { ServiceProcess } from './service-process.js';
import { findSystemBinary } from './system-binary.js';

/** The mosquitto binary (Debian installs it in /usr/sbin). */
export const mosquittoBinary = findSystemBinary('mosquitto', 'apt-get install mosquitto');

export class Mosquitto extends ServiceProcess {
  private constructor(port: number) {
    super(mosquittoBinary, port);
    writeFileSync(join(this.dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  }

  protected args(): string[] {
    return ['-c', join(this.dir, 'mosquitto.conf')];
  }

  /** Starts a broker on a fresh port and waits until it accepts connections. */
  static async launch(): Promise<Mosquitto> {
    const m = new Mosquitto(await freePort());
    await m.start();
    return m;
  }
}
