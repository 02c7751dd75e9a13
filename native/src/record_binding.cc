// The recording's checksum (src/record/crc32c.ts uses it when the addon
// loads): crc32c(bytes, start, end, crc) and crc32cPortable(...), the
// portable variant, so tests can prove both equal the JS one. Raw N-API: it
// runs once per recorded message. Every range is checked against the array.
#include <napi.h>

#include <cstdio>

#include "napi_util.h"
#include "record_frame.h"
#include "settrade/crc32c.h"

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
// (length u32 | crc u32 | body) does not end exactly at `end`. Writes each
// body's CRC-32C into its CRC field: one crossing per batch of records.
napi_value Crc32cRecords(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  ByteRange r;
  constexpr const char* kUsage = "crc32cRecords(bytes: Uint8Array, start: number, end: number)";
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 3) return throw_type_error(env, kUsage);
  if (!GetByteRange(env, argv, "crc32cRecords", kUsage, &r)) return nullptr;
  std::uint8_t* data = r.data;
  std::size_t pos = r.start;
  const std::size_t stop = r.end;
  std::int32_t n = 0;
  while (pos < stop) {
    if (stop - pos < 8) return make_int32(env, -1);
    // Little-endian fields, assembled byte by byte (any host).
    const std::uint32_t body_len = static_cast<std::uint32_t>(data[pos]) | static_cast<std::uint32_t>(data[pos + 1]) << 8 |
                                   static_cast<std::uint32_t>(data[pos + 2]) << 16 | static_cast<std::uint32_t>(data[pos + 3]) << 24;
    if (body_len > stop - pos - 8) return make_int32(env, -1);
    const std::uint32_t crc = settrade::crc32c(data + pos + 8, body_len);
    for (int k = 0; k < 4; k++) data[pos + 4 + k] = static_cast<std::uint8_t>(crc >> (8 * k));
    pos += 8 + static_cast<std::size_t>(body_len);
    n++;
  }
  return make_int32(env, n);
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

}  // namespace

// addon.cc's signature; everything below it is raw N-API.
void InitRecord(Napi::Env napi_env_obj, Napi::Object exports_obj) {
  napi_env env = napi_env_obj;
  napi_value exports = exports_obj;
  const napi_property_descriptor props[] = {
      {"crc32c", nullptr, Crc32c<settrade::crc32c>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"crc32cPortable", nullptr, Crc32c<settrade::crc32c_portable>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"crc32cRecords", nullptr, Crc32cRecords, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bindRecordCell", nullptr, BindRecordCell, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bindRecordChunk", nullptr, BindRecordChunk, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace settrade::binding
