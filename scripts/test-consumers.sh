#!/usr/bin/env bash
# Consumer matrix (issue 17): each case is a tiny project (scripts/consumers/)
# that installs the packed tarball, type-checks when it is TypeScript, starts
# the package's simulator on 127.0.0.1 and receives events through createFeed:
#   cjs              require() of the ES modules (Node >= 20.19)
#   esm              import
#   ts-node16        TypeScript, module/moduleResolution node16, ESM
#   ts-node20-cjs    TypeScript compiled to CommonJS (module node20, moduleResolution node16)
#   ts-bundler       TypeScript, moduleResolution bundler
#   esbuild          the consumer bundled with the package inlined (+ its worker entry),
#                    run from a directory without node_modules: the JS backend
#   esbuild-external the same with --external:settrade-feed: the addon loads at run time (native)
# and a regression check: a module with a top-level await added to the
# package's graph makes the CommonJS case fail with ERR_REQUIRE_ASYNC_MODULE.
#
# Usage: scripts/test-consumers.sh PACKAGE.tgz [WORKDIR]   (test-pack.sh calls it)
set -euo pipefail
tgz=$(realpath "${1:?usage: test-consumers.sh PACKAGE.tgz [WORKDIR]}")
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$root/scripts/consumers
tools=$root/node_modules/.bin   # tsc and esbuild from the repository: the consumers install only the tarball
own_work=false
if [ -n "${2:-}" ]; then work=$2; mkdir -p "$work"; else work=$(mktemp -d /tmp/settrade-consumers.XXXXXX); own_work=true; fi
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  if $own_work; then rm -rf "$work"; fi
}
trap cleanup EXIT
# The @types/node the repository builds with (already in the npm cache).
types_node="@types/node@$(node -p "require('$root/node_modules/@types/node/package.json').version")"

fail() {
  echo "FAIL ($1): $2"
  shift 2
  for f in "$@"; do [ -f "$f" ] && cat "$f"; done
  exit 1
}

# new_consumer NAME FIXTURE [PACKAGE...]: $work/NAME from the fixture, with the tarball (and PACKAGEs) installed.
new_consumer() {
  local dir=$work/$1 fixture=$2
  shift 2
  mkdir -p "$dir" && cp -r "$fixtures/$fixture/." "$dir/" && cp "$fixtures/shared/read-events.cjs" "$dir/"
  (cd "$dir" && npm install --prefer-offline --no-audit --no-fund "$tgz" "$@" >install.log 2>&1) ||
    fail "$(basename "$dir")" "npm install failed" "$dir/install.log"
}

# run_consumer NAME BACKEND DIR COMMAND...: runs a consumer in DIR; it must print
# one JSON line saying it received 5 events on BACKEND, and exit 0.
run_consumer() {
  local name=$1 backend=$2 dir=$3
  shift 3
  local out
  out=$(cd "$dir" && timeout 60 "$@" 2>"$work/$name.stderr") || fail "$name" "exit $?" "$work/$name.stderr"
  grep -q '"events":5' <<<"$out" && grep -q "\"backend\":\"$backend\"" <<<"$out" ||
    fail "$name" "expected 5 events on the $backend backend, got: $out" "$work/$name.stderr"
  # require(esm) may warn on earlier releases (20.19.x); 20.20 is silent. Shown, never hidden.
  if grep -q ExperimentalWarning "$work/$name.stderr"; then grep ExperimentalWarning "$work/$name.stderr" | head -n 1; fi
  echo "ok ($name): $out"
}

# Every project installs at once (npm's cache is safe to share): the installs wait on I/O more than on the CPU.
pids=()
for spec in "cjs cjs" "esm esm" "ts-node16 ts-node16 $types_node" "ts-node20-cjs ts-node20-cjs $types_node" \
            "ts-bundler ts-bundler $types_node" "esbuild esbuild"; do
  # shellcheck disable=SC2086 # NAME FIXTURE [PACKAGE]
  new_consumer $spec &
  pids+=($!)
done
installs_ok=true
for pid in "${pids[@]}"; do wait "$pid" || installs_ok=false; done   # all of them, before any cleanup
$installs_ok || exit 1

# CommonJS and ESM.
run_consumer cjs native "$work/cjs" node index.js
run_consumer esm native "$work/esm" node index.js

