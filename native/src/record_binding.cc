// The recording's checksum (src/record/crc32c.ts uses it when the addon
// loads): crc32c(bytes, start, end, crc) and crc32cPortable(...), the
// portable variant, so tests can prove both equal the JS one. Raw N-API: it
// runs once per recorded message. Every range is checked against the array.
#include <napi.h>

#include "napi_util.h"
#include "settrade/crc32c.h"

namespace settrade::binding {
namespace {

using CrcFn = std::uint32_t (*)(const std::uint8_t*, std::size_t, std::uint32_t) noexcept;

template <CrcFn Fn>
napi_value Crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  std::uint8_t* data = nullptr;
  std::size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 4 || !get_uint8_array(env, argv[0], &data, &len)) {
    return throw_type_error(env, "crc32c(bytes: Uint8Array, start: number, end: number, crc: number)");
  }
  double start = 0;
  double end = 0;
  std::uint32_t crc = 0;
  if (napi_get_value_double(env, argv[1], &start) != napi_ok || napi_get_value_double(env, argv[2], &end) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &crc) != napi_ok) {
    return throw_type_error(env, "crc32c: start, end and crc must be numbers");
  }
  // !(a <= b) also rejects NaN.
  if (!(start >= 0) || !(start <= end) || !(end <= static_cast<double>(len)) || start != static_cast<double>(static_cast<std::size_t>(start)) ||
      end != static_cast<double>(static_cast<std::size_t>(end))) {
    return throw_value_error(env, "crc32c: [start, end) must be an integer range inside the array");
  }
  const auto s = static_cast<std::size_t>(start);
  const auto e = static_cast<std::size_t>(end);
  napi_value out;
  napi_create_uint32(env, Fn(data + s, e - s, crc), &out);
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
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace settrade::binding
