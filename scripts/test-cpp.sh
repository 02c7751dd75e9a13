#!/usr/bin/env bash
# Builds the plain C++ tests of native/ with cmake-js in three variants and runs
# every test binary that exists:
#   plain  (no sanitizer)              decoder_test
#   asan   (address,undefined)         decoder_test, ring_test
#   tsan   (thread)                    ring_test
# BUILD_CPP_DIR overrides the output root (default build-cpp); VARIANTS limits
# the variants (default "plain asan tsan"). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${BUILD_CPP_DIR:-build-cpp}"
variants="${VARIANTS:-plain asan tsan}"
vectors="${SETTRADE_VECTORS_DIR:-$(pwd)/test/fixtures/vectors}"
export SETTRADE_VECTORS_DIR="$vectors"
# Sanitizer reports must fail the run, not scroll by.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

status=0
ran=0
for v in $variants; do
  case "$v" in
    plain) san=""; tests="decoder_test" ;;
    asan) san="address,undefined"; tests="decoder_test ring_test" ;;
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
    if "$bin" "${args[@]}"; then ran=$((ran + 1)); else echo "test-cpp: $v/$t FAILED" >&2; status=1; fi
  done
done
if [ "$ran" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "test-cpp: no test binary was built" >&2
  exit 1
fi
exit "$status"
