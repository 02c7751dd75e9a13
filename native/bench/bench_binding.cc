// settrade_feed_bench: a separate N-API module holding bench/decode.ts's
// probes of the bare N-API crossing cost. They are no part of the shipped
// addon (binding.gyp) nor of its prebuilds or the npm tarball: this file lives
// outside native/src/ and is built only on demand, by cmake with
// -DBENCH_ADDON=ON (native/CMakeLists.txt), when bench/decode.ts first needs it.
//
// The probes take the decode functions' arguments and unwrap them with the same
// helpers the addon uses (napi_util.h), so "decode minus probe" is the decode
// work alone. Raw napi_* calls, like the hot functions they are compared with.
#include <node_api.h>

#include <cstddef>
#include <cstdint>

#include "../src/napi_util.h"
#include "settrade/slot_layout.h"

namespace settrade::bench {
namespace {

using binding::get_bytes;
using binding::make_int32;
using binding::slot_offset;
using binding::throw_type_error;
namespace L = settrade::layout;

// noop(payload, slots, slotByteOffset): the bare crossing with the decode
// functions' arguments, nothing done; returns 0.
napi_value Noop(napi_env env, napi_callback_info info) {
  std::size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  return make_int32(env, 0);
}

// noopUnwrap(payload, slots, slotByteOffset): crossing plus unwrapping two
// typed arrays and an offset, with the decode functions' checks; no decode.
napi_value NoopUnwrap(napi_env env, napi_callback_info info) {
  std::size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (payload, slots, slotByteOffset)");
  std::uint8_t* p;
  std::size_t n;
  std::uint8_t* s;
  std::size_t m;
  if (!get_bytes(env, argv[0], &p, &n) || !get_bytes(env, argv[1], &s, &m)) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "payload and slots must be typed arrays");
  }
  std::size_t off;
  if (!slot_offset(env, argv[2], m, L::kFullBidOfferSlotSize, &off)) return nullptr;
  return make_int32(env, 0);
}

// noopUnwrapPayload(payload, slotByteOffset): crossing plus unwrapping one
// typed array and an offset (checked against a 64-slot buffer): the floor of a
// bound decoder's call.
napi_value NoopUnwrapPayload(napi_env env, napi_callback_info info) {
  std::size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 2) return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (payload, slotByteOffset)");
  std::uint8_t* p;
  std::size_t n;
  if (!get_bytes(env, argv[0], &p, &n)) return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "payload must be a typed array");
  std::size_t off;
  if (!slot_offset(env, argv[1], L::kFullBidOfferSlotSize * 64, L::kFullBidOfferSlotSize, &off)) return nullptr;
  return make_int32(env, 0);
}

}  // namespace
}  // namespace settrade::bench

// No global state: loads in any environment (main thread or worker).
NAPI_MODULE_INIT() {
  using namespace settrade::bench;
  const napi_property_descriptor props[] = {
      {"noop", nullptr, Noop, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"noopUnwrap", nullptr, NoopUnwrap, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"noopUnwrapPayload", nullptr, NoopUnwrapPayload, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return nullptr;
  return exports;
}
