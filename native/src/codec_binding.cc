// N-API binding of the BidOfferV3 decoder. The hot functions use raw napi_*
// calls rather than node-addon-api wrappers: the crossing is a large share of
// a ~100 ns decode, and the wrappers add ~15 ns of handle bookkeeping.
//
// Memory: the payload and the slot buffer belong to the caller (JS). They are
// only read/written for the duration of the call; nothing is retained, and
// there is no per-environment state.
//
// Malformed payloads are not exceptions: every decode returns its status as a
// number (0 = ok) and the TypeScript layer throws ParseError. Wrong argument
// types or out-of-range offsets throw ERR_INVALID_ARG_TYPE/ERR_INVALID_ARG_VALUE (a pending JS
// exception; no C++ exception ever crosses the boundary).
#include <napi.h>

#include <cstdint>

#include "decoder_choice.h"
#include "napi_util.h"
#include "settrade/bidoffer_decoder.h"
#include "settrade/slot_layout.h"

namespace settrade::binding {
namespace {

namespace L = settrade::layout;

bool get_int32_array(napi_env env, napi_value v, std::int32_t** data, std::size_t* count) {
  napi_typedarray_type type;
  void* d;
  if (napi_get_typedarray_info(env, v, &type, count, &d, nullptr, nullptr) != napi_ok || type != napi_int32_array) {
    return false;
  }
  *data = static_cast<std::int32_t*>(d);
  return true;
}

napi_value type_error(napi_env env, const char* msg) { return throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg); }
napi_value range_error(napi_env env, const char* msg) { return throw_range_error(env, "ERR_INVALID_ARG_VALUE", msg); }

using DecodeFn = SlotDecoder;

DecodeStatus DecodeFull(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  return active_decoders().full(data, len, slot);
}
DecodeStatus DecodeBest(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  return active_decoders().best(data, len, slot);
}

// decodeX(payload: Uint8Array, slots: Uint8Array, slotByteOffset: number): number
template <DecodeFn Decode, std::size_t SlotSize>
napi_value DecodeOne(napi_env env, napi_callback_info info) {
  std::size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) return type_error(env, "expected (payload, slots, slotByteOffset)");
  std::uint8_t* payload;
  std::size_t payload_len;
  if (!get_bytes(env, argv[0], &payload, &payload_len)) return type_error(env, "payload must be a Uint8Array");
  std::uint8_t* slots;
  std::size_t slots_len;
  if (!get_bytes(env, argv[1], &slots, &slots_len)) return type_error(env, "slots must be a Uint8Array or ArrayBuffer");
  std::size_t off;
  if (!slot_offset(env, argv[2], slots_len, SlotSize, &off)) return nullptr;
  return make_int32(env, static_cast<std::int32_t>(Decode(payload, payload_len, slots + off)));
}

// decodeBatch(kind: 0 | 1, data: Uint8Array, offsets: Int32Array, count: number,
//             slots: Uint8Array, slotByteOffset: number, statuses: Int32Array): number
// Payload i is data[offsets[i], offsets[i + 1]); it is decoded into the slot
// at slotByteOffset + i * slotSize; its status goes to statuses[i]. Returns
// how many decoded ok. kind 0 = BestBidAsk, 1 = FullBidOffer.
napi_value DecodeBatch(napi_env env, napi_callback_info info) {
  std::size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 7) return type_error(env, "expected (kind, data, offsets, count, slots, slotByteOffset, statuses)");
  std::int32_t kind;
  if (napi_get_value_int32(env, argv[0], &kind) != napi_ok || (kind != 0 && kind != 1)) {
    return type_error(env, "kind must be 0 (bestBidAsk) or 1 (fullBidOffer)");
  }
  std::uint8_t* data;
  std::size_t data_len;
  if (!get_bytes(env, argv[1], &data, &data_len)) return type_error(env, "data must be a Uint8Array");
  std::int32_t* offsets;
  std::size_t n_offsets;
  if (!get_int32_array(env, argv[2], &offsets, &n_offsets)) return type_error(env, "offsets must be an Int32Array");
  std::int32_t count;
  if (napi_get_value_int32(env, argv[3], &count) != napi_ok) return type_error(env, "count must be a number");
  std::uint8_t* slots;
  std::size_t slots_len;
  if (!get_bytes(env, argv[4], &slots, &slots_len)) return type_error(env, "slots must be a Uint8Array or ArrayBuffer");
  std::int32_t* statuses;
  std::size_t n_statuses;
  if (!get_int32_array(env, argv[6], &statuses, &n_statuses)) return type_error(env, "statuses must be an Int32Array");
  if (count < 0 || static_cast<std::size_t>(count) + 1 > n_offsets || static_cast<std::size_t>(count) > n_statuses) {
    return range_error(env, "count must fit offsets (count + 1 entries) and statuses (count entries)");
  }
  const std::size_t slot_size = kind == 0 ? L::kBestBidAskSlotSize : L::kFullBidOfferSlotSize;
  std::size_t off;
  if (!slot_offset(env, argv[5], slots_len, slot_size * static_cast<std::size_t>(count), &off)) return nullptr;
  for (std::int32_t i = 0; i < count; ++i) {
    if (offsets[i] < 0 || offsets[i] > offsets[i + 1] || static_cast<std::size_t>(offsets[i + 1]) > data_len) {
      return range_error(env, "offsets must be non-decreasing and inside data");
    }
  }
  const DecodeFn decode = kind == 0 ? &DecodeBest : &DecodeFull;
  std::int32_t ok = 0;
  std::uint8_t* slot = slots + off;
  for (std::int32_t i = 0; i < count; ++i, slot += slot_size) {
    const DecodeStatus st = decode(data + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i]), slot);
    statuses[i] = static_cast<std::int32_t>(st);
    ok += st == DecodeStatus::kOk;
  }
  return make_int32(env, ok);
}

