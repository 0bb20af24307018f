#!/usr/bin/env bash
# Installs everything the test suite needs (crates for every target, Debian
# packages, PyPI and npm tools), then runs the whole suite.
#   scripts/test.sh            # setup (idempotent) + cargo test
#   SKIP_SETUP=1 scripts/test.sh   # tests only
# Setup needs root for apt-get (buildah, skopeo, umoci for the image tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_SETUP:-0}" != 1 ]; then
  # Every crate of Cargo.lock, for every target: tests/it/no_network.rs runs
  # `cargo tree --offline --target all`, which needs crates (wasm, windows)
  # that `cargo build` on this machine never downloads. A fresh CARGO_HOME
  # has none of them.
  echo "== cargo fetch --locked"
  cargo fetch --locked
  # jq: the GitHub Action's script needs it (GitHub's runners have it).
  if ! command -v jq >/dev/null 2>&1; then
    echo "== apt-get install jq"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq jq >/dev/null
  fi
  # SARIF validator and peer tools (jsonschema, SARIF multitool, actionlint, zizmor, pre-commit).
  if [ -x ../shared/peers/install.sh ] || [ -f ../shared/peers/install.sh ]; then
    if [ ! -x "$HOME/.peers/bin/check-jsonschema" ] || [ ! -d "$HOME/.peers/node/node_modules/@microsoft/sarif-multitool-linux" ]; then
      echo "== installing checkers from ../shared/peers/install.sh"
      bash ../shared/peers/install.sh
    fi
  fi
  for s in scripts/*-test-setup.sh; do
    [ -f "$s" ] || continue
    echo "== $s"
    bash "$s"
  done
fi

# With ../shared present (CI and developer machines), tests that need it must
# not silently skip.
if [ -d ../shared ]; then export STOWAWAY_REQUIRE_SHARED=1; fi
export STOWAWAY_REQUIRE_IMAGE_FIXTURES=${STOWAWAY_REQUIRE_IMAGE_FIXTURES:-1}

echo "== cargo test"
log=$(mktemp)
status=0
cargo test --release --all-targets --no-fail-fast 2>&1 | tee "$log" || status=$?
# One closing line for the whole suite, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1); if ($i ~ /^ignored;?$/) s += $(i-1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
