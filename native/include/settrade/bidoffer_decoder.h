// STUB — replaced by the codec work (issue 2). The signatures are the contract
// the ring binding relies on; keep them.
#pragma once
#include <cstddef>
#include <cstdint>

#include "settrade/slot_layout.h"

namespace settrade {

enum class DecodeStatus : std::int32_t {
  kOk = 0,
  kTruncated = 1,
  kVarintTooLong = 2,
  kBadWireType = 3,
  kLengthOverflow = 4,
  kSymbolTooLong = 5,
  kBadFieldNumber = 6,
  kBadGroup = 7,
};

// Decode a BidOfferV3 payload into a slot: writes the book, the flags, the
// symbol length and bytes; leaves recvTs, recvMonoNs and connectionEpoch alone.
// Never reads outside [data, data + len) and never writes outside the slot.
inline DecodeStatus decode_full_bid_offer(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  (void)data; (void)len; (void)slot;
  return DecodeStatus::kTruncated;
}
inline DecodeStatus decode_best_bid_ask(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  (void)data; (void)len; (void)slot;
  return DecodeStatus::kTruncated;
}

}  // namespace settrade