// ---- decoders bound to one slot buffer ----
// The per-message call the public API makes: the slot buffer is unwrapped
// once, when the function is made, instead of on every call (one
// napi_get_typedarray_info less, ~20-30 ns of a ~150 ns decode). Each bound
// function owns a strong reference to its buffer, released when the function
// is collected, so the cached pointer cannot dangle.
struct BoundSlots {
  std::uint8_t* base;
  std::size_t len;
  napi_ref ref;
};

// bound(payload: Uint8Array, slotByteOffset = 0): number
template <DecodeFn Decode, std::size_t SlotSize>
napi_value DecodeBound(napi_env env, napi_callback_info info) {
  std::size_t argc = 2;
  napi_value argv[2];
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  if (argc < 1) return type_error(env, "expected (payload, slotByteOffset?)");
  const auto* b = static_cast<const BoundSlots*>(data);
  std::uint8_t* payload;
  std::size_t payload_len;
  if (!get_bytes(env, argv[0], &payload, &payload_len)) return type_error(env, "payload must be a Uint8Array");
  std::size_t off = 0;
  if (argc >= 2) {
    if (!slot_offset(env, argv[1], b->len, SlotSize, &off)) return nullptr;
  } else if (b->len < SlotSize) {
    return range_error(env, "the bound slot buffer is smaller than one slot");
  }
  return make_int32(env, static_cast<std::int32_t>(Decode(payload, payload_len, b->base + off)));
}

// Makes one bound function over `slots_value` (kept alive by the function).
template <DecodeFn Decode, std::size_t SlotSize>
napi_value MakeBound(napi_env env, napi_value slots_value, std::uint8_t* base, std::size_t len, const char* name) {
  return make_function_over(env, name, DecodeBound<Decode, SlotSize>, new BoundSlots{base, len, nullptr}, slots_value);
}

// bindSlots(slots: Uint8Array) -> { decodeFullBidOffer(payload, off), decodeBestBidAsk(payload, off) }
napi_value BindSlots(napi_env env, napi_callback_info info) {
  std::size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::uint8_t* base;
  std::size_t len;
  if (argc < 1 || !get_uint8_array(env, argv[0], &base, &len)) return type_error(env, "slots must be a Uint8Array");
  napi_value full = MakeBound<DecodeFull, L::kFullBidOfferSlotSize>(env, argv[0], base, len, "decodeFullBidOffer");
  napi_value best = MakeBound<DecodeBest, L::kBestBidAskSlotSize>(env, argv[0], base, len, "decodeBestBidAsk");
  napi_value out;
  if (full == nullptr || best == nullptr || napi_create_object(env, &out) != napi_ok ||
      napi_set_named_property(env, out, "decodeFullBidOffer", full) != napi_ok ||
      napi_set_named_property(env, out, "decodeBestBidAsk", best) != napi_ok) {
    return throw_type_error(env, "ERR_NAPI", "bindSlots: could not create the bound decoders");
  }
  return out;
}

}  // namespace

void InitCodec(Napi::Env env, Napi::Object exports) {
  const napi_property_descriptor props[] = {
      {"decodeFullBidOffer", nullptr, DecodeOne<DecodeFull, L::kFullBidOfferSlotSize>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"decodeBestBidAsk", nullptr, DecodeOne<DecodeBest, L::kBestBidAskSlotSize>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"bindSlots", nullptr, BindSlots, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"decodeBatch", nullptr, DecodeBatch, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  exports.Set("decoderVariant", Napi::String::New(env, decoder_variant_name(active_decoder_variant())));
}

}  // namespace settrade::binding
