// N-API binding of the SPSC ring (native/include/settrade/spsc_ring.h).
//
// Raw napi_* calls, not node-addon-api wrappers, on the hot functions: the
// crossing costs ~25 ns this way against ~41 ns through Napi::Value.
//
// Memory ownership: the ring bytes belong to a SharedArrayBuffer, the scratch
// slot and the consumer's out buffer to ArrayBuffers, all created by
// src/dispatcher. ringOpen() takes a Uint8Array over each and keeps a strong
// napi_ref to every one of them for as long as the returned external lives,
// so the pointers cached in RingHandle can never dangle; the external's
// finalizer releases the references. TS validates arguments before calling;
// the checks here are the bounds checks that keep native memory safe anyway.
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <cstring>
#include <ctime>

#include "napi_util.h"
#include "record_frame.h"
#include "decoder_choice.h"
#include "settrade/bidoffer_decoder.h"
#include "settrade/pretouch.h"
#include "settrade/slot_layout.h"
#include "settrade/spsc_ring.h"

namespace settrade::binding {
namespace {

namespace R = settrade::ring;
namespace L = settrade::layout;

struct RingHandle {
  RingHandle(std::uint8_t* mem, std::uint8_t* scratch_, std::uint8_t* out_, std::size_t out_slots_)
      : producer(mem), consumer(mem), scratch(scratch_), out(out_), out_slots(out_slots_),
        full_depth(R::detail::read_i32(mem + R::kKindOffset) == 1) {}
  R::Producer producer;
  R::Consumer consumer;
  std::uint8_t* scratch;
  std::uint8_t* out;
  std::size_t out_slots;
  bool full_depth;
  napi_ref refs[3] = {nullptr, nullptr, nullptr};
};

RingHandle* GetHandle(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok) return nullptr;
  return static_cast<RingHandle*>(p);
}

void Finalize(napi_env env, void* data, void*) {
  auto* h = static_cast<RingHandle*>(data);
  for (napi_ref& ref : h->refs) {
    if (ref != nullptr) napi_delete_reference(env, ref);
  }
  delete h;
}

// ringOpen(ring: Uint8Array over the SAB, scratch: Uint8Array (one slot),
//          out: Uint8Array (a whole number of slots)) -> external
napi_value RingOpen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 3) {
    return throw_type_error(env, "ringOpen(ring, scratch, out): 3 arguments expected");
  }
  std::uint8_t *mem, *scratch, *out;
  std::size_t mem_len, scratch_len, out_len;
  if (!get_uint8_array(env, argv[0], &mem, &mem_len)) return throw_type_error(env, "ring must be a Uint8Array");
  if (!get_uint8_array(env, argv[1], &scratch, &scratch_len)) return throw_type_error(env, "scratch must be a Uint8Array");
  if (!get_uint8_array(env, argv[2], &out, &out_len)) return throw_type_error(env, "out must be a Uint8Array");
  if (R::validate_header(mem, mem_len) != R::HeaderStatus::kOk) {
    return throw_coded_error(env, "ERR_RING_HEADER", "ring: not a valid settrade-feed ring (header check failed)");
  }
  std::int32_t slot_size;
  std::memcpy(&slot_size, mem + R::kSlotSizeOffset, 4);
  const auto slot = static_cast<std::size_t>(slot_size);
  if (scratch_len < slot || reinterpret_cast<std::uintptr_t>(scratch) % 8 != 0) {
    return throw_value_error(env, "scratch must be 8-byte aligned and hold one slot");
  }
  if (out_len < slot || reinterpret_cast<std::uintptr_t>(out) % 8 != 0) {
    return throw_value_error(env, "out must be 8-byte aligned and hold at least one slot");
  }
  auto* h = new RingHandle(mem, scratch, out, out_len / slot);
  for (int i = 0; i < 3; ++i) napi_create_reference(env, argv[i], 1, &h->refs[i]);
  napi_value ext;
  if (napi_create_external(env, h, Finalize, nullptr, &ext) != napi_ok) {
    Finalize(env, h, nullptr);
    return throw_coded_error(env, "ERR_NAPI", "could not create the ring handle");
  }
  return ext;
}

