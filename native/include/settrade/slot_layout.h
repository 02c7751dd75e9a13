// Slot layouts of the two event kinds: the single source of truth.
// src/events/slot-layout.ts mirrors these numbers; test/slot-layout.test.ts
// parses this file and fails if the two drift apart.
//
// A slot is a fixed-size, 64-byte-aligned record inside a ring's
// SharedArrayBuffer. Both kinds share the first cache line (the event header),
// so code that only needs symbol/flags/timestamps is kind-agnostic.
// Integers are little-endian; int64 fields are stored exactly (the JS side
// reads them as two 32-bit halves, never through a lossy double).
#pragma once

#include <cstddef>
#include <cstdint>

namespace settrade::layout {

// ---- common header (first cache line) ----
constexpr std::size_t kRecvTsOffset = 0;          // int64  wall clock, ns since Unix epoch
constexpr std::size_t kRecvMonoNsOffset = 8;      // int64  monotonic clock, ns
constexpr std::size_t kBidFlagOffset = 16;        // int32  BidAskFlag (unknown values kept)
constexpr std::size_t kAskFlagOffset = 20;        // int32  BidAskFlag
constexpr std::size_t kConnectionEpochOffset = 24;  // uint32 reconnect epoch
constexpr std::size_t kSymbolLengthOffset = 28;   // uint8  bytes used in kSymbolOffset
constexpr std::size_t kSymbolOffset = 32;         // uint8[kSymbolCapacity] UTF-8, not NUL-terminated
constexpr std::size_t kSymbolCapacity = 32;
constexpr std::size_t kHeaderSize = 64;

// ---- BestBidAsk: level 1 only ----
constexpr std::size_t kBbaBidOffset = 64;         // double
constexpr std::size_t kBbaAskOffset = 72;         // double
constexpr std::size_t kBbaBidVolOffset = 80;      // int64
constexpr std::size_t kBbaAskVolOffset = 88;      // int64
constexpr std::size_t kBestBidAskSlotSize = 128;

// ---- FullBidOffer: ten levels a side ----
constexpr std::size_t kDepthLevels = 10;
constexpr std::size_t kFboBidPricesOffset = 64;   // double[10]
constexpr std::size_t kFboAskPricesOffset = 144;  // double[10]
constexpr std::size_t kFboBidVolumesOffset = 224; // int64[10]
constexpr std::size_t kFboAskVolumesOffset = 304; // int64[10]
constexpr std::size_t kFullBidOfferSlotSize = 384;

constexpr std::size_t kSlotAlignment = 64;

static_assert(kSymbolOffset + kSymbolCapacity == kHeaderSize, "header is one cache line");
static_assert(kBbaAskVolOffset + 8 <= kBestBidAskSlotSize, "BestBidAsk fits its slot");
static_assert(kFboAskVolumesOffset + 8 * kDepthLevels == kFullBidOfferSlotSize, "FullBidOffer fills its slot");
static_assert(kBestBidAskSlotSize % kSlotAlignment == 0 && kBestBidAskSlotSize <= 200, "seed budget: 200 bytes");
static_assert(kFullBidOfferSlotSize % kSlotAlignment == 0 && kFullBidOfferSlotSize <= 440, "seed budget: 440 bytes");

}  // namespace settrade::layout
