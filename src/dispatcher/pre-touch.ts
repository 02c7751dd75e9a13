/**
 * Faults in every page of a new ring before it is used. A fresh
 * SharedArrayBuffer is reserved, not resident: the producer's first write to
 * each 4 KiB page takes a page fault (12-18 us on this VM), which during the
 * ring's first lap is one latency spike every 32 BestBidAsk or ~10
 * FullBidOffer events. Paying for all of them at creation keeps them off the
 * hot path (docs/decisions.md, "Pre-touched ring memory").
 */
import { freemem } from 'node:os';
import { nativeBinding } from '../native.js';

/**
 * What happened: pages faulted in with one madvise call (native, Linux) or
 * page by page; 'none' for an empty buffer; 'skipped' when the buffer is
 * larger than the memory available now, 'failed' when the kernel could not
 * populate it. In the last two cases the memory is left as it was (faulted
 * in on first use): touching it all would only summon the OOM killer.
 */
export type PreTouchMethod = 'madvise' | 'page-by-page' | 'none' | 'skipped' | 'failed';

const NATIVE_METHODS: readonly PreTouchMethod[] = ['none', 'madvise', 'page-by-page', 'failed'];
// Smallest page size in use on the platforms Node runs on; on larger pages this only touches some twice.
const PAGE_BYTES = 4096;

/**
 * Makes every page of `buffer` resident and writable without changing a byte
 * (an atomic add of 0 per page, or madvise(MADV_POPULATE_WRITE) when the
 * addon is loaded), so it is safe even on memory another thread already uses.
 * @param availableBytes memory that may be committed (default: os.freemem()).
 */
export function preTouchMemory(buffer: SharedArrayBuffer, availableBytes: number = freemem()): PreTouchMethod {
  if (buffer.byteLength === 0) return 'none';
  if (buffer.byteLength > availableBytes) return 'skipped';
  const bytes = new Uint8Array(buffer);
  if (nativeBinding) return NATIVE_METHODS[nativeBinding.preTouchMemory(bytes)] ?? 'failed';
  for (let off = 0; off < bytes.length; off += PAGE_BYTES) Atomics.add(bytes, off, 0);
  Atomics.add(bytes, bytes.length - 1, 0);
  return 'page-by-page';
}
