/**
 * A minimal MQTT 3.1.1 server for client benchmarks: answers CONNECT with
 * CONNACK, SUBSCRIBE with SUBACK, UNSUBSCRIBE with UNSUBACK, PINGREQ with
 * PINGRESP, and after the first SUBACK of a connection streams `total`
 * pre-encoded QoS 0 PUBLISH frames in large writes (respecting socket
 * backpressure). Brokers are the bottleneck on small machines (mosquitto
 * ~35k msg/s here), so this isolates the client side.
 *
 * Usable in-process (`startReplayServer`), in a worker thread
 * (`startReplayServerWorker`, so streaming does not share the client's event
 * loop), or in a child process (`startReplayServerProcess`, so the client
 * process's `process.cpuUsage()` counts the client alone).
 */
import { fork } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startModuleWorker } from '../src/util/worker-script.js';
import { publish } from '../test/helpers/mqtt-wire.js';

/** One message to replay. */
export interface ReplayMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** Options of the replay server. */
export interface ReplayOptions {
  /** Messages replayed in a cycle. */
  readonly messages: readonly ReplayMessage[];
  /** Frames sent per connection, then the stream stops (the connection stays open). */
  readonly total: number;
  /** Frames per socket write. */
  readonly framesPerWrite?: number;
}

/** Encodes a QoS 0 PUBLISH packet (the tests' spec-built encoder). */
export function publishFrame(topic: string, payload: Uint8Array): Buffer {
  return publish(topic, payload);
}

/** A buffer of `n` frames cycling through `frames`, and where each frame ends. */
function buildChunk(frames: Buffer[], n: number, start: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) parts.push(frames[(start + i) % frames.length] as Buffer);
  return Buffer.concat(parts);
}

class Connection {
  #buf: Buffer = Buffer.alloc(0);
  #streaming = false;

  constructor(
    private readonly socket: Socket,
    private readonly frames: Buffer[],
    private readonly total: number,
    private readonly framesPerWrite: number,
    private readonly chunk: Buffer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d) => this.#onData(d));
    socket.on('error', () => socket.destroy());
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    for (;;) {
      if (this.#buf.length < 2) return;
      let mult = 1;
      let len = 0;
      let i = 1;
      let byte: number;
      do {
        if (i >= this.#buf.length) return;
        byte = this.#buf[i++] as number;
        len += (byte & 0x7f) * mult;
        mult *= 128;
      } while (byte & 0x80);
      if (this.#buf.length < i + len) return;
      const type = (this.#buf[0] as number) >> 4;
      const body = this.#buf.subarray(i, i + len);
      this.#buf = this.#buf.subarray(i + len);
      this.#packet(type, body);
    }
  }

  #packet(type: number, body: Buffer): void {
    switch (type) {
      case 1: // CONNECT
        this.socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        break;
      case 8: {
        // SUBSCRIBE: packet id, then (topic, qos) pairs
        let n = 0;
        for (let off = 2; off + 2 <= body.length; ) {
          off += 2 + body.readUInt16BE(off) + 1;
          n++;
        }
        this.socket.write(Buffer.from([0x90, 2 + n, body[0] as number, body[1] as number, ...new Array<number>(n).fill(0)]));
        if (!this.#streaming) {
          this.#streaming = true;
          setImmediate(() => this.#stream(0));
        }
        break;
      }
      case 10: // UNSUBSCRIBE
        this.socket.write(Buffer.from([0xb0, 0x02, body[0] as number, body[1] as number]));
        break;
      case 12: // PINGREQ
        this.socket.write(Buffer.from([0xd0, 0x00]));
        break;
      case 14: // DISCONNECT
        this.socket.end();
        break;
    }
  }

  #stream(sent: number): void {
    while (sent < this.total && !this.socket.destroyed) {
      const n = Math.min(this.framesPerWrite, this.total - sent);
      // The pre-built chunk starts at frame 0; framesPerWrite is a multiple of the cycle when possible.
      const buf = n === this.framesPerWrite && sent % this.frames.length === 0 ? this.chunk : buildChunk(this.frames, n, sent);
      sent += n;
      if (!this.socket.write(buf)) {
        this.socket.once('drain', () => this.#stream(sent));
        return;
      }
    }
  }
}

/** A running replay server. */
export interface ReplayServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (OS-chosen port) in this thread. */
export function startReplayServer(opts: ReplayOptions): Promise<ReplayServer> {
  const frames = opts.messages.map((m) => publishFrame(m.topic, m.payload));
  // A write is a whole number of cycles so the same pre-built chunk can be reused.
  const per = Math.max(frames.length, Math.round((opts.framesPerWrite ?? 2048) / frames.length) * frames.length);
  const chunk = buildChunk(frames, per, 0);
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    new Connection(s, frames, opts.total, per, chunk);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Starts the server in a worker thread (its own event loop and core). */
export async function startReplayServerWorker(opts: ReplayOptions): Promise<ReplayServer> {
  const workerData = { replay: { messages: opts.messages.map((m) => ({ topic: m.topic, payload: m.payload })), total: opts.total, framesPerWrite: opts.framesPerWrite } };
  const worker = startModuleWorker(new URL(import.meta.url), { workerData });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  return {
    port,
    close: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Starts the server in a child process (forked with this process's
 * execArgv, so under tsx too); messages go over IPC with the structured
 * clone ('advanced' serialization keeps the Uint8Arrays).
 */
export async function startReplayServerProcess(opts: ReplayOptions): Promise<ReplayServer> {
  const child = fork(new URL(import.meta.url), ['--replay-server-child'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`replay server process exited (${String(code)})`)));
    child.send({ replay: { messages: opts.messages.map((m) => ({ topic: m.topic, payload: m.payload })), total: opts.total, framesPerWrite: opts.framesPerWrite } });
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

if (process.argv.includes('--replay-server-child') && process.send !== undefined) {
  process.once('message', (m) => {
    void startReplayServer((m as { replay: ReplayOptions }).replay).then((s) => process.send?.({ port: s.port }));
  });
}

if (!isMainThread && (workerData as { replay?: ReplayOptions } | null)?.replay) {
  const opts = (workerData as { replay: ReplayOptions }).replay;
  void startReplayServer(opts).then((s) => parentPort?.postMessage({ port: s.port }));
}
