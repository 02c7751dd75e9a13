/**
 * MESSAGE records framed inside the native push (src/record/native-frame.ts,
 * native/src/record_frame.h) against the JS framing (src/record/format.ts):
 * the same messages, stamps and feed events through a writer the pushes
 * frame for and through one framing everything in JS give byte-identical
 * files (every CRC valid), identical counters, and the same drops and
 * rotations at the pending-bytes and size bounds. Malformed payloads are
 * recorded too. Two writers of one thread take the target from each other
 * without losing or misplacing a record. In the `js` project (no addon) the
 * same checks run with JS framing on both sides.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../src/dispatcher/index.js';
import { nativeBinding } from '../src/native.js';
import { nativeFrameTarget } from '../src/record/native-frame.js';
import { RecordingWriter, recordingFilePath, type RecordingWriterOptions } from '../src/record/writer.js';
import { silentLogger } from '../src/util/logger.js';
import { messagesOf, readRecordingFile } from './helpers/recording-file.js';
import { loadInvalidVectors, loadValidVectors } from './helpers/vectors.js';
import { tempDirs } from './helpers/temp-dirs.js';

const native = nativeBinding !== null;
const valid = loadValidVectors();
const invalid = loadInvalidVectors();

const tmp = tempDirs('stf-recnf-');

interface Msg {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly epoch: number;
  readonly wallNs: bigint;
  readonly monoNs: bigint;
}

/** `n` messages over four topics (one first seen halfway), valid and malformed payloads mixed. */
function messages(n: number): Msg[] {
  return Array.from({ length: n }, (_, i) => {
    const topic = `proto/topic/bidofferv3/S${i < n / 2 ? i % 3 : i % 4}`;
    const payload = i % 17 === 5 ? invalid[i % invalid.length]!.payload : valid[i % valid.length]!.payload;
    return { topic, payload, epoch: 1 + (i >> 9), wallNs: 1_764_000_000_000_000_000n + BigInt(i) * 997n, monoNs: 88_000_000_000n + BigInt(i) * 1_003n };
  });
}

/** The bytes of a recording file after its header (the header's startWallNs differs between two writers). */
function recordBytes(path: string): Buffer {
  const bytes = readFileSync(path);
  return bytes.subarray(20 + bytes.readUInt32LE(12));
}

/**
 * Feeds `msgs` the way the recording tap does: arm, push (the push frames it
 * when armed), and append in JS unless the push framed it. Every 250th
 * message a feed event goes in between. Returns how many the pushes framed.
 */
function record(writer: RecordingWriter, d: Dispatcher, msgs: readonly Msg[]): number {
  let framed = 0;
  msgs.forEach((m, i) => {
    if (i % 250 === 0) writer.feedEvent({ kind: 'subscribe', symbol: `X${i}` }, m.epoch, m.monoNs - 1n, m.wallNs - 1n);
    const armed = writer.arm(m.topic, m.payload.length, m.epoch);
    try {
      d.pushPayload(m.payload, { recvTs: m.wallNs, recvMonoNs: m.monoNs, connectionEpoch: m.epoch });
    } catch {
      // A malformed payload: no event, still recorded.
    }
    d.poll(64);
    if (armed && writer.disarm()) framed++;
    else writer.message(m.topic, m.payload, m.epoch, m.wallNs, m.monoNs);
  });
  return framed;
}

async function bothWays(options: Omit<RecordingWriterOptions, 'path'>, msgs: readonly Msg[]) {
  const dir = tmp();
  const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, logger: silentLogger });
  const viaPush = new RecordingWriter({ ...options, path: join(dir, 'push.stfrec') });
  const viaJs = new RecordingWriter({ ...options, path: join(dir, 'js.stfrec'), nativeFraming: false });
  const framed = record(viaPush, d, msgs);
  expect(record(viaJs, d, msgs)).toBe(0);
  await Promise.all([viaPush.close(), viaJs.close()]);
  return { dir, framed, push: viaPush.stats(), js: viaJs.stats() };
}

