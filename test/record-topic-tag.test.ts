/**
 * Topic tags (src/transport/topic-tag.ts): the PUBLISH fast path leaves the
 * tag of each message it delivers, and the recording writer's arm() finds
 * the topic's id by it instead of hashing the topic string. Checked here:
 * the fast path sets the delivered topic's tag (whole and pieced packets);
 * a writer armed by tags writes exactly the bytes of one framing every
 * record in JS, whatever the tags say (right, stale, absent, another string
 * of the same topic after a resubscribe); topics are defined before their
 * first message in every file of a rotation; two writers of one thread keep
 * their messages apart. In the `js` project (no addon) arm() frames nothing
 * and the same files come out of the JS path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../src/dispatcher/index.js';
import { nativeBinding } from '../src/native.js';
import { RecordingWriter, recordingFilePath, type RecordingWriterOptions } from '../src/record/writer.js';
import { PublishFastPath } from '../src/transport/publish-fast-path.js';
import { deliveredTopicTag, topicTag } from '../src/transport/topic-tag.js';
import { silentLogger } from '../src/util/logger.js';
import { publish, payloadOf } from './helpers/mqtt-wire.js';
import { messagesOf, readRecordingFile } from './helpers/recording-file.js';
import { loadValidVectors } from './helpers/vectors.js';
import { tempDirs } from './helpers/temp-dirs.js';

const native = nativeBinding !== null;
const valid = loadValidVectors();

const tmp = tempDirs('stf-rectag-');

const PREFIX = 'proto/topic/bidofferv3/';
/** A fresh string of `symbol`'s topic (not the same object as another call's, as after a resubscribe). */
function topicOf(symbol: string): string {
  return [PREFIX, symbol].join('');
}

interface Msg {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly wallNs: bigint;
  readonly monoNs: bigint;
  /** What the tag cell holds when the message is delivered. */
  readonly tag: number;
}

type TagMode = 'right' | 'none' | 'stale';

/** `n` messages over `symbols` (interned topic strings per symbol, as routes hand them), the tag cell as `mode` says. */
function messages(n: number, symbols: readonly string[], mode: TagMode, topics = new Map(symbols.map((s) => [s, topicOf(s)]))): Msg[] {
  return Array.from({ length: n }, (_, i) => {
    const topic = topics.get(symbols[i % symbols.length]!)!;
    const other = topics.get(symbols[(i + 1) % symbols.length]!)!;
    const tag = mode === 'right' ? topicTag(topic) : mode === 'stale' ? topicTag(other) : 0;
    return { topic, payload: valid[i % valid.length]!.payload, wallNs: 1_764_000_000_000_000_000n + BigInt(i) * 991n, monoNs: 5_000_000n + BigInt(i) * 1_009n, tag };
  });
}

/** As the recording tap does it, with the tag cell set as the fast path would. Returns how many the pushes framed. */
function record(writer: RecordingWriter, d: Dispatcher, msgs: readonly Msg[]): number {
  let framed = 0;
  for (const m of msgs) {
    deliveredTopicTag[0] = m.tag;
    const armed = writer.arm(m.topic, m.payload.length, 1);
    d.pushPayload(m.payload, { recvTs: m.wallNs, recvMonoNs: m.monoNs, connectionEpoch: 1 });
    d.poll(64);
    if (armed && writer.disarm()) framed++;
    else writer.message(m.topic, m.payload, 1, m.wallNs, m.monoNs);
  }
  return framed;
}

/** The bytes of a recording file after its header (the header's startWallNs differs between two writers). */
function recordBytes(path: string): Buffer {
  const bytes = readFileSync(path);
  return bytes.subarray(20 + bytes.readUInt32LE(12));
}

/** Records `msgs` through a writer armed by tags and through one framing in JS; returns both files' paths and stats. */
async function bothWays(options: Omit<RecordingWriterOptions, 'path'>, msgs: readonly Msg[]) {
  const dir = tmp();
  const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, logger: silentLogger });
  const tagged = new RecordingWriter({ ...options, path: join(dir, 'tagged.stfrec') });
  const js = new RecordingWriter({ ...options, path: join(dir, 'js.stfrec'), nativeFraming: false });
  const framed = record(tagged, d, msgs);
  record(js, d, msgs);
  await Promise.all([tagged.close(), js.close()]);
  return { dir, framed, tagged: tagged.stats(), js: js.stats() };
}

