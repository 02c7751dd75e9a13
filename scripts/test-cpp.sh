#!/usr/bin/env bash
# Builds the plain C++ tests of native/ with cmake-js in three variants and runs
# every test binary that exists, then the fuzz targets briefly:
#   plain  (no sanitizer)              decoder_test, fuzz_replay
#   asan   (address,undefined)         decoder_test, ring_test, fuzz_replay
#   tsan   (thread)                    ring_test
#   fuzz   (libFuzzer, clang-14)       every fuzz target for FUZZ_SECONDS (default 5) s
# fuzz_replay runs every saved input under native/test/regressions/ through the
# fuzz targets' checks. The fuzz variant needs clang-14 and libFuzzer: without
# them it is skipped with a message (a failure under CI=true).
# BUILD_CPP_DIR overrides the output root (default build-cpp); VARIANTS limits
# the variants (default "plain asan tsan fuzz"). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${BUILD_CPP_DIR:-build-cpp}"
variants="${VARIANTS:-plain asan tsan fuzz}"
vectors="${SETTRADE_VECTORS_DIR:-$(pwd)/test/fixtures/vectors}"
export SETTRADE_VECTORS_DIR="$vectors"
# Sanitizer reports must fail the run, not scroll by.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

status=0
ran=0
skipped=0
regressions="$(pwd)/native/test/regressions"

# libFuzzer present: clang++-14 (FUZZ_CXX) links a trivial fuzz target.
have_libfuzzer() {
  local cxx="${FUZZ_CXX:-clang++-14}"
  command -v "$cxx" >/dev/null 2>&1 && command -v cmake >/dev/null 2>&1 || return 1
  local tmp
  tmp="$(mktemp -d)"
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$tmp/t.cc"
  "$cxx" -fsanitize=fuzzer "$tmp/t.cc" -o "$tmp/t" >/dev/null 2>&1
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

for v in $variants; do
  if [ "$v" = fuzz ]; then
    if have_libfuzzer; then
      echo "== test-cpp: fuzz (every target for ${FUZZ_SECONDS:-5}s)"
      if BUILD_CPP_DIR="$root" bash scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-5}"; then ran=$((ran + 1)); else echo "test-cpp: fuzz FAILED" >&2; status=1; fi
    elif [ "${CI:-}" = true ]; then
      echo "test-cpp: fuzz: clang-14/libFuzzer not installed (apt-get install clang-14 libclang-rt-14-dev); required under CI=true" >&2
      status=1
    else
      echo "== test-cpp: SKIPPED fuzz: clang-14/libFuzzer not installed (apt-get install clang-14 libclang-rt-14-dev)"
      skipped=$((skipped + 1))
    fi
    continue
  fi
  case "$v" in
    plain) san=""; tests="decoder_test fuzz_replay" ;;
    asan) san="address,undefined"; tests="decoder_test ring_test fuzz_replay" ;;
    tsan) san="thread"; tests="ring_test" ;;
    *) echo "test-cpp: unknown variant '$v'" >&2; exit 2 ;;
  esac
  out="$root/$v"
  mkdir -p "$root"
  echo "== test-cpp: building $v (SANITIZE='$san') into $out"
  npx cmake-js build -d native -O "$out" --CDSANITIZE="$san" >"$out.log" 2>&1 || {
    cat "$out.log" >&2
    echo "test-cpp: build $v FAILED" >&2
    exit 1
  }
  for t in $tests; do
    bin="$out/$t"
    [ -x "$bin" ] || continue
    echo "== test-cpp: $v/$t"
    args=()
    # decoder_test takes the vectors directory; the others take their own arguments.
    [ "$t" = decoder_test ] && args=("$vectors")
    [ "$t" = fuzz_replay ] && args=("$regressions")
    if "$bin" "${args[@]}"; then ran=$((ran + 1)); else echo "test-cpp: $v/$t FAILED" >&2; status=1; fi
  done
done
if [ "$ran" -eq 0 ] && [ "$skipped" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "test-cpp: no test binary was built" >&2
  exit 1
fi
exit "$status"
