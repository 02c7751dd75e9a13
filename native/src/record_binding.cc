// The recording's checksum (src/record/crc32c.ts uses it when the addon
// loads): crc32c(bytes, start, end, crc) and crc32cPortable(...), the
// portable variant, so tests can prove both equal the JS one,
// crc32cRecords filling a batch and crc32cVerifiedEnd checking one; and the bindings of the native framing
// target (bindRecordCell, bindRecordChunk: record_frame.h). Raw N-API.
// Every range is checked against the array.
#include <napi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "napi_util.h"
#include "record_frame.h"
#include "settrade/crc32c.h"
#include "settrade/record_walk.h"

namespace settrade::binding {
namespace {

using CrcFn = std::uint32_t (*)(const std::uint8_t*, std::size_t, std::uint32_t) noexcept;

// A byte range of a Uint8Array argument: argv[0] the array, argv[1..2] start
// and end (integers, start <= end <= length). On failure a JS error is
// thrown (the usage for a wrong type, `name` + the rule for a bad range) and
// false returned.
struct ByteRange {
  std::uint8_t* data = nullptr;
  std::size_t start = 0;
  std::size_t end = 0;
};

bool GetByteRange(napi_env env, const napi_value* argv, const char* name, const char* usage, ByteRange* out) {
  std::size_t len = 0;
  double start = 0;
  double end = 0;
  if (!get_uint8_array(env, argv[0], &out->data, &len) || napi_get_value_double(env, argv[1], &start) != napi_ok ||
      napi_get_value_double(env, argv[2], &end) != napi_ok) {
    throw_type_error(env, usage);
    return false;
  }
  // !(a <= b) also rejects NaN.
  if (!(start >= 0) || !(start <= end) || !(end <= static_cast<double>(len)) || start != static_cast<double>(static_cast<std::size_t>(start)) ||
      end != static_cast<double>(static_cast<std::size_t>(end))) {
    char msg[96];
    std::snprintf(msg, sizeof msg, "%s: [start, end) must be an integer range inside the array", name);
    throw_value_error(env, msg);
    return false;
  }
  out->start = static_cast<std::size_t>(start);
  out->end = static_cast<std::size_t>(end);
  return true;
}

template <CrcFn Fn>
napi_value Crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  ByteRange r;
  std::uint32_t crc = 0;
  constexpr const char* kUsage = "crc32c(bytes: Uint8Array, start: number, end: number, crc: number)";
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 4) return throw_type_error(env, kUsage);
  if (!GetByteRange(env, argv, "crc32c", kUsage, &r)) return nullptr;
  if (napi_get_value_uint32(env, argv[3], &crc) != napi_ok) return throw_type_error(env, kUsage);
  napi_value out;
  napi_create_uint32(env, Fn(r.data + r.start, r.end - r.start, crc), &out);
  return out;
}

// crc32cRecords(bytes, start, end) -> records filled, or -1 when the framing
// (length u32 | crc u32 | body) does not end exactly at `end` (the records
// before the bad one are filled). Writes each body's CRC-32C into its CRC
// field: one crossing per batch of records, three records at a time with
// SSE4.2.
napi_value Crc32cRecords(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  ByteRange r;
  constexpr const char* kUsage = "crc32cRecords(bytes: Uint8Array, start: number, end: number)";
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 3) return throw_type_error(env, kUsage);
  if (!GetByteRange(env, argv, "crc32cRecords", kUsage, &r)) return nullptr;
  return make_int32(env, settrade::record_walk::fill_crcs(r.data, r.start, r.end));
}

// crc32cVerifiedEnd(bytes, start, end, minBody, maxBody) -> the offset after
// the run of records from `start` that are whole before `end`, have a body
// length in [minBody, maxBody] and a matching CRC (`start` when the first is
// not): the reader's check of a whole buffer of records in one crossing
// (one per record cost more than the CRC itself). What stops the run is
// left to the reader's own per-record rules.
napi_value Crc32cVerifiedEnd(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  ByteRange r;
  std::uint32_t min_body = 0;
  std::uint32_t max_body = 0;
  constexpr const char* kUsage = "crc32cVerifiedEnd(bytes: Uint8Array, start: number, end: number, minBody: number, maxBody: number)";
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 5) return throw_type_error(env, kUsage);
  if (!GetByteRange(env, argv, "crc32cVerifiedEnd", kUsage, &r)) return nullptr;
  if (napi_get_value_uint32(env, argv[3], &min_body) != napi_ok || napi_get_value_uint32(env, argv[4], &max_body) != napi_ok) {
    return throw_type_error(env, kUsage);
  }
  return make_double(env, static_cast<double>(settrade::record_walk::verified_end(r.data, r.start, r.end, min_body, max_body)));
}