describe('topic tags', () => {
  it('the fast path leaves the tag of the topic it delivers, for whole and pieced packets', () => {
    const aot = topicOf('AOT');
    const ptt = topicOf('PTT');
    const seen: [string, number][] = [];
    const fast = new PublishFastPath((topic) => seen.push([topic, deliveredTopicTag[0]!]));
    fast.setInput({ write: () => undefined, idle: () => true });
    fast.add(aot);
    fast.add(ptt);
    fast.active = true;
    const stream = Buffer.concat([publish(aot, payloadOf(40, 1)), publish(ptt, payloadOf(300, 2)), publish(aot, payloadOf(20_000, 3))]);
    deliveredTopicTag[0] = -1;
    fast.process(stream);
    // The same stream cut mid-topic and mid-payload: the tag is the one matched when the topic was read.
    for (let at = 1; at < stream.length; at += 997) {
      fast.process(stream.subarray(0, at));
      deliveredTopicTag[0] = -1;
      fast.process(stream.subarray(at));
    }
    expect(topicTag(aot)).not.toBe(topicTag(ptt));
    expect(seen.length).toBeGreaterThan(3);
    for (const [topic, tag] of seen) expect([topic, tag]).toEqual([topic, topicTag(topic)]);
  });

  it('are one per topic string content, first come first numbered', () => {
    const a = topicOf('TAGX1');
    expect(topicTag(topicOf('TAGX1'))).toBe(topicTag(a));
    expect(topicTag(topicOf('TAGX2'))).toBe(topicTag(a) + 1);
  });

  for (const mode of ['right', 'stale', 'none'] as const) {
    it(`tags ${mode}: the same file bytes as JS framing, each topic defined before its first message`, async () => {
      const msgs = messages(3000, ['AOT', 'PTT', 'KBANK', 'SCB', 'GULF'], mode);
      const { dir, framed, tagged, js } = await bothWays({}, msgs);
      if (native) expect(framed).toBe(msgs.length - 5); // each topic's first message is appended in JS (it defines the topic)
      else expect(framed).toBe(0);
      expect(recordBytes(join(dir, 'tagged.stfrec')).equals(recordBytes(join(dir, 'js.stfrec')))).toBe(true);
      const { path: _p1, ...a } = tagged;
      const { path: _p2, ...b } = js;
      expect(a).toEqual(b);
      const f = readRecordingFile(join(dir, 'tagged.stfrec'));
      expect(messagesOf(f).map((m) => [m.topic, m.wallNs])).toEqual(msgs.map((m) => [m.topic, m.wallNs]));
    });
  }

  it('rotation defines the topics again in each new file (ids by tag are forgotten with the file)', async () => {
    const msgs = messages(1500, ['AOT', 'PTT', 'KBANK'], 'right');
    const { dir, framed, tagged, js } = await bothWays({ rotate: { maxBytes: 48 * 1024 } }, msgs);
    if (native) expect(framed).toBeGreaterThan(msgs.length / 2);
    expect(tagged.files).toBeGreaterThan(3);
    expect(tagged.files).toBe(js.files);
    const got: [string, bigint][] = [];
    for (let i = 0; i < tagged.files; i++) {
      const path = recordingFilePath(join(dir, 'tagged.stfrec'), i);
      expect(recordBytes(path).equals(recordBytes(recordingFilePath(join(dir, 'js.stfrec'), i))), `file ${i}`).toBe(true);
      // Each file stands alone: the reader resolves every message's topic from that file's own TOPIC records.
      const f = readRecordingFile(path);
      for (const m of messagesOf(f)) got.push([m.topic, m.wallNs]);
    }
    expect(got).toEqual(msgs.map((m) => [m.topic, m.wallNs]));
  });

  it('a topic unsubscribed and subscribed again (a new string of the same topic) keeps its id', async () => {
    const symbols = ['AOT', 'PTT'];
    const before = messages(400, symbols, 'right');
    // After the resubscribe the route holds a new string of the same topic.
    const after = messages(400, symbols, 'right', new Map(symbols.map((s) => [s, topicOf(s)])));
    expect(after[0]!.topic).toBe(before[0]!.topic);
    const { dir, framed, tagged } = await bothWays({}, [...before, ...after]);
    if (native) expect(framed).toBe(800 - 2);
    expect(tagged).toMatchObject({ messages: 800, records: 800 + 2 });
    const f = readRecordingFile(join(dir, 'tagged.stfrec'));
    expect(messagesOf(f).map((m) => m.topic)).toEqual([...before, ...after].map((m) => m.topic));
  });

  it('two writers of one thread, both armed by tags: each file holds exactly its messages', async () => {
    const dir = tmp();
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, logger: silentLogger });
    const a = new RecordingWriter({ path: join(dir, 'a.stfrec') });
    const b = new RecordingWriter({ path: join(dir, 'b.stfrec') });
    const msgs = messages(1200, ['AOT', 'PTT', 'KBANK', 'SCB'], 'right');
    const toA = msgs.filter((_, i) => i % 5 < 3);
    const toB = msgs.filter((_, i) => i % 5 >= 3);
    let framed = 0;
    // Runs of three to A, then two to B: each writer takes the target over again and again.
    for (let i = 0; i < msgs.length; i++) framed += record(i % 5 < 3 ? a : b, d, [msgs[i]!]);
    if (native) expect(framed).toBe(msgs.length - 8);
    await Promise.all([a.close(), b.close()]);
    for (const [w, name, sent] of [[a, 'a', toA], [b, 'b', toB]] as const) {
      const f = readRecordingFile(join(dir, `${name}.stfrec`));
      expect(messagesOf(f).map((m) => [m.topic, m.wallNs])).toEqual(sent.map((m) => [m.topic, m.wallNs]));
      expect(w.stats()).toMatchObject({ messages: sent.length, droppedRecords: 0 });
    }
  });

  it('a closed writer arms nothing, even for a topic known by tag', async () => {
    const dir = tmp();
    const d = new Dispatcher({ kind: 'fullBidOffer', maxSize: 64, logger: silentLogger });
    const w = new RecordingWriter({ path: join(dir, 'w.stfrec') });
    const msgs = messages(4, ['AOT'], 'right');
    record(w, d, msgs);
    await w.close();
    deliveredTopicTag[0] = msgs[0]!.tag;
    expect(w.arm(msgs[0]!.topic, msgs[0]!.payload.length, 1)).toBe(false);
  });
});
