import { describe, expect, it } from 'vitest';
import { PublishFastPath } from '../src/transport/publish-fast-path.js';
import { packet, payloadOf, pingresp, publish, suback } from './helpers/mqtt-wire.js';

interface Run {
  fast: PublishFastPath;
  delivered: { topic: string; payload: Buffer }[];
  /** Every write to MQTT.js, in order (copies). */
  writes: Buffer[];
  /** Deliveries and writes interleaved: 'D' + topic, or 'W' + hex. */
  log: string[];
  busy: boolean;
}

function fastPath(topics: string[]): Run {
  const run: Run = { fast: new PublishFastPath(() => undefined), delivered: [], writes: [], log: [], busy: false };
  run.fast = new PublishFastPath((topic, payload) => {
    run.delivered.push({ topic, payload: Buffer.from(payload) });
    run.log.push('D' + topic);
  });
  run.fast.setInput({
    write: (bytes) => {
      run.writes.push(Buffer.from(bytes));
      run.log.push('W' + bytes.toString('hex'));
    },
    idle: () => !run.busy,
  });
  for (const t of topics) run.fast.add(t);
  run.fast.active = true;
  return run;
}

function feed(run: Run, chunks: Buffer[]): Run {
  for (const c of chunks) run.fast.process(c);
  return run;
}

const AOT = 'proto/topic/bidofferv3/AOT';
const PTT = 'proto/topic/bidofferv3/PTT';

