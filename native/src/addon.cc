// Entry point of the settrade_feed addon. Each component registers its own
// functions; the addon keeps no global state (per-environment state, if any,
// goes through env.SetInstanceData) so it loads in worker threads too.
// Built with NAPI_DISABLE_CPP_EXCEPTIONS: errors are thrown as pending JS
// exceptions and no C++ exception ever crosses the N-API boundary.
#include <napi.h>

#include "settrade/slot_layout.h"

namespace settrade::binding {
void InitCodec(Napi::Env env, Napi::Object exports);
void InitRing(Napi::Env env, Napi::Object exports);
void InitContract(Napi::Env env, Napi::Object exports);

namespace {
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
  settrade::binding::InitLayout(env, exports);
  settrade::binding::InitCodec(env, exports);
  settrade::binding::InitRing(env, exports);
  settrade::binding::InitContract(env, exports);
  return exports;
}

NODE_API_MODULE(settrade_feed, Init)
