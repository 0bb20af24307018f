#!/usr/bin/env bash
# Installs what tests/it/wheel.rs needs, idempotently, into target/test-tools
# (or $STOWAWAY_TEST_TOOLS), next to pre-commit (scripts/precommit-test-setup.sh):
#   bin/maturin             from PyPI: builds the wheel (`bindings = "bin"`)
#   wheelhouse/setuptools-* the build backend of packaging/pre-commit, so the
#                           test can install the hook with no package index
# scripts/test.sh runs every scripts/*-test-setup.sh, so CI gets this too.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${STOWAWAY_TEST_TOOLS:-$PWD/target/test-tools}
mkdir -p "$dest/wheelhouse"

MATURIN_VERSION=1.16.0
SETUPTOOLS_VERSION=84.2.1

stamp="$dest/.wheel-stamp-$MATURIN_VERSION-$SETUPTOOLS_VERSION"
if [ -f "$stamp" ] && [ -x "$dest/bin/maturin" ]; then
  echo "wheel test tools already in $dest"
  exit 0
fi
[ -x "$dest/bin/python" ] || python3 -m venv "$dest"
"$dest/bin/pip" install -q --disable-pip-version-check "maturin==$MATURIN_VERSION"
"$dest/bin/pip" download -q --disable-pip-version-check --no-deps \
  -d "$dest/wheelhouse" "setuptools==$SETUPTOOLS_VERSION"
rm -f "$dest"/.wheel-stamp-*
touch "$stamp"
printf '%-17s %s\n' maturin "$("$dest/bin/maturin" --version)"
ls "$dest/wheelhouse"