# TypeScript: one source (scripts/consumers/ts/consumer.ts), three tsconfigs.
# skipLibCheck is off, so the package's own .d.ts files are checked under each setting too.
for name in ts-node16 ts-node20-cjs ts-bundler; do
  cp "$fixtures/ts/consumer.ts" "$work/$name/"
  (cd "$work/$name" && "$tools/tsc" -p . >tsc.log 2>&1) || fail "$name" "tsc failed" "$work/$name/tsc.log"
  run_consumer "$name" native "$work/$name" node out/consumer.js "$name"
done
grep -q 'require("settrade-feed")' "$work/ts-node20-cjs/out/consumer.js" ||
  fail ts-node20-cjs "the CommonJS output does not require() the package"

# esbuild: the simulator runs unbundled in its own process; the bundles connect to it.
(cd "$work/esbuild" && exec node sim.js >sim.json 2>sim.stderr) &
sim_pid=$!
for _ in $(seq 1 150); do [ -s "$work/esbuild/sim.json" ] && break; kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$work/esbuild/sim.json" ] || fail esbuild "the simulator did not start" "$work/esbuild/sim.stderr"
sim_info=$(head -n 1 "$work/esbuild/sim.json")
# (1) Everything inlined, the feed's worker entry as a second entry point beside the
# bundle (createFeed starts ./feed-worker.js next to the module that calls it). ESM
# output; the banner gives the bundled CommonJS dependencies a require() for Node's
# built-ins. The command is the README's. Run from a directory without node_modules: the addon cannot be found,
# so the JS backend runs (nativeLoadError says why).
bundle=$work/esbuild-bundle
mkdir -p "$bundle" && echo '{ "type": "module" }' >"$bundle/package.json"
(cd "$work/esbuild" && "$tools/esbuild" app.js feed-worker=settrade-feed/feed-worker --bundle --platform=node \
  --format=esm --outdir="$bundle" --log-level=warning \
  "--banner:js=import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" \
  >"$work/esbuild.log" 2>&1) || fail esbuild "esbuild failed" "$work/esbuild.log"
[ ! -e "$bundle/node_modules" ] || fail esbuild "the bundle directory has node_modules"
run_consumer esbuild js "$bundle" node app.js "$sim_info" esbuild
# (2) The package kept external: it loads from node_modules at run time, with its addon.
(cd "$work/esbuild" && "$tools/esbuild" app.js --bundle --platform=node --format=esm --external:settrade-feed \
  --outfile=out/app.js --log-level=warning >"$work/esbuild-external.log" 2>&1) ||
  fail esbuild-external "esbuild failed" "$work/esbuild-external.log"
run_consumer esbuild-external native "$work/esbuild" node out/app.js "$sim_info" esbuild-external
kill "$sim_pid" && wait "$sim_pid" || true
sim_pid=

# Regression check: the CommonJS case depends on the graph having no top-level
# await. Add one (a module imported by dist/native.js, which the root loads) to
# a copy of the cjs project: require() must now fail with ERR_REQUIRE_ASYNC_MODULE,
# while import() of the same copy still works.
tla=$work/cjs-tla
cp -r "$work/cjs" "$tla"
pkg=$tla/node_modules/settrade-feed
printf 'await Promise.resolve();\nexport {};\n' >"$pkg/dist/tla-probe.js"
{ echo "import './tla-probe.js';"; cat "$pkg/dist/native.js"; } >"$pkg/dist/native.js.new" && mv "$pkg/dist/native.js.new" "$pkg/dist/native.js"
if (cd "$tla" && timeout 60 node index.js >"$work/cjs-tla.stdout" 2>"$work/cjs-tla.stderr"); then
  fail cjs-tla "require() still worked with a top-level await in the graph" "$work/cjs-tla.stdout"
fi
grep -q ERR_REQUIRE_ASYNC_MODULE "$work/cjs-tla.stderr" || fail cjs-tla "failed, but not with ERR_REQUIRE_ASYNC_MODULE" "$work/cjs-tla.stderr"
(cd "$tla" && node --input-type=module -e "await import('settrade-feed')") 2>"$work/cjs-tla-import.stderr" ||
  fail cjs-tla "the probe broke import() too, so it proves nothing about require()" "$work/cjs-tla-import.stderr"
echo "ok (cjs-tla): a top-level await in the graph makes require() fail with ERR_REQUIRE_ASYNC_MODULE (import() still works)"
