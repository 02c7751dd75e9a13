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

void StoreCrc(std::uint8_t* prefix, std::uint32_t crc) {
  for (int k = 0; k < 4; k++) prefix[4 + k] = static_cast<std::uint8_t>(crc >> (8 * k));
}

#if SETTRADE_HAVE_SSE42_CRC && defined(__x86_64__)
// The CRC-32C of three bodies at once: the crc32 instruction takes 3 cycles
// but issues every cycle, so three independent chains cost about one (a
// record's chain alone was ~15 ns of the recording's per-message cost).
// prefix[i] is a record (length, CRC, then its body of len[i] bytes).
__attribute__((target("sse4.2"))) void Crc32cThree(const std::uint8_t* const prefix[3], const std::size_t len[3], std::uint32_t out[3]) noexcept {
  const std::uint8_t* p0 = prefix[0] + 8;
  const std::uint8_t* p1 = prefix[1] + 8;
  const std::uint8_t* p2 = prefix[2] + 8;
  std::uint64_t c0 = 0xFFFFFFFFu, c1 = 0xFFFFFFFFu, c2 = 0xFFFFFFFFu;
  std::size_t common = len[0] < len[1] ? len[0] : len[1];
  if (len[2] < common) common = len[2];
  for (std::size_t i = 0; i + 8 <= common; i += 8) {
    std::uint64_t v0, v1, v2;
    std::memcpy(&v0, p0 + i, 8);
    std::memcpy(&v1, p1 + i, 8);
    std::memcpy(&v2, p2 + i, 8);
    c0 = _mm_crc32_u64(c0, v0);
    c1 = _mm_crc32_u64(c1, v1);
    c2 = _mm_crc32_u64(c2, v2);
  }
  const std::size_t done = common & ~static_cast<std::size_t>(7);
  namespace d = settrade::crc32c_detail;
  out[0] = ~d::update_sse42(static_cast<std::uint32_t>(c0), p0 + done, len[0] - done);
  out[1] = ~d::update_sse42(static_cast<std::uint32_t>(c1), p1 + done, len[1] - done);
  out[2] = ~d::update_sse42(static_cast<std::uint32_t>(c2), p2 + done, len[2] - done);
}
#endif

// The CRCs of up to three records' bodies (three chains at once with SSE4.2).
void BodyCrcs(const std::uint8_t* const prefix[3], const std::size_t len[3], int count, std::uint32_t out[3]) noexcept {
#if SETTRADE_HAVE_SSE42_CRC && defined(__x86_64__)
  if (count == 3 && settrade::crc32c_hardware()) {
    Crc32cThree(prefix, len, out);
    return;
  }
#endif
  for (int i = 0; i < count; i++) out[i] = settrade::crc32c(prefix[i] + 8, len[i]);
}

std::uint32_t LoadLe32(const std::uint8_t* p) noexcept {
  // Little-endian, assembled byte by byte (any host).
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
         static_cast<std::uint32_t>(p[3]) << 24;
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
  std::uint8_t* data = r.data;
  std::size_t pos = r.start;
  const std::size_t stop = r.end;
  std::int32_t n = 0;
  // Records framed but not yet summed (up to three).
  const std::uint8_t* pending[3] = {};
  std::uint8_t* pending_out[3] = {};
  std::size_t pending_len[3] = {};
  std::uint32_t crcs[3] = {};
  int count = 0;
  bool bad = false;
  while (pos < stop) {
    if (stop - pos < 8) {
      bad = true;
      break;
    }
    const std::uint32_t body_len = LoadLe32(data + pos);
    if (body_len > stop - pos - 8) {
      bad = true;
      break;
    }
    pending[count] = pending_out[count] = data + pos;
    pending_len[count] = body_len;
    count++;
    pos += 8 + static_cast<std::size_t>(body_len);
    n++;
    if (count == 3) {
      BodyCrcs(pending, pending_len, 3, crcs);
      for (int i = 0; i < 3; i++) StoreCrc(pending_out[i], crcs[i]);
      count = 0;
    }
  }
  BodyCrcs(pending, pending_len, count, crcs);
  for (int i = 0; i < count; i++) StoreCrc(pending_out[i], crcs[i]);
  return make_int32(env, bad ? -1 : n);
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
  const std::uint8_t* data = r.data;
  const std::size_t stop = r.end;
  std::size_t verified = r.start;
  std::size_t pos = r.start;
  const std::uint8_t* pending[3] = {};
  std::size_t pending_len[3] = {};
  std::uint32_t crcs[3] = {};
  for (;;) {
    // Frame up to three whole, plausible records ahead, then check them in order.
    int count = 0;
    while (count < 3 && stop - pos >= 8) {
      const std::uint32_t body_len = LoadLe32(data + pos);
      if (body_len < min_body || body_len > max_body || body_len > stop - pos - 8) break;
      pending[count] = data + pos;
      pending_len[count] = body_len;
      count++;
      pos += 8 + static_cast<std::size_t>(body_len);
    }
    BodyCrcs(pending, pending_len, count, crcs);
    for (int i = 0; i < count; i++) {
      if (crcs[i] != LoadLe32(pending[i] + 4)) return make_double(env, static_cast<double>(verified));
      verified += 8 + pending_len[i];
    }
    if (count < 3) return make_double(env, static_cast<double>(verified));
  }
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
