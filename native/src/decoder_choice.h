// Which decoder variant (bidoffer_decoder.h) the addon runs: the fastest this
// CPU supports, unless SETTRADE_FEED_NATIVE_DECODER says `portable` or `bmi2`
// (tests run both; benchmarks compare them). The TypeScript loader rejects
// other values before the addon loads. Chosen once per process.
#pragma once

#include <cstdlib>
#include <cstring>

#include "settrade/bidoffer_decoder.h"

namespace settrade::binding {

inline DecoderVariant active_decoder_variant() noexcept {
  static const DecoderVariant chosen = [] {
    const char* env = std::getenv("SETTRADE_FEED_NATIVE_DECODER");
    if (env != nullptr && std::strcmp(env, "portable") == 0) return DecoderVariant::kPortable;
    return best_decoder_variant();  // `bmi2` where it cannot run falls back like `auto`
  }();
  return chosen;
}

// The decoders of that variant, resolved once.
struct ActiveDecoders {
  SlotDecoder full;
  SlotDecoder best;
};

inline const ActiveDecoders& active_decoders() noexcept {
  static const ActiveDecoders decoders{full_bid_offer_decoder(active_decoder_variant()),
                                       best_bid_ask_decoder(active_decoder_variant())};
  return decoders;
}

}  // namespace settrade::binding
