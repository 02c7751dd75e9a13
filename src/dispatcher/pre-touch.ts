/**
 * Faults in every page of a new ring before it is used. A fresh
 * SharedArrayBuffer is reserved, not resident: the producer's first write to
 * each 4 KiB page takes a page fault (4-15 us on a VM), which during the
 * ring's first lap is one latency spike every 32 BestBidAsk or ~10
 * FullBidOffer events. Paying for all of them at creation keeps them off the
 * hot path (docs/decisions.md, "Pre-touched ring memory").
 */
import { nativeBinding } from '../native.js';

/** How the pages were faulted in: one madvise call (native, Linux), page by page, or nothing to do. */
export type PreTouchMethod = 'madvise' | 'page-by-page' | 'none';

const NATIVE_METHODS: readonly PreTouchMethod[] = ['none', 'madvise', 'page-by-page'];
// Smallest page size in use on the platforms Node runs on; on larger pages this only touches some twice.
const PAGE_BYTES = 4096;

/**
 * Makes every page of `buffer` resident and writable without changing a byte
 * (an atomic add of 0 per page, or madvise(MADV_POPULATE_WRITE) when the
 * addon is loaded), so it is safe even on memory another thread already uses.
 */
export function preTouchMemory(buffer: SharedArrayBuffer): PreTouchMethod {
  if (buffer.byteLength === 0) return 'none';
  const bytes = new Uint8Array(buffer);
  if (nativeBinding) return NATIVE_METHODS[nativeBinding.preTouchMemory(bytes)] ?? 'page-by-page';
  for (let off = 0; off < bytes.length; off += PAGE_BYTES) Atomics.add(bytes, off, 0);
  Atomics.add(bytes, bytes.length - 1, 0);
  return 'page-by-page';
}