describe('PublishFastPath', () => {
  // A stream mixing routed packets with everything that must reach MQTT.js.
  const routed = [
    { topic: AOT, payload: payloadOf(40, 1) },
    { topic: PTT, payload: payloadOf(300, 2) }, // two-byte remaining length
    { topic: AOT, payload: payloadOf(20_000, 3) }, // three-byte remaining length
    { topic: PTT, payload: new Uint8Array(0) },
  ];
  const others = [suback(1), publish(AOT, payloadOf(9, 4), 1), publish('proto/topic/bidofferv3/KBANK', payloadOf(12, 5)), pingresp()];
  const stream = Buffer.concat([
    others[0]!,
    publish(routed[0]!.topic, routed[0]!.payload),
    publish(routed[1]!.topic, routed[1]!.payload),
    others[1]!,
    others[2]!,
    publish(routed[2]!.topic, routed[2]!.payload),
    others[3]!,
    publish(routed[3]!.topic, routed[3]!.payload),
  ]);
  const expectedPassed = Buffer.concat(others);

  function check(run: Run): void {
    expect(run.delivered.map((d) => d.topic)).toEqual(routed.map((r) => r.topic));
    run.delivered.forEach((d, i) => expect(d.payload.equals(Buffer.from(routed[i]!.payload))).toBe(true));
    expect(Buffer.concat(run.writes).equals(expectedPassed)).toBe(true);
    // In stream order: each delivery after the writes of every packet before it, and before the later ones.
    const merged: string[] = [];
    for (const l of run.log) {
      if (l.startsWith('W') && merged.length > 0 && merged[merged.length - 1]!.startsWith('W')) merged[merged.length - 1] += l.slice(1);
      else merged.push(l);
    }
    const hex = (b: Buffer): string => b.toString('hex');
    expect(merged).toEqual(['W' + hex(others[0]!), 'D' + AOT, 'D' + PTT, 'W' + hex(others[1]!) + hex(others[2]!), 'D' + AOT, 'W' + hex(others[3]!), 'D' + PTT]);
  }

  it('takes QoS 0 PUBLISH of its topics and writes every other packet on, in order, byte for byte', () => {
    check(feed(fastPath([AOT, PTT]), [stream]));
  });

  it('gives the same result however the stream is cut into chunks', () => {
    for (let cut = 1; cut < stream.length; cut += cut < 400 ? 1 : 997) {
      check(feed(fastPath([AOT, PTT]), [stream.subarray(0, cut), stream.subarray(cut)]));
    }
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 200; trial++) {
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < stream.length; ) {
        const n = 1 + rand(trial % 2 === 0 ? 8 : 4000);
        chunks.push(stream.subarray(pos, pos + n));
        pos += n;
      }
      check(feed(fastPath([AOT, PTT]), chunks));
    }
  });

  it('gives any packet but a well-framed PUBLISH a write of its own, so an error in it cannot hide the packets before it', () => {
    const run = feed(fastPath([AOT]), [Buffer.concat(others)]);
    // SUBACK alone; the QoS 1 and the unsubscribed PUBLISH share one write; PINGRESP alone.
    const hex = others.map((o) => o.toString('hex'));
    expect(run.writes.map((w) => w.toString('hex'))).toEqual([hex[0], hex[1]! + hex[2]!, hex[3]]);
  });

  it('writes the PUBLISH packets for MQTT.js one by one when a routed one follows them, so it is delivered after they were handled', () => {
    const run = fastPath([AOT]);
    const kbank = [publish('proto/topic/bidofferv3/KBANK', payloadOf(4, 1)), publish('proto/topic/bidofferv3/KBANK', payloadOf(4, 2))];
    const mine = publish(AOT, payloadOf(4, 3));
    // Each write keeps MQTT.js busy while it has more than one packet to handle (MQTT.js handles one per tick).
    run.fast.setInput({
      write: (bytes) => {
        run.writes.push(Buffer.from(bytes));
        run.log.push('W' + bytes.toString('hex'));
        run.busy = bytes.length > kbank[0]!.length;
      },
      idle: () => !run.busy,
    });
    feed(run, [Buffer.concat([...kbank, mine])]);
    expect(run.log).toEqual(['W' + kbank[0]!.toString('hex'), 'W' + kbank[1]!.toString('hex'), 'D' + AOT]);
  });

  it('writes everything on while inactive, and a removed or wildcard topic goes to MQTT.js', () => {
    const inactive = fastPath([AOT, PTT]);
    inactive.fast.active = false;
    feed(inactive, [stream]);
    expect(inactive.delivered).toEqual([]);
    expect(Buffer.concat(inactive.writes).equals(stream)).toBe(true);

    const removed = fastPath([AOT, PTT, 'proto/topic/bidofferv3/+']);
    removed.fast.remove(PTT);
    const msgs = [publish(AOT, payloadOf(5, 6)), publish(PTT, payloadOf(5, 7)), publish('proto/topic/bidofferv3/SCB', payloadOf(5, 8))];
    feed(removed, [Buffer.concat(msgs)]);
    expect(removed.delivered.map((d) => d.topic)).toEqual([AOT]);
    expect(Buffer.concat(removed.writes).equals(Buffer.concat(msgs.slice(1)))).toBe(true);
  });

  it('while MQTT.js is still busy with earlier packets, a routable PUBLISH goes to MQTT.js too (it cannot overtake)', () => {
    const run = fastPath([AOT]);
    const a = publish(AOT, payloadOf(3, 1));
    const b = publish(AOT, payloadOf(3, 2));
    run.busy = true;
    feed(run, [a]);
    expect(run.delivered).toEqual([]);
    expect(run.writes.map((w) => w.toString('hex'))).toEqual([a.toString('hex')]);
    run.busy = false;
    feed(run, [b]);
    expect(run.delivered.map((d) => Buffer.from(d.payload).toString('hex'))).toEqual([Buffer.from(payloadOf(3, 2)).toString('hex')]);
  });

  it('after stop() nothing is delivered or written, even in the middle of a chunk', () => {
    const run = fastPath([AOT]);
    run.fast.setInput({
      write: (bytes) => {
        run.writes.push(Buffer.from(bytes));
        run.fast.stop(); // what the session does when MQTT.js reports a parse error
      },
      idle: () => true,
    });
    const bad = suback(1, 0x05); // invalid return code: only MQTT.js's parser knows
    feed(run, [Buffer.concat([publish(AOT, payloadOf(2, 1)), bad, publish(AOT, payloadOf(2, 2)), pingresp()]), publish(AOT, payloadOf(2, 3))]);
    expect(run.delivered.length).toBe(1);
    expect(run.writes.map((w) => w.toString('hex'))).toEqual([bad.toString('hex')]);
  });

  it('when it cannot frame the stream (bad header, overlong length, topic past the end) it routes nothing more and writes everything on', () => {
    const cases: [string, Buffer][] = [
      ['overlong remaining length', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00])],
      ['QoS 3', packet(0x36, [0, 1, 0x61])],
      ['bad SUBACK flags', Buffer.from([0x92, 0x03, 0, 1, 0])],
      ['reserved type 0', packet(0x00, [1, 2])],
      ['PUBLISH shorter than a topic length', packet(0x30, [0])],
      ['topic length past the packet end', packet(0x30, [0, 200, 0x61, 0x62])],
    ];
    for (const [what, bad] of cases) {
      for (const split of [0, 1, 2, 3]) {
        const run = fastPath([AOT, 'ab']);
        const good = publish(AOT, payloadOf(4, 1));
        const after = Buffer.concat([bad, good, good]);
        const chunks = split === 0 ? [good, after] : [good, after.subarray(0, split), after.subarray(split)];
        feed(run, chunks);
        expect(run.delivered.length, what).toBe(1);
        expect(Buffer.concat(run.writes).equals(after), what).toBe(true);
      }
    }
  });

  it('counts no copies for packets whole in a chunk', () => {
    const run = feed(fastPath([AOT]), [stream]);
    expect(run.fast.bytesCopied).toBe(0);
  });
});