// ringPush(handle) -> kPush* bits: pushes the event JS wrote into the scratch slot.
napi_value RingPush(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  RingHandle* h = argc >= 1 ? GetHandle(env, argv[0]) : nullptr;
  if (h == nullptr) return throw_type_error(env, "ringPush(handle)");
  return make_int32(env, h->producer.push(h->scratch));
}

std::int64_t WallClockNs() {
  std::timespec ts{};
  std::timespec_get(&ts, TIME_UTC);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Shared tail of both pushPayload variants: decode into a stack slot first, so
// a malformed payload never evicts or touches anything in the ring.
napi_value PushPayload(napi_env env, napi_value* argv, size_t argc, bool stamped) {
  RingHandle* h = argc >= 3 ? GetHandle(env, argv[0]) : nullptr;
  std::uint8_t* payload;
  std::size_t len;
  if (h == nullptr || !get_uint8_array(env, argv[1], &payload, &len)) {
    return throw_type_error(env, "ringPushPayload(handle, payload: Uint8Array, epoch)");
  }
  std::uint32_t epoch = 0;
  napi_get_value_uint32(env, argv[2], &epoch);
  std::int64_t recv_ts, recv_mono;
  if (stamped) {
    bool lossless;
    if (napi_get_value_bigint_int64(env, argv[3], &recv_ts, &lossless) != napi_ok ||
        napi_get_value_bigint_int64(env, argv[4], &recv_mono, &lossless) != napi_ok) {
      return throw_type_error(env, "recvTs and recvMonoNs must be bigints");
    }
  } else {
    recv_mono = static_cast<std::int64_t>(uv_hrtime());  // the clock of process.hrtime.bigint()
    recv_ts = WallClockNs();
  }
  if (AddonData* data = addon_data(env); data != nullptr) {
    if (data->push_stamp != nullptr) {
      std::memcpy(data->push_stamp, &recv_ts, 8);
      std::memcpy(data->push_stamp + 8, &recv_mono, 8);
      std::uint32_t seq;
      std::memcpy(&seq, data->push_stamp + 16, 4);
      ++seq;
      std::memcpy(data->push_stamp + 16, &seq, 4);
    }
    // A recording armed for this message: framed here, whatever the decode
    // says (the file holds malformed payloads too).
    if (data->record_cell != nullptr && data->record_chunk != nullptr) {
      frame_armed_message(data->record_cell, data->record_chunk, data->record_chunk_len, payload, len, recv_ts, recv_mono);
    }
  }
  alignas(64) std::uint8_t slot[L::kFullBidOfferSlotSize];
  // The decoders write every byte but the receive metadata (set below) and a
  // BestBidAsk slot's tail padding: clear only the slot this ring uses.
  std::memset(slot, 0, h->producer.slot_size());
  const ActiveDecoders& decoders = active_decoders();
  const DecodeStatus st = (h->full_depth ? decoders.full : decoders.best)(payload, len, slot);
  if (st != DecodeStatus::kOk) return make_int32(env, -static_cast<std::int32_t>(st));
  std::memcpy(slot + L::kRecvTsOffset, &recv_ts, 8);
  std::memcpy(slot + L::kRecvMonoNsOffset, &recv_mono, 8);
  std::memcpy(slot + L::kConnectionEpochOffset, &epoch, 4);
  return make_int32(env, h->producer.push(slot));
}

// ringPushPayload(handle, payload, epoch) -> kPush* bits, or -DecodeStatus.
napi_value RingPushPayload(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  return PushPayload(env, argv, argc, false);
}

// ringPushPayloadAt(handle, payload, epoch, recvTs: bigint, recvMonoNs: bigint)
napi_value RingPushPayloadAt(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 5) return throw_type_error(env, "ringPushPayloadAt: 5 arguments expected");
  return PushPayload(env, argv, argc, true);
}

