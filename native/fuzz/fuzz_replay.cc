// Replays saved fuzz inputs through the fuzz targets' checks (fuzz_checks.h)
// without libFuzzer, so the ordinary C++ test build (scripts/test-cpp.sh,
// plain and under ASan/UBSan) keeps every input that ever failed failing
// loudly if the bug comes back.
//
// Usage: fuzz_replay DIR            DIR/<target>/* for every target directory in DIR
//        fuzz_replay TARGET FILE... the named files through one target
// A directory whose name is not a target is an error (a typo must not skip
// files silently). A failed check aborts with its message.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_checks.h"

namespace fs = std::filesystem;

namespace {

const settrade::fuzz::Target* find_target(const std::string& name) {
  for (const auto& t : settrade::fuzz::kTargets) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

bool replay_file(const settrade::fuzz::Target& t, const fs::path& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "fuzz_replay: cannot read %s\n", file.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "fuzz_replay: %s %s (%zu bytes)\n", t.name, file.c_str(), bytes.size());
  t.check(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fuzz_replay DIR | fuzz_replay TARGET FILE...\n");
    return 2;
  }
  int files = 0;
  if (argc == 2) {
    const fs::path root(argv[1]);
    if (!fs::is_directory(root)) {
      std::fprintf(stderr, "fuzz_replay: %s is not a directory\n", argv[1]);
      return 2;
    }
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(root)) {
      if (e.is_directory()) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& dir : dirs) {
      const auto* t = find_target(dir.filename().string());
      if (t == nullptr) {
        std::fprintf(stderr, "fuzz_replay: %s is not a fuzz target's directory\n", dir.c_str());
        return 2;
      }
      std::vector<fs::path> inputs;
      for (const auto& e : fs::directory_iterator(dir)) {
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') inputs.push_back(e.path());
      }
      std::sort(inputs.begin(), inputs.end());
      for (const auto& in : inputs) {
        if (!replay_file(*t, in)) return 1;
        ++files;
      }
    }
  } else {
    const auto* t = find_target(argv[1]);
    if (t == nullptr) {
      std::fprintf(stderr, "fuzz_replay: unknown target %s\n", argv[1]);
      return 2;
    }
    for (int i = 2; i < argc; ++i) {
      if (!replay_file(*t, argv[i])) return 1;
      ++files;
    }
  }
  std::printf("fuzz_replay: %d input(s) replayed, every check passed\n", files);
  return 0;
}
