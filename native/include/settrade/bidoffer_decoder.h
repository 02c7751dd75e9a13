// BidOfferV3 decoder: reads a protobuf payload in place and writes one slot
// (layouts in slot_layout.h). Plain C++17, no N-API, no allocation, no
// exceptions. Every read is bounds-checked against [data, data + len).
//
// Semantics follow Google's protobuf runtime (the oracle of the test vectors):
// fields in any order; unknown fields skipped (including groups, matched by
// field number, nested at most kMaxDepth deep); a field with an unexpected
// wire type is an unknown field; wire types 6/7 and field number 0 are errors;
// tags are at most 5 bytes and 32 bits; varints at most 10 bytes (bits past 64
// in the 10th byte are dropped); lengths below 2^31 - 1; proto3 strings must be
// valid UTF-8; the last scalar wins; a repeated Money is merged (units and
// nanos each last-wins); int32 fields keep the low 32 bits; enums stay raw.
//
// The whole message is decoded into locals and the slot is written only on
// success, so a rejected payload leaves the slot untouched.
//
// This header is the interface; the parser and its per-CPU fast path are in
// settrade/detail/ (included at the end, since everything is inline).
#pragma once
#include <cstddef>
#include <cstdint>

#include "settrade/slot_layout.h"

namespace settrade {

enum class DecodeStatus : std::int32_t {
  kOk = 0,
  kTruncated = 1,       // a varint, fixed field or group ran past the end of its message
  kVarintTooLong = 2,   // a varint over 10 bytes, or a tag over 5 bytes
  kBadWireType = 3,     // wire type 6 or 7
  kLengthOverflow = 4,  // a length prefix past the end of its message (or >= 2^31 - 1)
  kSymbolTooLong = 5,   // symbol over layout::kSymbolCapacity bytes
  kBadFieldNumber = 6,  // field number 0, or a tag over 32 bits
  kBadGroup = 7,        // end-group without a matching start-group, or an unterminated group
  kBadUtf8 = 8,         // a string field that is not valid UTF-8
  kTooDeep = 9,         // groups/sub-messages nested deeper than kMaxDepth
};

// The instruction-set variants of the decoder. Both give identical results
// (the C++ tests and the fuzz targets run every input through both); kBmi2
// uses PEXT/TZCNT/BLSMSK for the varints and is ~20% faster where PEXT is fast.
enum class DecoderVariant : std::int32_t { kPortable = 0, kBmi2 = 1 };

// A slot decoder: payload bytes in, slot written, status out.
using SlotDecoder = DecodeStatus (*)(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept;

// Decode a BidOfferV3 payload into a FullBidOffer slot: writes the book, the
// flags, the symbol length and bytes; leaves recvTs, recvMonoNs and
// connectionEpoch alone. Never reads outside [data, data + len) and never
// writes outside the slot (layout::kFullBidOfferSlotSize bytes). On error the
// slot is not modified. Runs the best variant for this CPU.
inline DecodeStatus decode_full_bid_offer(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept;

// Same validation as decode_full_bid_offer (same accept/reject and status);
// writes level 1 only (layout::kBestBidAskSlotSize bytes).
inline DecodeStatus decode_best_bid_ask(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept;

// The same with an explicit variant (one that cannot run here runs as kPortable).
inline DecodeStatus decode_full_bid_offer(DecoderVariant v, const std::uint8_t* data, std::size_t len,
                                          std::uint8_t* slot) noexcept;
inline DecodeStatus decode_best_bid_ask(DecoderVariant v, const std::uint8_t* data, std::size_t len,
                                        std::uint8_t* slot) noexcept;

// The FullBidOffer / BestBidAsk decoder of variant `v` (kPortable's when `v`
// cannot run here). Resolve it once and call through the pointer: the variant
// check then costs nothing per message.
inline SlotDecoder full_bid_offer_decoder(DecoderVariant v) noexcept;
inline SlotDecoder best_bid_ask_decoder(DecoderVariant v) noexcept;

// Whether `v` can run on this CPU (kPortable always can).
inline bool decoder_variant_available(DecoderVariant v) noexcept;
// The variant decode_full_bid_offer/decode_best_bid_ask use by default.
inline DecoderVariant best_decoder_variant() noexcept;
// "bmi2" or "portable".
inline const char* decoder_variant_name(DecoderVariant v) noexcept;

}  // namespace settrade

#include "settrade/detail/bidoffer_decoder_impl.h"
