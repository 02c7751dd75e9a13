/**
 * The soak's handle on a simulator running in a worker thread
 * (soak-sim-worker.ts): each call is a message answered by the worker.
 */
import type { Worker } from 'node:worker_threads';
import type { MarketPhase, SimAccounting, SimulatorCredentials, SimulatorOptions } from '../sim/index.js';
import { resolveWorkerScript, startModuleWorker } from '../util/worker-script.js';

/** A call into the worker. */
export type SimCall =
  | { method: 'setPhase'; phase: MarketPhase }
  | { method: 'setRatePerSymbol'; rate: number }
  | { method: 'burst'; rate: number; ms: number }
  | { method: 'dropConnections' | 'expireTokens' | 'totals' | 'accounting' | 'stop' }
  | { method: 'stallSymbol'; symbol: string; ms: number }
  | { method: 'stallFeed'; ms: number }
  | { method: 'publishMalformed'; count: number };

/** Messages from the worker. */
export type SimFromWorker =
  | { type: 'ready'; baseUrl: string; credentials: SimulatorCredentials }
  | { type: 'failed'; error: string }
  | { type: 'result'; id: number; value?: unknown; error?: string }
  | { type: 'event'; name: 'subscribed'; symbol: string }
  | { type: 'event'; name: 'burstEnd' };

/** Published total and the simulator thread's process CPU reading. */
export interface SimTotals {
  published: number;
  /** Open MQTT connections. */
  connections: number;
  cpu: NodeJS.CpuUsage;
}

/** A simulator in a worker thread. */
export class RemoteSimulator {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = { subscribed: [] as Array<(s: string) => void>, burstEnd: [] as Array<() => void> };

  private constructor(
    private readonly worker: Worker,
    /** `http://127.0.0.1:<port>`. */
    readonly baseUrl: string,
    /** Login credentials of the simulator's app. */
    readonly credentials: SimulatorCredentials,
  ) {
    worker.on('message', (m: SimFromWorker) => {
      if (m.type === 'result') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.value);
      } else if (m.type === 'event') {
        if (m.name === 'subscribed') for (const l of this.listeners.subscribed) l(m.symbol);
        else for (const l of this.listeners.burstEnd) l();
      }
    });
  }

  /** Starts the worker and its simulator. */
  static async start(options: SimulatorOptions): Promise<RemoteSimulator> {
    const worker = startModuleWorker(resolveWorkerScript(import.meta.url, 'soak-sim-worker'), { workerData: options });
    const ready = await new Promise<SimFromWorker>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (ready.type !== 'ready') {
      await worker.terminate();
      throw new Error(`simulator worker: ${ready.type === 'failed' ? ready.error : 'did not start'}`);
    }
    return new RemoteSimulator(worker, ready.baseUrl, ready.credentials);
  }

  /** Listens to an event of the simulator. */
  on(event: 'subscribed', fn: (symbol: string) => void): void;
  on(event: 'burstEnd', fn: () => void): void;
  on(event: 'subscribed' | 'burstEnd', fn: ((symbol: string) => void) | (() => void)): void {
    if (event === 'subscribed') this.listeners.subscribed.push(fn as (s: string) => void);
    else this.listeners.burstEnd.push(fn as () => void);
  }

  /** Calls the worker. */
  call<T = unknown>(c: SimCall): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, call: c });
    });
  }

  totals(): Promise<SimTotals> {
    return this.call<SimTotals>({ method: 'totals' });
  }

  accounting(): Promise<SimAccounting> {
    return this.call<SimAccounting>({ method: 'accounting' });
  }

  /** Stops the simulator and ends the worker. */
  async stop(): Promise<void> {
    await this.call({ method: 'stop' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
