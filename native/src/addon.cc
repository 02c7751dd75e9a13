// Entry point of the settrade_feed addon. Each component registers its own
// functions; the addon keeps no global state so it loads in worker threads
// too: per-environment state is the one AddonData (napi_util.h) in the env's
// single instance-data slot; add fields there rather than calling
// SetInstanceData again (that would replace it).
// Built with NAPI_DISABLE_CPP_EXCEPTIONS: errors are thrown as pending JS
// exceptions and no C++ exception ever crosses the N-API boundary.
#include <napi.h>

#include "napi_util.h"
#include "settrade/slot_layout.h"

namespace settrade::binding {
void InitCodec(Napi::Env env, Napi::Object exports);
void InitRing(Napi::Env env, Napi::Object exports);
void InitContract(Napi::Env env, Napi::Object exports);
void InitRecord(Napi::Env env, Napi::Object exports);

namespace {
// setErrorClass(ctor): the class every later error of this addon is built
// from, as `new ctor(code, message)` (src/native.ts passes NativeError, so
// addon errors are SettradeFeedErrors too). Per environment: each worker
// thread that loads the addon registers its own.
napi_value SetErrorClass(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function) {
    return throw_type_error(env, "setErrorClass(ctor: a class)");
  }
  AddonData* data = addon_data(env);
  if (data == nullptr) return throw_coded_error(env, "ERR_NAPI", "setErrorClass: addon data missing");
  if (!replace_reference(env, &data->error_class, argv[0])) {
    return throw_coded_error(env, "ERR_NAPI", "setErrorClass: could not keep the class");
  }
  return nullptr;
}

void FinalizeAddonData(napi_env env, void* data, void* /*hint*/) {
  auto* d = static_cast<AddonData*>(data);
  if (d->error_class != nullptr) napi_delete_reference(env, d->error_class);
  if (d->push_stamp_ref != nullptr) napi_delete_reference(env, d->push_stamp_ref);
  if (d->record_cell_ref != nullptr) napi_delete_reference(env, d->record_cell_ref);
  if (d->record_chunk_ref != nullptr) napi_delete_reference(env, d->record_chunk_ref);
  delete d;
}

void InitErrors(Napi::Env env, Napi::Object exports) {
  napi_set_instance_data(env, new AddonData{}, FinalizeAddonData, nullptr);
  napi_value fn;
  if (napi_create_function(env, "setErrorClass", NAPI_AUTO_LENGTH, SetErrorClass, nullptr, &fn) == napi_ok) {
    exports.Set("setErrorClass", Napi::Value(env, fn));
  }
}

void InitLayout(Napi::Env env, Napi::Object exports) {
  namespace L = settrade::layout;
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* name, std::size_t v) { o.Set(name, Napi::Number::New(env, static_cast<double>(v))); };
  set("recvTsOffset", L::kRecvTsOffset);
  set("recvMonoNsOffset", L::kRecvMonoNsOffset);
  set("bidFlagOffset", L::kBidFlagOffset);
  set("askFlagOffset", L::kAskFlagOffset);
  set("connectionEpochOffset", L::kConnectionEpochOffset);
  set("symbolLengthOffset", L::kSymbolLengthOffset);
  set("symbolOffset", L::kSymbolOffset);
  set("symbolCapacity", L::kSymbolCapacity);
  set("headerSize", L::kHeaderSize);
  set("bbaBidOffset", L::kBbaBidOffset);
  set("bbaAskOffset", L::kBbaAskOffset);
  set("bbaBidVolOffset", L::kBbaBidVolOffset);
  set("bbaAskVolOffset", L::kBbaAskVolOffset);
  set("bestBidAskSlotSize", L::kBestBidAskSlotSize);
  set("depthLevels", L::kDepthLevels);
  set("fboBidPricesOffset", L::kFboBidPricesOffset);
  set("fboAskPricesOffset", L::kFboAskPricesOffset);
  set("fboBidVolumesOffset", L::kFboBidVolumesOffset);
  set("fboAskVolumesOffset", L::kFboAskVolumesOffset);
  set("fullBidOfferSlotSize", L::kFullBidOfferSlotSize);
  set("slotAlignment", L::kSlotAlignment);
  exports.Set("layout", o);
}
}  // namespace
}  // namespace settrade::binding

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  settrade::binding::InitErrors(env, exports);
  settrade::binding::InitLayout(env, exports);
  settrade::binding::InitCodec(env, exports);
  settrade::binding::InitRing(env, exports);
  settrade::binding::InitContract(env, exports);
  settrade::binding::InitRecord(env, exports);
  return exports;
}

NODE_API_MODULE(settrade_feed, Init)
