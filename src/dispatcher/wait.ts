/**
 * `Atomics.waitAsync`, typed (it is in ES2024's lib; this package targets
 * ES2023 typings). Node >= 16 has it.
 */
export type WaitAsyncResult =
  | { readonly async: false; readonly value: 'not-equal' | 'timed-out' }
  | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };

type WaitAsync = (typedArray: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

/** Atomics.waitAsync(i32, index, value, timeoutMs). */
export const waitAsync: WaitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
