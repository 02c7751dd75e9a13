/**
 * The BidOfferV3 test vectors (test/fixtures/vectors, or $SETTRADE_VECTORS_DIR),
 * produced with Google's protobuf runtime, and the codec backends to run them on.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeBinding } from '../../src/native.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Directory holding bidofferv3-valid.jsonl and bidofferv3-invalid.jsonl. */
export const vectorsDir = process.env.SETTRADE_VECTORS_DIR ?? fileURLToPath(new URL('../fixtures/vectors', import.meta.url));

/** Field values Google's runtime decoded (prices already units + nanos * 1e-9). */
export interface ExpectedBook {
  readonly symbol: string;
  readonly bidPrices: readonly number[];
  readonly askPrices: readonly number[];
  readonly bidVolumes: readonly number[];
  readonly askVolumes: readonly number[];
  readonly bidFlag: number;
  readonly askFlag: number;
}

export interface ValidVector {
  case: string;
  hex: string;
  payload: Uint8Array;
  expect: ExpectedBook;
}

export interface InvalidVector {
  case: string;
  hex: string;
  payload: Uint8Array;
  error: string;
}

function readJsonl<T>(name: string): T[] {
  return readFileSync(`${vectorsDir}/${name}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Every valid vector, with its payload bytes. */
export function loadValidVectors(): ValidVector[] {
  return readJsonl<Omit<ValidVector, 'payload'>>('bidofferv3-valid.jsonl').map((v) => ({
    ...v,
    payload: new Uint8Array(Buffer.from(v.hex, 'hex')),
  }));
}

/** Every invalid vector (each must be rejected), with its payload bytes. */
export function loadInvalidVectors(): InvalidVector[] {
  return readJsonl<Omit<InvalidVector, 'payload'>>('bidofferv3-invalid.jsonl').map((v) => ({
    ...v,
    payload: new Uint8Array(Buffer.from(v.hex, 'hex')),
  }));
}

/**
 * The addon loaded directly with node-gyp-build, whatever SETTRADE_FEED_BACKEND
 * says (the `js` project does not load it), or null when it is not built.
 */
export function loadAddonDirectly(): NativeBinding | null {
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return nodeGypBuild(repoRoot) as NativeBinding;
  } catch {
    return null;
  }
}

/** Bytes as lower-case hex (for failure messages). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
