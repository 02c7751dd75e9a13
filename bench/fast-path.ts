/**
 * The PUBLISH fast path against MQTT.js alone, side by side in one run, on
 * the same bytes cut into the same chunks and pushed through a real MQTT.js
 * client (its Writable, mqtt-packet parser and handlers) over an in-memory
 * stream, so only the receive path is measured:
 *
 *   big-8MB    one 8 MB QoS 0 PUBLISH in 16 KiB chunks (ms to delivery)
 *   big-16MB   one 16 MB QoS 0 PUBLISH in 16 KiB chunks
 *   small      200-byte-payload PUBLISHes in 16 KiB chunks (messages/s), routed
 *   small-other the same on a topic not subscribed (all of it goes to MQTT.js:
 *              the fast path's cost when it cannot help)
 *
 *   npx tsx bench/fast-path.ts [--runs 7] [--small 200000] [--json out.json]
 */
import { publish } from '../test/helpers/mqtt-wire.js';
import { MqttClient } from 'mqtt';
import { Duplex } from 'node:stream';
import { PublishFastPath } from '../src/transport/publish-fast-path.js';
import { readThrough } from '../src/transport/session.js';
import { argValue, summarize, writeJson, type Summary } from './lib/stats.js';

const RUNS = Number(argValue('runs') ?? '7');
const SMALL = Number(argValue('small') ?? '200000');
const JSON_OUT = argValue('json');
const TOPIC = 'proto/topic/bidofferv3/AOT';
const CHUNK = 16 * 1024;

function chunks(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < stream.length; pos += CHUNK) out.push(stream.subarray(pos, pos + CHUNK));
  return out;
}

type Path = 'mqtt.js' | 'fast path';

/** Pushes `input` through a real MQTT.js client (with or without the fast path); resolves with ms until `expected` messages arrived. */
function once(path: Path, input: Buffer[], expected: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const duplex = new Duplex({
      read() {},
      write(_c, _e, cb) {
        cb(); // CONNECT and the like: discarded
      },
    });
    const client = new MqttClient(() => duplex, { protocolVersion: 4, keepalive: 0, reconnectPeriod: 0, manualConnect: true, connectTimeout: 600_000 });
    let got = 0;
    let t0 = 0n;
    const done = (): void => {
      if (++got !== expected) return;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      client.end(true, {}, () => resolve(ms));
    };
    if (path === 'fast path') {
      const fast = new PublishFastPath(() => done());
      fast.add(TOPIC);
      fast.active = true;
      readThrough(client, fast);
    }
    client.on('message', () => done());
    client.on('error', reject);
    client.connect();
    t0 = process.hrtime.bigint();
    for (const c of input) duplex.push(c);
  });
}

interface CaseResult {
  case: string;
  unit: string;
  mqttjs: Summary;
  fast: Summary;
}

async function compare(name: string, input: Buffer[], expected: number, toFigure: (ms: number) => number, unit: string): Promise<CaseResult> {
  const runs: Record<Path, number[]> = { 'mqtt.js': [], 'fast path': [] };
  for (let w = 0; w < 2; w++) {
    await once('mqtt.js', input, expected); // warm-up, both
    await once('fast path', input, expected);
  }
  for (let r = 0; r < RUNS; r++) {
    // Alternate so drift in the machine's load hits both alike.
    for (const path of (r % 2 === 0 ? ['mqtt.js', 'fast path'] : ['fast path', 'mqtt.js']) as Path[]) {
      runs[path].push(toFigure(await once(path, input, expected)));
    }
  }
  return { case: name, unit, mqttjs: summarize(runs['mqtt.js']), fast: summarize(runs['fast path']) };
}

async function main(): Promise<void> {
  const results: CaseResult[] = [];
  for (const mb of [8, 16]) {
    const pkt = publish(TOPIC, Buffer.alloc(mb * 1024 * 1024, 7));
    results.push(await compare(`big-${mb}MB`, chunks(pkt), 1, (ms) => ms, 'ms'));
  }
  for (const [name, topic] of [
    ['small', TOPIC],
    ['small-other', 'proto/topic/bidofferv3/PTT'],
  ] as const) {
    const one = publish(topic, Buffer.alloc(200, 3));
    const stream = Buffer.concat(Array.from({ length: SMALL }, () => one));
    results.push(await compare(name, chunks(stream), SMALL, (ms) => Math.round(SMALL / (ms / 1000)), 'msg/s'));
  }
  console.log(`fast path vs MQTT.js alone (median of ${RUNS}, alternating; 16 KiB chunks; node ${process.version})`);
  console.log('case          unit     MQTT.js alone    fast path    fast/MQTT.js   best of runs (MQTT.js / fast)   CV (MQTT.js / fast)');
  for (const r of results) {
    const ratio = r.fast.median / r.mqttjs.median;
    const best = (s: Summary): number => (r.unit === 'ms' ? s.min : Math.max(...s.runs));
    console.log(
      `${r.case.padEnd(13)} ${r.unit.padEnd(6)} ${String(r.mqttjs.median).padStart(14)} ${String(r.fast.median).padStart(12)} ${ratio.toFixed(2).padStart(13)}x` +
        `   ${`${best(r.mqttjs)} / ${best(r.fast)}`.padStart(28)}   ${(r.mqttjs.cv * 100).toFixed(0)}% / ${(r.fast.cv * 100).toFixed(0)}%`,
    );
  }
  if (JSON_OUT) writeJson(JSON_OUT, results);
}

void main();