// bindRecordCell(cell: Uint32Array of >= kRecordCellWords words): the record
// cell of this thread (src/record/native-frame.ts). The addon keeps it alive.
napi_value BindRecordCell(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_typedarray_type type;
  std::size_t length = 0;
  void* ptr = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_typedarray_info(env, arg, &type, &length, &ptr, nullptr, nullptr) != napi_ok || type != napi_uint32_array ||
      length < kRecordCellWords) {
    return throw_type_error(env, "bindRecordCell(cell: Uint32Array of at least 6 words)");
  }
  AddonData* data = addon_data(env);
  if (data == nullptr) return throw_coded_error(env, "ERR_NAPI", "bindRecordCell: no addon instance data");
  data->record_cell = nullptr;
  if (!replace_reference(env, &data->record_cell_ref, arg)) return throw_coded_error(env, "ERR_NAPI", "bindRecordCell: could not keep the cell");
  data->record_cell = static_cast<std::uint32_t*>(ptr);
  return nullptr;
}

// bindRecordChunk(chunk: Uint8Array): the chunk the pushes of this thread
// frame armed records into (at the cell's offset, up to its limit). The addon
// keeps it alive until the next bind.
napi_value BindRecordChunk(napi_env env, napi_callback_info info) {
  napi_value arg;
  std::uint8_t* chunk;
  std::size_t len;
  if (!get_uint8_array_arg(env, info, &arg, &chunk, &len)) return throw_type_error(env, "bindRecordChunk(chunk: Uint8Array)");
  AddonData* data = addon_data(env);
  if (data == nullptr) return throw_coded_error(env, "ERR_NAPI", "bindRecordChunk: no addon instance data");
  data->record_chunk = nullptr;
  data->record_chunk_len = 0;
  if (!replace_reference(env, &data->record_chunk_ref, arg)) return throw_coded_error(env, "ERR_NAPI", "bindRecordChunk: could not keep the chunk");
  data->record_chunk = chunk;
  data->record_chunk_len = len;
  return nullptr;
}

// The alignment of allocAlignedChunk's memory: O_DIRECT writes need
// addresses, lengths and file offsets that are multiples of the device's
// logical block size (512 or 4096).
constexpr std::size_t kDirectIoAlign = 4096;

// The hint is the allocation's size, reported to the GC while it lives.
void FreeAligned(napi_env env, void* data, void* hint) {
  std::free(data);
  std::int64_t ignored = 0;
  napi_adjust_external_memory(env, -static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(hint)), &ignored);
}

// allocAlignedChunk(bytes: number) -> ArrayBuffer of `bytes` (a positive
// multiple of 4096, at most 1 GiB) starting at a 4096-byte aligned address,
// freed when collected: the recording's chunks, written with O_DIRECT
// (src/record/writer.ts). Not zero-filled.
napi_value AllocAlignedChunk(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  double bytes = 0;
  constexpr const char* kUsage = "allocAlignedChunk(bytes: number)";
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok || argc < 1 || napi_get_value_double(env, arg, &bytes) != napi_ok) {
    return throw_type_error(env, kUsage);
  }
  if (!(bytes > 0) || bytes > static_cast<double>(1u << 30) || bytes != static_cast<double>(static_cast<std::size_t>(bytes)) ||
      static_cast<std::size_t>(bytes) % kDirectIoAlign != 0) {
    return throw_value_error(env, "allocAlignedChunk: bytes must be a positive multiple of 4096, at most 1 GiB");
  }
  const auto size = static_cast<std::size_t>(bytes);
  void* mem = std::aligned_alloc(kDirectIoAlign, size);
  if (mem == nullptr) return throw_coded_error(env, "ERR_NAPI", "allocAlignedChunk: out of memory");
  napi_value out;
  if (napi_create_external_arraybuffer(env, mem, size, FreeAligned, reinterpret_cast<void*>(static_cast<std::uintptr_t>(size)), &out) != napi_ok) {
    std::free(mem);
    return throw_coded_error(env, "ERR_NAPI", "allocAlignedChunk: could not create the ArrayBuffer");
  }
  // Reported, so that chunks of big records dropped after their write do
  // not pile up unseen until some unrelated collection.
  std::int64_t ignored = 0;
  napi_adjust_external_memory(env, static_cast<std::int64_t>(size), &ignored);
  return out;
}

}  // namespace

// addon.cc's signature; everything below it is raw N-API.
void InitRecord(Napi::Env napi_env_obj, Napi::Object exports_obj) {
  napi_env env = napi_env_obj;
  napi_value exports = exports_obj;
  const napi_property_descriptor props[] = {
      {"crc32c", nullptr, Crc32c<settrade::crc32c>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"crc32cPortable", nullptr, Crc32c<settrade::crc32c_portable>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"crc32cRecords", nullptr, Crc32cRecords, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"crc32cVerifiedEnd", nullptr, Crc32cVerifiedEnd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bindRecordCell", nullptr, BindRecordCell, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bindRecordChunk", nullptr, BindRecordChunk, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"allocAlignedChunk", nullptr, AllocAlignedChunk, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace settrade::binding
