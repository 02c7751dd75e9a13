#!/usr/bin/env bash
# Builds the libFuzzer targets of native/fuzz/ (clang++-14,
# -fsanitize=fuzzer,address,undefined) and runs each for N seconds:
#   npm run fuzz -- [--seconds N] [--targets a,b]
#     --seconds N   per target (default 60)
#     --targets     comma-separated subset of: fuzz_best_bid_ask fuzz_full_bid_offer fuzz_ring fuzz_records
# Seeds are generated from the test vectors into the build directory
# (BUILD_CPP_DIR/fuzz, default build-cpp/fuzz); the corpus each run grows is
# kept there too, so repeated runs start from what earlier runs found.
# Prints execs/s and coverage per target. A crash (or leak, timeout, OOM)
# input is copied to native/test/regressions/<target>/, where
# scripts/test-cpp.sh replays it, and the script exits non-zero.
# Needs clang-14 + libFuzzer (apt: clang-14 libclang-rt-14-dev) and cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
targets="fuzz_best_bid_ask fuzz_full_bid_offer fuzz_ring fuzz_records"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --targets) targets="${2//,/ }"; shift 2 ;;
    --targets=*) targets="${1#*=}"; targets="${targets//,/ }"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "fuzz: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz: --seconds must be a whole number >= 1, got '$seconds'" >&2
  exit 2
fi

cxx="${FUZZ_CXX:-clang++-14}"
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz: $cxx not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 3
fi
command -v cmake >/dev/null 2>&1 || { echo "fuzz: cmake not found" >&2; exit 3; }

root="${BUILD_CPP_DIR:-build-cpp}/fuzz"
vectors="${SETTRADE_VECTORS_DIR:-test/fixtures/vectors}"
regressions="native/test/regressions"
mkdir -p "$root"

echo "== fuzz: building with $cxx into $root/build"
if ! { cmake -S native -B "$root/build" -DCMAKE_CXX_COMPILER="$cxx" -DFUZZ=ON &&
       cmake --build "$root/build" -j 2 --target $targets; } >"$root/build.log" 2>&1; then
  cat "$root/build.log" >&2
  echo "fuzz: build FAILED (is libFuzzer installed? apt-get install libclang-rt-14-dev)" >&2
  exit 1
fi
node native/fuzz/make-seeds.mjs "$vectors" "$root/seeds"

# Small ASan quarantine: several targets may share a small machine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=32:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
summary=()
for t in $targets; do
  bin="$root/build/$t"
  [ -x "$bin" ] || { echo "fuzz: no binary for target '$t'" >&2; exit 2; }
  corpus="$root/corpus/$t"
  artifacts="$root/artifacts/$t"
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  opts=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/")
  case "$t" in
    fuzz_ring) opts+=(-max_len=1024) ;;
    fuzz_records) opts+=(-max_len=4096) ;;
    *) opts+=(-max_len=1024 -dict=native/fuzz/bidoffer.dict) ;;
  esac
  log="$root/$t.log"
  echo "== fuzz: $t for ${seconds}s"
  rc=0
  "$bin" "${opts[@]}" "$corpus" "$root/seeds/$t" >"$log" 2>&1 || rc=$?
  # `|| true`: a crash on a seed leaves no cov/ft line, and under pipefail a
  # grep that matches nothing would end the script before the input is saved.
  execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  corp=$(find "$corpus" -type f | wc -l)
  line="$t: ${execs:-?} execs/s, ${runs:-?} runs, cov ${cov:-?}, ft ${ft:-?}, corpus $corp"
  found=$(find "$artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    status=1
    grep -E 'ERROR|fuzz check failed|SUMMARY|runtime error' "$log" | head -20 >&2 || true
    mkdir -p "$regressions/$t"
    for f in "$artifacts"/*; do
      [ -f "$f" ] || continue
      cp "$f" "$regressions/$t/"
      echo "fuzz: $t: input saved as $regressions/$t/$(basename "$f") (log: $log)" >&2
    done
    [ "$found" -gt 0 ] || echo "fuzz: $t exited with status $rc and left no input (log: $log)" >&2
    line="$line  FAILED"
  fi
  echo "   $line"
  summary+=("$line")
done
echo "== fuzz: summary (${seconds}s per target)"
printf '   %s\n' "${summary[@]}"
exit "$status"
