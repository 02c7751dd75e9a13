// libFuzzer target: the FullBidOffer slot decoder: every CPU variant against the generic field loop (status and slot bytes), slot untouched on error.
// The check itself is settrade::fuzz::check_full_bid_offer in fuzz_checks.h (shared with fuzz_replay.cc).
// Built by native/CMakeLists.txt with FUZZ=ON (clang, -fsanitize=fuzzer,address,undefined); run by scripts/fuzz.sh.
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  settrade::fuzz::check_full_bid_offer(data, size);
  return 0;
}
