/**
 * Simulator -> client throughput over WebSocket, both sides measured.
 *
 * The simulator runs in a child process (so each side's CPU is its own
 * process's cpuUsage); the client is this process: createFeed (client +
 * adapter in a worker thread by default, `--in-thread` for the main thread)
 * with FullBidOffer events, and a consumer draining the ring on the main
 * thread. Each run is one burst of `--seconds` at `--rate` msg/s over 20
 * symbols; the received rate is what the consumer took out of the ring.
 *
 *   npx tsx bench/sim.ts [--rates 150000,300000,1000000] [--seconds 5] [--runs 3] [--in-thread] [--json out.json]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.js';

const SYMBOLS = ['AOT', 'PTT', 'CPALL', 'ADVANC', 'KBANK', 'SCB', 'BBL', 'DELTA', 'GULF', 'BDMS', 'PTTEP', 'SCC', 'TRUE', 'BH', 'CRC', 'IVL', 'MINT', 'OR', 'TOP', 'BANPU-W5'];

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : def;
}

interface ChildRun {
  published: number;
  delivered: number;
  shed: number;
  achievedRate: number;
  cpuUs: number;
  wallMs: number;
}

type ToChild = { type: 'burst'; rate: number; ms: number } | { type: 'stop' };
type FromChild = { type: 'ready'; baseUrl: string; credentials: Record<string, string> } | ({ type: 'done' } & ChildRun);

async function child(): Promise<void> {
  const { Simulator } = await import('../src/sim/index.js');
  const sim = new Simulator({ symbols: SYMBOLS, ratePerSymbol: 0, tickIntervalMs: 5 });
  const { baseUrl, credentials } = await sim.start();
  const send = (m: FromChild): void => void process.send?.(m);
  send({ type: 'ready', baseUrl, credentials: { ...credentials } });
  process.on('message', (m: ToChild) => {
    if (m.type === 'stop') {
      void sim.stop().then(() => process.exit(0));
      return;
    }
    const shedBefore = sim.stats().shed;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    sim.once('burstEnd', (b) => {
      // Let the last batches reach the kernel before reading the counters.
      setTimeout(() => {
        const cpu = process.cpuUsage(cpu0);
        const b2 = sim.stats().burst ?? b;
        send({
          type: 'done',
          published: b2.published,
          delivered: b2.delivered,
          shed: sim.stats().shed - shedBefore,
          achievedRate: b2.achievedRate,
          cpuUs: cpu.user + cpu.system,
          wallMs: performance.now() - t0,
        });
      }, 100);
    });
    sim.burst(m.rate, m.ms);
  });
}

interface RunResult {
  targetRate: number;
  simPublished: number;
  simShed: number;
  simAchievedRate: number;
  received: number;
  receivedPerSec: number;
  ringDrops: number;
  simCpuUsPerMsg: number;
  simCpuPct: number;
  clientCpuUsPerMsg: number;
  clientCpuPct: number;
}

async function parent(): Promise<void> {
  const rates = arg('rates', '150000,300000').split(',').map(Number);
  const seconds = Number(arg('seconds', '5'));
  const runs = Number(arg('runs', '3'));
  const inThread = process.argv.includes('--in-thread');
  const jsonOut = process.argv.includes('--json') ? arg('json', '') : '';
  const { createFeed } = await import('../src/feed/index.js');
  const { silentLogger } = await import('../src/util/logger.js');
  const { backend } = await import('../src/native.js');

  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const fromChild = (): Promise<FromChild> => new Promise((resolve) => proc.once('message', (m) => resolve(m as FromChild)));
  const ready = await fromChild();
  if (ready.type !== 'ready') throw new Error('child did not start');
  const feed = await createFeed({
    ...(ready.credentials as { appId: string; appSecret: string; appCode: string; brokerId: string }),
    baseUrl: ready.baseUrl,
    symbols: SYMBOLS,
    fullDepth: true,
    worker: !inThread,
    logger: silentLogger,
  });
  let consumed = 0;
  let running = true;
  const consume = (async () => {
    const d = feed.dispatcher;
    const onView = (): void => {
      consumed++;
    };
    while (running) {
      if (d.drain(onView, 4096) === 0) await d.waitForEvents(50);
    }
  })();
  // Let the subscriptions land.
  await new Promise((r) => setTimeout(r, 500));

  const results: RunResult[] = [];
  for (const rate of rates) {
    for (let r = 0; r < runs; r++) {
      const drops0 = feed.dispatcher.stats().totalDropped;
      const c0 = consumed;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let tLast = t0;
      let cLast = c0;
      const tracker = setInterval(() => {
        if (consumed !== cLast) {
          cLast = consumed;
          tLast = performance.now();
        }
      }, 5);
      proc.send({ type: 'burst', rate, ms: seconds * 1000 } satisfies ToChild);
      const done = await fromChild();
      if (done.type !== 'done') throw new Error('unexpected child message');
      // Wait until the consumer has everything the simulator wrote (published less shed; or it stops moving for 1 s).
      while (consumed - c0 < done.published - done.shed && performance.now() - tLast < 1000) await new Promise((res) => setTimeout(res, 10));
      clearInterval(tracker);
      const cpu = process.cpuUsage(cpu0);
      const received = consumed - c0;
      const wallMs = tLast - t0;
      const res: RunResult = {
        targetRate: rate,
        simPublished: done.published,
        simShed: done.shed,
        simAchievedRate: Math.round(done.achievedRate),
        received,
        receivedPerSec: Math.round((received * 1000) / wallMs),
        ringDrops: feed.dispatcher.stats().totalDropped - drops0,
        simCpuUsPerMsg: +(done.cpuUs / Math.max(1, done.published)).toFixed(3),
        simCpuPct: +((done.cpuUs / 1000 / done.wallMs) * 100).toFixed(1),
        clientCpuUsPerMsg: +((cpu.user + cpu.system) / Math.max(1, received)).toFixed(3),
        clientCpuPct: +(((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100).toFixed(1),
      };
      results.push(res);
      console.log(JSON.stringify(res));
      await new Promise((res2) => setTimeout(res2, 300));
    }
  }
  running = false;
  await consume;
  await feed.shutdown();
  proc.send({ type: 'stop' } satisfies ToChild);
  await new Promise((r) => proc.once('exit', r));

  const summary = rates.map((rate) => {
    const rs = results.filter((x) => x.targetRate === rate);
    return {
      targetRate: rate,
      runs: rs.length,
      receivedPerSecMedian: median(rs.map((x) => x.receivedPerSec)),
      simAchievedRateMedian: median(rs.map((x) => x.simAchievedRate)),
      ringDropsMax: Math.max(...rs.map((x) => x.ringDrops)),
      simShedMax: Math.max(...rs.map((x) => x.simShed)),
      simCpuUsPerMsgMedian: median(rs.map((x) => x.simCpuUsPerMsg)),
      clientCpuUsPerMsgMedian: median(rs.map((x) => x.clientCpuUsPerMsg)),
      simCpuPctMedian: median(rs.map((x) => x.simCpuPct)),
      clientCpuPctMedian: median(rs.map((x) => x.clientCpuPct)),
    };
  });
  console.log(`\nsim -> client (${inThread ? 'in-thread' : 'worker'} feed, backend ${backend}, FullBidOffer, ${seconds}s bursts, ${runs} runs each)`);
  console.table(summary);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), backend, mode: inThread ? 'in-thread' : 'worker', seconds, results, summary }, null, 2));
}

if (process.argv.includes('--child')) await child();
else await parent();
