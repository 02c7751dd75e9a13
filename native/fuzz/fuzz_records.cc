// libFuzzer target: the record walks (record_walk.h: filling and checking the
// CRCs of a buffer of framed records) on arbitrary bytes, against one-record-
// at-a-time reference walks. The check is settrade::fuzz::check_records in
// fuzz_checks.h (shared with fuzz_replay.cc).
// Built by native/CMakeLists.txt with FUZZ=ON (clang, -fsanitize=fuzzer,address,undefined); run by scripts/fuzz.sh.
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  settrade::fuzz::check_records(data, size);
  return 0;
}
