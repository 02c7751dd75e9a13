// Writes the fuzz targets' seed corpora into a build directory (not committed):
// every payload of the test vectors (valid and invalid) for both decoder
// targets, a few operation sequences for the ring target, and buffers of
// framed records for the record-walk target.
// Usage: node native/fuzz/make-seeds.mjs VECTORS_DIR OUT_DIR   (scripts/fuzz.sh runs it)
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [vectorsDir, outDir] = process.argv.slice(2);
if (!vectorsDir || !outDir) {
  console.error('usage: make-seeds.mjs VECTORS_DIR OUT_DIR');
  process.exit(2);
}

function fresh(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

const payloads = [];
for (const file of readdirSync(vectorsDir).filter((f) => f.endsWith('.jsonl')).sort()) {
  for (const line of readFileSync(join(vectorsDir, file), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { hex } = JSON.parse(line);
    if (typeof hex !== 'string') throw new Error(`${file}: a line without "hex"`);
    payloads.push(Buffer.from(hex, 'hex'));
  }
}
if (payloads.length === 0) throw new Error(`no vectors in ${vectorsDir}`);
for (const target of ['fuzz_best_bid_ask', 'fuzz_full_bid_offer']) {
  const dir = fresh(join(outDir, target));
  payloads.forEach((p, i) => writeFileSync(join(dir, `vector-${String(i).padStart(4, '0')}`), p));
}

// Ring inputs (fuzz_checks.h check_ring): config byte (bit 0 reject-newest,
// bit 1 FullBidOffer slots, bits 2.. the EMA alpha), capacity - 1, the start
// index (u32 LE, taken mod M), then one byte per operation: low two bits 0/1
// push, 2 poll up to 1 + (op >> 2) % 64, 3 sleep / clear / poll(0).
const PUSH = 0x00;
const POLL = (n) => 0x02 | ((n - 1) << 2);
const SLEEP = 0x07;
const CLEAR = 0x03;
const u32 = (v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const M4 = Math.floor(2 ** 30 / 4) * 4; // index modulus of a 4-slot ring
const ring = {
  'drop-oldest-fill-evict-poll': [0x00, 3, ...u32(0), ...Array(9).fill(PUSH), POLL(8), PUSH, POLL(1)],
  'reject-newest-fill-refuse': [0x01, 3, ...u32(0), ...Array(7).fill(PUSH), POLL(2), PUSH, PUSH, POLL(64)],
  'wrap-at-modulus': [0x00, 3, ...u32(M4 - 3), ...Array(6).fill(PUSH), POLL(3), PUSH, PUSH, POLL(64)],
  'full-kind-sleep-wake': [0x02, 1, ...u32(7), SLEEP, PUSH, PUSH, SLEEP, POLL(2), PUSH, POLL(1)],
  'clear-midway': [0x04, 0, ...u32(12345), PUSH, PUSH, CLEAR, PUSH, POLL(4), PUSH],
};
const ringDir = fresh(join(outDir, 'fuzz_ring'));
for (const [name, bytes] of Object.entries(ring)) writeFileSync(join(ringDir, name), Uint8Array.from(bytes));
// Record-walk inputs (fuzz_checks.h check_records): config (bit 0 fill the
// CRCs, bit 1 then flip a byte), min body, max body (u16 LE), start (u16 LE),
// flip offset (u16 LE), then framed records (length u32 LE, CRC u32, body)
// with the vectors' payloads behind a 24-byte body header, some cut short.
const u16 = (v) => [v & 0xff, (v >>> 8) & 0xff];
const framed = (bodies) =>
  Buffer.concat(bodies.map((b) => Buffer.concat([Buffer.from([...u32(b.length), 0, 0, 0, 0]), b])));
const bodies = payloads.slice(0, 12).map((p) => Buffer.concat([Buffer.alloc(24, 1), p]));
const records = {
  'fill-all': [[1, 24, ...u16(4000), ...u16(0), ...u16(0)], framed(bodies)],
  'fill-then-flip': [[3, 24, ...u16(4000), ...u16(0), ...u16(40)], framed(bodies)],
  'fill-cut-last': [[1, 24, ...u16(4000), ...u16(0), ...u16(0)], framed(bodies).subarray(0, -5)],
  'from-second-record': [[3, 0, ...u16(65535), ...u16(8 + bodies[0].length), ...u16(300)], framed(bodies)],
  'too-long-for-max': [[1, 24, ...u16(30), ...u16(0), ...u16(0)], framed(bodies)],
  'raw-unfilled': [[0, 0, ...u16(65535), ...u16(0), ...u16(0)], framed(bodies)],
};
const recordsDir = fresh(join(outDir, 'fuzz_records'));
for (const [name, [head, body]] of Object.entries(records)) writeFileSync(join(recordsDir, name), Buffer.concat([Buffer.from(head), body]));
console.log(`make-seeds: ${payloads.length} payloads, ${Object.keys(ring).length} ring sequences, ${Object.keys(records).length} record buffers in ${outDir}`);
