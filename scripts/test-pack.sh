#!/usr/bin/env bash
# Packaging check (issue 2, item 5): the npm tarball ships the prebuild, and
#  (a) installing it into a fresh project uses the prebuild and compiles nothing;
#  (b) without a prebuild and without a compiler it still installs and runs the JS backend.
# Issue 17: publint and attw lint the tarball, and the consumer matrix
# (scripts/test-consumers.sh: CommonJS, ESM, TypeScript node16/node20-CJS/bundler,
# esbuild) installs it and receives events from the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d /tmp/settrade-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT

npm run build:ts >/dev/null
rm -rf prebuilds
npm run prebuild >"$work/prebuild.log" 2>&1 || { echo "FAIL: npm run prebuild"; cat "$work/prebuild.log"; exit 1; }
test -f prebuilds/linux-x64/*.node || { echo "FAIL: npm run prebuild wrote no prebuilds/linux-x64/*.node"; exit 1; }

# --ignore-scripts: `prepare` would only repeat the build:ts above.
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)
tgz="$work/$tarball"
listing=$(tar -tzf "$tgz")
for want in package/dist/index.js package/dist/index.d.ts package/binding.gyp \
            package/native/include/settrade/slot_layout.h package/native/src/addon.cc \
            package/proto/bidofferv3.proto; do
  grep -qx "$want" <<<"$listing" || { echo "FAIL: tarball lacks $want"; exit 1; }
done
grep -q '^package/prebuilds/linux-x64/.*\.node$' <<<"$listing" || { echo "FAIL: tarball lacks the prebuild"; exit 1; }
if grep -qE '^package/(test|bench|node_modules|build)/' <<<"$listing"; then echo "FAIL: tarball ships dev files"; exit 1; fi
# The benchmark-only probe module (native/bench/, built by bench/decode.ts) is never shipped.
if grep -qE '^package/native/bench/|settrade_feed_bench' <<<"$listing"; then echo "FAIL: tarball ships the benchmark probe module"; exit 1; fi
echo "ok: tarball $(du -h "$tgz" | cut -f1) with dist, prebuild, native sources, proto"

# Packaging lint on the tarball. attw profile node16: node10 resolution (no
# `exports` support) is not supported. The one rule ignored, cjs-resolves-to-esm,
# is attw's "a require() of an ES module fails": attw's bundled TypeScript (5.6)
# predates require(esm), which Node >= 20.19 and TypeScript >= 5.8 (module
# node20/nodenext) support; the cjs and ts-node20-cjs consumers below prove
# require() works, at run time and in the type checker. Every other node16-cjs
# check (types found, format of the types matches the JavaScript...) still runs.
npx --no-install publint run --strict "$tgz" >"$work/publint.log" 2>&1 || { echo "FAIL: publint"; cat "$work/publint.log"; exit 1; }
echo "ok: publint --strict: $(tail -n 1 "$work/publint.log")"
npx --no-install attw "$tgz" --profile node16 --ignore-rules cjs-resolves-to-esm --format table-flipped --no-emoji --no-color \
  >"$work/attw.log" 2>&1 || { echo "FAIL: attw"; cat "$work/attw.log"; exit 1; }
for entry in settrade-feed settrade-feed/sim settrade-feed/metrics settrade-feed/relay settrade-feed/feed-worker; do
  grep -q "\"$entry\"" "$work/attw.log" || { echo "FAIL: attw did not check $entry"; cat "$work/attw.log"; exit 1; }
done
echo "ok: attw --profile node16 (ignoring cjs-resolves-to-esm): no problem on . /sim /metrics /relay /feed-worker"

# The smoke check a user would run: import, report the backend, decode a real vector.
vector_hex=$(head -n 1 "$root/test/fixtures/vectors/bidofferv3-valid.jsonl" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).hex))')
smoke='import("settrade-feed").then((m) => {
  const e = m.decodeFullBidOffer(Buffer.from(process.argv[1], "hex"));
  console.log(JSON.stringify({ backend: m.backend, symbol: e.symbol }));
})'

# (a) prebuild present: install runs node-gyp-build, which must find the prebuild and compile nothing.
# npm 11 blocks dependency install scripts unless the project allows them:
# allow ours, so the check covers the install script too.
new_project() { mkdir -p "$1" && cd "$1" && npm init -y >/dev/null && npm pkg set allowScripts.settrade-feed=true --json >/dev/null; }
new_project "$work/a"
npm install --prefer-offline --no-audit --no-fund "$tgz" >install.log 2>&1 || { echo "FAIL (a): install failed"; cat install.log; exit 1; }
[ ! -d node_modules/settrade-feed/build ] || { echo "FAIL (a): install compiled the addon instead of using the prebuild"; exit 1; }
out=$(node --input-type=module -e "$smoke" "$vector_hex")
grep -q '"backend":"native"' <<<"$out" || { echo "FAIL (a): expected the native backend, got $out"; exit 1; }
echo "ok (a): prebuild used, nothing compiled: $out"
probes=$(node -e 'console.log(Object.keys(require("node-gyp-build")("node_modules/settrade-feed")).filter((k) => /^noop/.test(k)).join(","))')
[ -z "$probes" ] || { echo "FAIL (a): the shipped addon exports benchmark probes: $probes"; exit 1; }
echo "ok (a): the shipped addon exports no benchmark probes"
sub=$(node --input-type=module -e 'const s = await import("settrade-feed/sim"); const m = await import("settrade-feed/metrics"); const r = await import("settrade-feed/relay"); console.log(typeof s.Simulator, typeof m.createMetrics, typeof r.createRelay)')
[ "$sub" = "function function function" ] || { echo "FAIL (a): subpaths settrade-feed/sim, /metrics, /relay: $sub"; exit 1; }
echo "ok (a): subpath exports settrade-feed/sim, /metrics and /relay load"

# (b) no prebuild and no compiler: strip prebuilds from the tarball, hide make/cc/g++ from PATH.
mkdir -p "$work/b/unpacked" && tar -xzf "$tgz" -C "$work/b/unpacked"
rm -rf "$work/b/unpacked/package/prebuilds"
tar -czf "$work/b/noprebuild.tgz" -C "$work/b/unpacked" package
mkdir -p "$work/b/bin"
for tool in node npm npx python3 sh bash env; do ln -s "$(command -v $tool)" "$work/b/bin/$tool"; done
new_project "$work/b/app"
PATH="$work/b/bin" npm install --prefer-offline --no-audit --no-fund "$work/b/noprebuild.tgz" >install.log 2>&1 \
  || { echo "FAIL (b): install failed without a compiler"; cat install.log; exit 1; }
[ ! -f node_modules/settrade-feed/build/Release/settrade_feed.node ] || { echo "FAIL (b): a compiler was found after all"; exit 1; }
grep -q 'pure-JS backend will run' install.log || { echo "FAIL (b): the install script did not run its fallback"; cat install.log; exit 1; }
out=$(PATH="$work/b/bin" node --input-type=module -e "$smoke" "$vector_hex")
grep -q '"backend":"js"' <<<"$out" || { echo "FAIL (b): expected the JS backend, got $out"; exit 1; }
echo "ok (b): no prebuild, no compiler: installed, runs: $out"

# The consumer matrix and the top-level-await regression check.
bash "$root/scripts/test-consumers.sh" "$tgz" "$work/consumers"
