/** Functions the ring part of the addon exports (see native/src/ring_binding.cc). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface RingBinding {}
