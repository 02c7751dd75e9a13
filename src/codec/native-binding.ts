/** Functions the codec part of the addon exports (see native/src/codec_binding.cc). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface CodecBinding {}