// ringPoll(handle, max) -> n events copied into the out buffer (oldest first).
napi_value RingPoll(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  RingHandle* h = argc >= 2 ? GetHandle(env, argv[0]) : nullptr;
  if (h == nullptr) return throw_type_error(env, "ringPoll(handle, max)");
  std::uint32_t max = 0;
  napi_get_value_uint32(env, argv[1], &max);
  const std::size_t n = max < h->out_slots ? max : h->out_slots;
  return make_int32(env, static_cast<std::int32_t>(h->consumer.poll(h->out, n)));
}

// bindMonoClock(cell: Float64Array) -> () => undefined, writing uv_hrtime()
// (the clock of process.hrtime.bigint()) into cell[0]. A double returned by a
// native call is a heap number (16 bytes of garbage per call); read from a
// Float64Array it is not, so a latency probe in a hot loop allocates nothing.
// The function keeps `cell` alive.
struct ClockCell {
  double* cell;
  napi_ref ref;
};

napi_value ReadMonoClock(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  std::size_t argc = 0;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &data);
  static_cast<ClockCell*>(data)->cell[0] = static_cast<double>(uv_hrtime());
  return nullptr;
}

napi_value BindMonoClock(napi_env env, napi_callback_info info) {
  std::size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_typedarray_type type;
  std::size_t length = 0;
  void* ptr = nullptr;
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &ptr, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || length < 1) {
    return throw_type_error(env, "bindMonoClock(cell: Float64Array of at least 1 element)");
  }
  napi_value fn = make_function_over(env, "readMonoClock", ReadMonoClock, new ClockCell{static_cast<double*>(ptr), nullptr},
                                     argv[0]);
  if (fn == nullptr) return throw_coded_error(env, "ERR_NAPI", "bindMonoClock: could not create the clock function");
  return fn;
}

// bindPushStampCell(cell: Uint8Array of >= 20 bytes): from now on every
// pushPayload of this thread writes its stamps there (recvTs i64, recvMonoNs
// i64, then a u32 it increments). The addon keeps `cell` alive.
napi_value BindPushStampCell(napi_env env, napi_callback_info info) {
  napi_value arg;
  std::uint8_t* cell;
  std::size_t len;
  if (!get_uint8_array_arg(env, info, &arg, &cell, &len) || len < 20) {
    return throw_type_error(env, "bindPushStampCell(cell: Uint8Array of at least 20 bytes)");
  }
  AddonData* data = addon_data(env);
  if (data == nullptr) return throw_coded_error(env, "ERR_NAPI", "bindPushStampCell: no addon instance data");
  if (!replace_reference(env, &data->push_stamp_ref, arg)) {
    data->push_stamp = nullptr;
    return throw_coded_error(env, "ERR_NAPI", "bindPushStampCell: could not keep the cell");
  }
  data->push_stamp = cell;
  return nullptr;
}

// preTouchMemory(bytes: Uint8Array) -> settrade::memory::PreTouchMethod (0 empty,
// 1 madvise, 2 page by page, 3 failed): faults in every page of the array's memory.
napi_value PreTouchMemory(napi_env env, napi_callback_info info) {
  napi_value arg;
  std::uint8_t* data;
  std::size_t len;
  if (!get_uint8_array_arg(env, info, &arg, &data, &len)) {
    return throw_type_error(env, "preTouchMemory(bytes: Uint8Array)");
  }
  return make_int32(env, static_cast<std::int32_t>(settrade::memory::pre_touch(data, len)));
}

}  // namespace

// addon.cc's signature; everything below it is raw N-API.
void InitRing(Napi::Env napi_env_obj, Napi::Object exports_obj) {
  napi_env env = napi_env_obj;
  napi_value exports = exports_obj;
  const napi_property_descriptor props[] = {
      {"ringOpen", nullptr, RingOpen, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"ringPush", nullptr, RingPush, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"ringPushPayload", nullptr, RingPushPayload, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"ringPushPayloadAt", nullptr, RingPushPayloadAt, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"ringPoll", nullptr, RingPoll, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"preTouchMemory", nullptr, PreTouchMemory, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bindMonoClock", nullptr, BindMonoClock, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bindPushStampCell", nullptr, BindPushStampCell, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace settrade::binding
