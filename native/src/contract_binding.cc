// `contract`: every constant the TypeScript side shares with the C++ side,
// read from the headers' own constexprs (slot layout, ring header, push
// result bits, decode statuses and their names). test/contract.test.ts
// compares it with the TypeScript mirrors, so a constant changed on one side
// only fails a test instead of corrupting memory at run time.
#include <napi.h>

#include <cstdint>

#include "settrade/bidoffer_decoder.h"
#include "settrade/slot_layout.h"
#include "settrade/spsc_ring.h"

namespace settrade::binding {
namespace {

namespace L = settrade::layout;
namespace R = settrade::ring;

// The name TypeScript gives each status (ParseError.code). No default: a new
// enumerator without a name here is a -Wswitch warning.
const char* DecodeStatusName(DecodeStatus s) {
  switch (s) {
    case DecodeStatus::kOk: return "OK";
    case DecodeStatus::kTruncated: return "TRUNCATED";
    case DecodeStatus::kVarintTooLong: return "VARINT_TOO_LONG";
    case DecodeStatus::kBadWireType: return "BAD_WIRE_TYPE";
    case DecodeStatus::kLengthOverflow: return "LENGTH_OVERFLOW";
    case DecodeStatus::kSymbolTooLong: return "SYMBOL_TOO_LONG";
    case DecodeStatus::kBadFieldNumber: return "BAD_FIELD_NUMBER";
    case DecodeStatus::kBadGroup: return "BAD_GROUP";
    case DecodeStatus::kBadUtf8: return "BAD_UTF8";
    case DecodeStatus::kTooDeep: return "TOO_DEEP";
  }
  return nullptr;
}
constexpr std::int32_t kLastDecodeStatus = static_cast<std::int32_t>(DecodeStatus::kTooDeep);

class Builder {
 public:
  explicit Builder(Napi::Env env) : env_(env), obj_(Napi::Object::New(env)) {}
  Builder& num(const char* name, double v) {
    obj_.Set(name, Napi::Number::New(env_, v));
    return *this;
  }
  Builder& obj(const char* name, Napi::Object v) {
    obj_.Set(name, v);
    return *this;
  }
  Napi::Object done() { return obj_; }

 private:
  Napi::Env env_;
  Napi::Object obj_;
};

Napi::Object SlotContract(Napi::Env env) {
  return Builder(env)
      .num("recvTsOffset", L::kRecvTsOffset)
      .num("recvMonoNsOffset", L::kRecvMonoNsOffset)
      .num("bidFlagOffset", L::kBidFlagOffset)
      .num("askFlagOffset", L::kAskFlagOffset)
      .num("connectionEpochOffset", L::kConnectionEpochOffset)
      .num("symbolLengthOffset", L::kSymbolLengthOffset)
      .num("symbolOffset", L::kSymbolOffset)
      .num("symbolCapacity", L::kSymbolCapacity)
      .num("headerSize", L::kHeaderSize)
      .num("bbaBidOffset", L::kBbaBidOffset)
      .num("bbaAskOffset", L::kBbaAskOffset)
      .num("bbaBidVolOffset", L::kBbaBidVolOffset)
      .num("bbaAskVolOffset", L::kBbaAskVolOffset)
      .num("bestBidAskSlotSize", L::kBestBidAskSlotSize)
      .num("depthLevels", L::kDepthLevels)
      .num("fboBidPricesOffset", L::kFboBidPricesOffset)
      .num("fboAskPricesOffset", L::kFboAskPricesOffset)
      .num("fboBidVolumesOffset", L::kFboBidVolumesOffset)
      .num("fboAskVolumesOffset", L::kFboAskVolumesOffset)
      .num("fullBidOfferSlotSize", L::kFullBidOfferSlotSize)
      .num("slotAlignment", L::kSlotAlignment)
      .done();
}

Napi::Object RingContract(Napi::Env env) {
  return Builder(env)
      .num("magicOffset", R::kMagicOffset)
      .num("versionOffset", R::kVersionOffset)
      .num("kindOffset", R::kKindOffset)
      .num("slotSizeOffset", R::kSlotSizeOffset)
      .num("capacityOffset", R::kCapacityOffset)
      .num("overflowOffset", R::kOverflowOffset)
      .num("modulusOffset", R::kModulusOffset)
      .num("headerBytesOffset", R::kHeaderBytesOffset)
      .num("emaAlphaOffset", R::kEmaAlphaOffset)
      .num("writeIndexOffset", R::kWriteIndexOffset)
      .num("readIndexOffset", R::kReadIndexOffset)
      .num("sleepingOffset", R::kSleepingOffset)
      .num("pushedOffset", R::kPushedOffset)
      .num("droppedOffset", R::kDroppedOffset)
      .num("polledOffset", R::kPolledOffset)
      .num("dropRateEmaOffset", R::kDropRateEmaOffset)
      .num("dropWarnedOffset", R::kDropWarnedOffset)
      .num("closedOffset", R::kClosedOffset)
      .num("headerBytes", R::kHeaderBytes)
      .num("magic", R::kMagic)
      .num("version", R::kVersion)
      .num("maxCapacity", R::kMaxCapacity)
      .num("indexLimit", static_cast<double>(R::kIndexLimit))
      .num("overflowDropOldest", static_cast<double>(R::Overflow::kDropOldest))
      .num("overflowRejectNewest", static_cast<double>(R::Overflow::kRejectNewest))
      .done();
}

Napi::Object PushContract(Napi::Env env) {
  return Builder(env).num("accepted", R::kPushAccepted).num("evicted", R::kPushEvicted).num("wake", R::kPushWake).done();
}

// { OK: 0, TRUNCATED: 1, ... } in value order.
Napi::Object DecodeStatusContract(Napi::Env env) {
  Builder b(env);
  for (std::int32_t v = 0; v <= kLastDecodeStatus; ++v) b.num(DecodeStatusName(static_cast<DecodeStatus>(v)), v);
  return b.done();
}

}  // namespace

void InitContract(Napi::Env env, Napi::Object exports) {
  Napi::Object contract = Builder(env)
                              .obj("slot", SlotContract(env))
                              .obj("ring", RingContract(env))
                              .obj("push", PushContract(env))
                              .obj("decodeStatus", DecodeStatusContract(env))
                              .done();
  contract.Freeze();
  exports.Set("contract", contract);
}

}  // namespace settrade::binding
