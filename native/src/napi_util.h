// Small raw-napi helpers shared by the bindings (and by the benchmark-only
// module in native/bench/, which measures the cost of exactly these argument
// checks). Raw napi_* calls (not the node-addon-api wrappers) because these
// run on per-message paths.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace settrade::binding {

// Per-environment state of the addon (napi instance data, so it loads in
// worker threads): the error class registered by setErrorClass, the
// thread's push-stamp cell (bindPushStampCell) and the recording's native
// framing target (bindRecordCell, bindRecordChunk; record_frame.h).
struct AddonData {
  napi_ref error_class = nullptr;
  // recvTs i64 | recvMonoNs i64 | sequence u32, host byte order: the stamps of
  // the last payload this thread pushed, for a recording that must write the
  // very stamps the event got (src/dispatcher/push-stamp.ts).
  std::uint8_t* push_stamp = nullptr;
  napi_ref push_stamp_ref = nullptr;
  // The record cell (record_frame.h's RecordCellWord) and the chunk the
  // recording is filling; both kept alive by the references.
  std::uint32_t* record_cell = nullptr;
  napi_ref record_cell_ref = nullptr;
  std::uint8_t* record_chunk = nullptr;
  std::size_t record_chunk_len = 0;
  napi_ref record_chunk_ref = nullptr;
};

// Points `*slot` (a strong reference held in AddonData) at `value`, releasing
// what it held; false (and `*slot` null) when the reference cannot be made.
inline bool replace_reference(napi_env env, napi_ref* slot, napi_value value) {
  if (*slot != nullptr) napi_delete_reference(env, *slot);
  *slot = nullptr;
  if (napi_create_reference(env, value, 1, slot) == napi_ok) return true;
  *slot = nullptr;
  return false;
}

inline AddonData* addon_data(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok) return nullptr;
  return static_cast<AddonData*>(data);
}

// Throws `new ErrorClass(code, msg)` (the package's NativeError, a
// SettradeFeedError, once src/native.ts has called setErrorClass); before
// that, or if constructing it fails, a plain `fallback` error with `code`.
// Returns nullptr (the value a callback returns then).
inline napi_value throw_error(napi_env env, const char* code, const char* msg,
                              napi_status (*fallback)(napi_env, const char*, const char*)) {
  AddonData* data = addon_data(env);
  napi_value ctor = nullptr;
  napi_value args[2];
  napi_value err;
  if (data != nullptr && data->error_class != nullptr &&
      napi_get_reference_value(env, data->error_class, &ctor) == napi_ok && ctor != nullptr &&
      napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &args[0]) == napi_ok &&
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &args[1]) == napi_ok &&
      napi_new_instance(env, ctor, 2, args, &err) == napi_ok) {
    napi_throw(env, err);
    return nullptr;
  }
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) fallback(env, code, msg);
  return nullptr;
}

// A wrong argument type: code ERR_INVALID_ARG_TYPE (a TypeError before setErrorClass).
inline napi_value throw_type_error(napi_env env, const char* msg) {
  return throw_error(env, "ERR_INVALID_ARG_TYPE", msg, napi_throw_type_error);
}

// A wrong argument value: code ERR_INVALID_ARG_VALUE (a RangeError before setErrorClass).
inline napi_value throw_value_error(napi_env env, const char* msg) {
  return throw_error(env, "ERR_INVALID_ARG_VALUE", msg, napi_throw_range_error);
}

// With an explicit code (the codec binding's spelling): ERR_INVALID_ARG_TYPE,
// ERR_INVALID_ARG_VALUE or ERR_NAPI; the fallback kind only matters before setErrorClass.
inline napi_value throw_type_error(napi_env env, const char* code, const char* msg) {
  return throw_error(env, code, msg, napi_throw_type_error);
}
inline napi_value throw_range_error(napi_env env, const char* code, const char* msg) {
  return throw_error(env, code, msg, napi_throw_range_error);
}

// Any other code (ERR_RING_HEADER, ERR_NAPI).
inline napi_value throw_coded_error(napi_env env, const char* code, const char* msg) {
  return throw_error(env, code, msg, napi_throw_error);
}

inline napi_value make_int32(napi_env env, std::int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

inline napi_value make_double(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
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
    throw_range_error(env, "ERR_INVALID_ARG_VALUE", "slotByteOffset must be a multiple of 8 with the whole slot inside the slot buffer");
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

// A function's one Uint8Array argument: its value in `*arg` and its bytes;
// false when there is none (the caller throws its usage).
inline bool get_uint8_array_arg(napi_env env, napi_callback_info info, napi_value* arg, std::uint8_t** data, std::size_t* len) {
  size_t argc = 1;
  return napi_get_cb_info(env, info, &argc, arg, nullptr, nullptr) == napi_ok && argc >= 1 && get_uint8_array(env, *arg, data, len);
}

}  // namespace settrade::binding
