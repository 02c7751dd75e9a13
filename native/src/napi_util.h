// Small raw-napi helpers shared by the bindings (and by the benchmark-only
// module in native/bench/, which measures the cost of exactly these argument
// checks). Raw napi_* calls (not the node-addon-api wrappers) because these
// run on per-message paths.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace settrade::binding {

// Throws a JS TypeError with `code` and returns nullptr (the value a callback returns then).
inline napi_value throw_type_error(napi_env env, const char* code, const char* msg) {
  napi_throw_type_error(env, code, msg);
  return nullptr;
}

// Throws a JS RangeError with `code` and returns nullptr.
inline napi_value throw_range_error(napi_env env, const char* code, const char* msg) {
  napi_throw_range_error(env, code, msg);
  return nullptr;
}

inline napi_value make_int32(napi_env env, std::int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

// The bytes of a Uint8Array (or Buffer); false for anything else. One call:
// napi_get_typedarray_info already fails for values that are not typed arrays.
inline bool get_uint8_array(napi_env env, napi_value v, std::uint8_t** data, std::size_t* len) {
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<std::uint8_t*>(ptr);
  return true;
}

inline std::size_t element_size(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;
  }
}

// Bytes of a TypedArray/Buffer (or an ArrayBuffer). False when `v` is neither.
inline bool get_bytes(napi_env env, napi_value v, std::uint8_t** data, std::size_t* len) {
  napi_typedarray_type type;
  std::size_t n;
  void* d;
  if (napi_get_typedarray_info(env, v, &type, &n, &d, nullptr, nullptr) == napi_ok) {
    *data = static_cast<std::uint8_t*>(d);
    *len = n * element_size(type);
    return true;
  }
  bool is_ab = false;
  if (napi_is_arraybuffer(env, v, &is_ab) == napi_ok && is_ab &&
      napi_get_arraybuffer_info(env, v, &d, len) == napi_ok) {
    *data = static_cast<std::uint8_t*>(d);
    return true;
  }
  return false;
}

// Slot byte offset: an integer, a multiple of 8, with the whole slot (`need`
// bytes) inside a buffer of `buf_len` bytes. False with a pending TypeError or
// RangeError otherwise.
inline bool slot_offset(napi_env env, napi_value v, std::size_t buf_len, std::size_t need, std::size_t* off) {
  std::int64_t o;
  if (napi_get_value_int64(env, v, &o) != napi_ok) {
    throw_type_error(env, "ERR_INVALID_ARG_TYPE", "slotByteOffset must be a number");
    return false;
  }
  if (o < 0 || (o & 7) != 0 || static_cast<std::uint64_t>(o) > buf_len || buf_len - static_cast<std::size_t>(o) < need) {
    throw_range_error(env, "ERR_OUT_OF_RANGE", "slotByteOffset must be a multiple of 8 with the whole slot inside the slot buffer");
    return false;
  }
  *off = static_cast<std::size_t>(o);
  return true;
}

// A JS function whose callback data is `data` (heap-allocated, ownership
// taken), which points into the memory of `buffer`: the function holds a
// strong reference to `buffer`, so the pointer cannot dangle, and the
// finalizer releases both when the function is collected. `Data` has a
// `napi_ref ref` member for that reference. nullptr (data freed) on failure.
template <typename Data>
napi_value make_function_over(napi_env env, const char* name, napi_callback cb, Data* data, napi_value buffer) {
  data->ref = nullptr;
  napi_value fn;
  const auto finalize = [](napi_env e, void* d, void*) {
    auto* owned = static_cast<Data*>(d);
    napi_delete_reference(e, owned->ref);
    delete owned;
  };
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, data, &fn) != napi_ok ||
      napi_create_reference(env, buffer, 1, &data->ref) != napi_ok ||
      napi_add_finalizer(env, fn, data, finalize, nullptr, nullptr) != napi_ok) {
    if (data->ref != nullptr) napi_delete_reference(env, data->ref);
    delete data;
    return nullptr;
  }
  return fn;
}

}  // namespace settrade::binding