describe('records framed in the native push', () => {
  it(`the target exists exactly with the addon (${native ? 'native' : 'js'} project)`, () => {
    expect(nativeFrameTarget !== undefined).toBe(native);
  });

  it('give the same file bytes and counters as JS framing, malformed payloads and feed events included', async () => {
    const msgs = messages(8000); // ~2.3 chunks of 1 MiB
    const { dir, framed, push, js } = await bothWays({}, msgs);
    // Every message but each topic's first (defined in JS first) and the few that found the chunk full went through the push.
    if (native) expect(framed).toBeGreaterThan(msgs.length - 10);
    else expect(framed).toBe(0);
    expect(recordBytes(join(dir, 'push.stfrec')).equals(recordBytes(join(dir, 'js.stfrec')))).toBe(true);
    const { path: _p1, ...pushCounts } = push;
    const { path: _p2, ...jsCounts } = js;
    expect(pushCounts).toEqual(jsCounts);
    expect(push).toMatchObject({ messages: 8000, records: 8000 + 4 + 32, droppedRecords: 0 });
    // Every CRC valid, every field as sent (the reader checks the CRCs).
    const f = readRecordingFile(join(dir, 'push.stfrec'));
    expect(messagesOf(f).map((m) => [m.topic, Buffer.from(m.payload).toString('hex'), m.epoch, m.wallNs, m.monoNs])).toEqual(
      msgs.map((m) => [m.topic, Buffer.from(m.payload).toString('hex'), m.epoch, m.wallNs, m.monoNs]),
    );
  });

  it('rotate by size at the same records as JS framing', async () => {
    const msgs = messages(1500);
    const { dir, framed, push, js } = await bothWays({ rotate: { maxBytes: 64 * 1024 } }, msgs);
    if (native) expect(framed).toBeGreaterThan(msgs.length / 2);
    expect(push.files).toBeGreaterThan(3);
    expect(push.files).toBe(js.files);
    for (let i = 0; i < push.files; i++) {
      const a = recordingFilePath(join(dir, 'push.stfrec'), i);
      const b = recordingFilePath(join(dir, 'js.stfrec'), i);
      expect(recordBytes(a).equals(recordBytes(b)), `file ${i}`).toBe(true);
      expect(readFileSync(a).length).toBeLessThanOrEqual(64 * 1024);
    }
    expect(readdirSync(dir)).toHaveLength(2 * push.files);
  });

  it('drop the same records as JS framing at the pending-bytes bound', async () => {
    // Appending synchronously: no write completes, so the bound is reached at the same record both ways.
    const msgs = messages(6000);
    const { dir, push, js } = await bothWays({ maxPendingBytes: 1024 * 1024 }, msgs);
    expect(push.droppedRecords).toBeGreaterThan(0);
    expect(push.droppedRecords).toBe(js.droppedRecords);
    expect(push.messages).toBe(js.messages);
    expect(recordBytes(join(dir, 'push.stfrec')).equals(recordBytes(join(dir, 'js.stfrec')))).toBe(true);
  });

  it('two writers of one thread take the target from each other: each file holds exactly its messages', async () => {
    const dir = tmp();
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, logger: silentLogger });
    const a = new RecordingWriter({ path: join(dir, 'a.stfrec') });
    const b = new RecordingWriter({ path: join(dir, 'b.stfrec') });
    const msgs = messages(1200);
    const toA = msgs.filter((_, i) => i % 3 !== 0);
    const toB = msgs.filter((_, i) => i % 3 === 0);
    let framed = 0;
    for (let i = 0; i < msgs.length; i++) framed += record(i % 3 === 0 ? b : a, d, [msgs[i]!]);
    if (native) expect(framed).toBeGreaterThan(msgs.length - 10);
    // Counted exactly while both are open.
    expect(a.stats().pendingBytes + b.stats().pendingBytes).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
    for (const [w, name, sent] of [[a, 'a', toA], [b, 'b', toB]] as const) {
      const f = readRecordingFile(join(dir, `${name}.stfrec`));
      expect(messagesOf(f).map((m) => [m.topic, m.wallNs])).toEqual(sent.map((m) => [m.topic, m.wallNs]));
      expect(w.stats().messages).toBe(sent.length);
    }
  });

  it('a message armed when its writer closes (a listener closing the feed) is counted as dropped, not lost', async () => {
    const dir = tmp();
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, logger: silentLogger });
    const w = new RecordingWriter({ path: join(dir, 'w.stfrec') });
    const [m0] = messages(1);
    record(w, d, [m0!]);
    expect(w.arm(m0!.topic, m0!.payload.length, 1)).toBe(native);
    const closed = w.close(); // what a listener closing the feed does
    d.pushPayload(m0!.payload, { connectionEpoch: 1 });
    if (native) expect(w.disarm()).toBe(false);
    w.message(m0!.topic, m0!.payload, 1, 1n, 1n);
    await closed;
    expect(w.stats()).toMatchObject({ messages: 1, droppedRecords: 1 });
    expect(messagesOf(readRecordingFile(join(dir, 'w.stfrec')))).toHaveLength(1);
  });

  it('frame nothing for a push the cell was not armed for (no arm, another payload length, after disarm)', async () => {
    const dir = tmp();
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, logger: silentLogger });
    const w = new RecordingWriter({ path: join(dir, 'w.stfrec') });
    const [m0] = messages(1);
    const m1 = m0;
    record(w, d, [m0!]); // defines the topic
    const before = w.stats().pendingBytes;
    d.pushPayload(m1!.payload); // not armed
    expect(w.arm(m1!.topic, m1!.payload.length + 1, 1)).toBe(native);
    d.pushPayload(m1!.payload); // armed for another length
    if (native) expect(w.disarm()).toBe(false);
    d.pushPayload(m1!.payload); // disarmed
    expect(w.stats().pendingBytes).toBe(before);
    await w.close();
    expect(messagesOf(readRecordingFile(join(dir, 'w.stfrec')))).toHaveLength(1);
  });
});
