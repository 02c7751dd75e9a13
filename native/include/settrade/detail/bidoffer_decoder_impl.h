// Definitions of the interface declared in settrade/bidoffer_decoder.h.
#pragma once
#include "settrade/detail/bidoffer_parse.h"

namespace settrade {

// Whether `v` can run here (kPortable always can).
inline bool decoder_variant_available(DecoderVariant v) noexcept {
  if (v == DecoderVariant::kPortable) return true;
  static const bool fast_pext = bidoffer_detail::cpu_has_fast_pext();
  return fast_pext;
}

// The variant decode_full_bid_offer/decode_best_bid_ask use by default.
inline DecoderVariant best_decoder_variant() noexcept {
  return decoder_variant_available(DecoderVariant::kBmi2) ? DecoderVariant::kBmi2 : DecoderVariant::kPortable;
}

inline const char* decoder_variant_name(DecoderVariant v) noexcept {
  return v == DecoderVariant::kBmi2 ? "bmi2" : "portable";
}


namespace bidoffer_detail {
// The decoder of variant `v` writing slots through `Write`.
template <void (*Write)(const Book&, std::uint8_t*) noexcept>
inline SlotDecoder variant_decoder(DecoderVariant v) noexcept {
#if SETTRADE_HAVE_BMI2_VARIANT
  if (v == DecoderVariant::kBmi2 && decoder_variant_available(v)) return &bmi2::decode_into<Write>;
#endif
  (void)v;
  return &portable::decode_into<Write>;
}
}  // namespace bidoffer_detail

// The FullBidOffer / BestBidAsk decoder of variant `v` (kPortable's when `v`
// cannot run here). Resolve it once and call through the pointer: the variant
// check then costs nothing per message.
inline SlotDecoder full_bid_offer_decoder(DecoderVariant v) noexcept {
  return bidoffer_detail::variant_decoder<bidoffer_detail::write_full>(v);
}

inline SlotDecoder best_bid_ask_decoder(DecoderVariant v) noexcept {
  return bidoffer_detail::variant_decoder<bidoffer_detail::write_best>(v);
}

// Decode a BidOfferV3 payload into a slot: writes the book, the flags, the
// symbol length and bytes; leaves recvTs, recvMonoNs and connectionEpoch alone.
// Never reads outside [data, data + len) and never writes outside the slot
// (layout::kFullBidOfferSlotSize bytes). On error the slot is not modified.
// A variant that is not available here runs as kPortable.
inline DecodeStatus decode_full_bid_offer(DecoderVariant v, const std::uint8_t* data, std::size_t len,
                                          std::uint8_t* slot) noexcept {
  return full_bid_offer_decoder(v)(data, len, slot);
}

// Same validation as decode_full_bid_offer (same accept/reject and status);
// writes level 1 only (layout::kBestBidAskSlotSize bytes).
inline DecodeStatus decode_best_bid_ask(DecoderVariant v, const std::uint8_t* data, std::size_t len,
                                        std::uint8_t* slot) noexcept {
  return best_bid_ask_decoder(v)(data, len, slot);
}

inline DecodeStatus decode_full_bid_offer(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  return decode_full_bid_offer(best_decoder_variant(), data, len, slot);
}

inline DecodeStatus decode_best_bid_ask(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  return decode_best_bid_ask(best_decoder_variant(), data, len, slot);
}

}  // namespace settrade
