// libFuzzer target: the SPSC ring's single-threaded operations against a model (contents, counters, EMA, wake-ups).
// The check itself is settrade::fuzz::check_ring in fuzz_checks.h (shared with fuzz_replay.cc).
// Built by native/CMakeLists.txt with FUZZ=ON (clang, -fsanitize=fuzzer,address,undefined); run by scripts/fuzz.sh.
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  settrade::fuzz::check_ring(data, size);
  return 0;
}
