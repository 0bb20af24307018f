#!/usr/bin/env bash
# Precision on real code: builds the published-SDK corpus and scans it with
# stowaway, gitleaks and kingfisher in one run; prints findings per part and
# rule for each tool (every finding on this corpus is a false positive or a
# test-fixture / documentation key: the corpus holds no live credentials).
#
# usage: scripts/precision.sh [--no-build] [--no-peers] [--base BIN] [--runs N]
#
#   --no-build  use target/release/stowaway as it is
#   --no-peers  stowaway only (gitleaks takes about a minute)
#   --base BIN  also time BIN (an older stowaway) against the new one in N
#               alternating rounds (default 3), warm cache: paired runs are the
#               only fair timing on a loaded machine
#   SHARED      the shared directory (default: $STOWAWAY_SHARED or ../shared)
#   CORPUS_ROOT where the corpus lives (default ~/.cache/stowaway-corpus)
# Reports go to $OUT (default target/precision/).
set -euo pipefail
cd "$(dirname "$0")/.."

SHARED=${SHARED:-${STOWAWAY_SHARED:-../shared}}
CORPUS_ROOT=${CORPUS_ROOT:-$HOME/.cache/stowaway-corpus}
PEERS=${TOOLS:-$HOME/.peers}/bin
OUT=${OUT:-target/precision}
build=1 peers=1 base="" runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --no-peers) peers=0 ;;
    --base) base=$2; shift ;;
    --runs) runs=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

[ -x "$SHARED/corpus/make-code-corpus.sh" ] || [ -f "$SHARED/corpus/make-code-corpus.sh" ] ||
  { echo "no $SHARED/corpus/make-code-corpus.sh (set SHARED or STOWAWAY_SHARED)" >&2; exit 2; }
CORPUS_ROOT=$CORPUS_ROOT bash "$SHARED/corpus/make-code-corpus.sh"
CODE=$CORPUS_ROOT/code
COUNT="python3 $SHARED/corpus/code-corpus-findings.py"

[ "$build" = 1 ] && cargo build --release --quiet
BIN=$(readlink -f target/release/stowaway)
mkdir -p "$OUT"

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

scan_stowaway() {
  "$1" scan --no-progress --no-dockerfile --format json -o "$2" "$CODE" || [ $? -eq 1 ]
}

t0=$(now); scan_stowaway "$BIN" "$OUT/stowaway.json"; t1=$(now)
echo "== stowaway ($("$BIN" --version)) $(secs "$t0" "$t1") s"
$COUNT "$OUT/stowaway.json" --matrix
# Next to kingfisher's default (deduplicated) count: a fingerprint hashes
# the rule and the secret only, so distinct fingerprints are distinct pairs.
python3 - "$OUT/stowaway.json" <<'PY'
import json, sys
found = json.load(open(sys.argv[1]))["findings"]
print("distinct (rule, value) pairs:", len({f["fingerprint"] for f in found}))
PY

if [ "$peers" = 1 ]; then
  if [ -x "$PEERS/gitleaks" ]; then
    t0=$(now)
    "$PEERS/gitleaks" dir --no-banner -f json -r "$OUT/gitleaks.json" --exit-code 0 "$CODE" >/dev/null 2>&1 || true
    t1=$(now)
    echo "== gitleaks $(secs "$t0" "$t1") s"
    $COUNT "$OUT/gitleaks.json" --format gitleaks --matrix
  else
    echo "== gitleaks: not installed in $PEERS"
  fi
  if [ -x "$PEERS/kingfisher" ]; then
    t0=$(now)
    "$PEERS/kingfisher" scan --no-validate --no-update-check --git-history none --format json \
      -o "$OUT/kingfisher.json" "$CODE" >/dev/null 2>&1 || true
    t1=$(now)
    echo "== kingfisher $(secs "$t0" "$t1") s"
    $COUNT "$OUT/kingfisher.json" --format kingfisher --matrix
  else
    echo "== kingfisher: not installed in $PEERS"
  fi
fi

if [ -n "$base" ]; then
  base=$(readlink -f "$base")
  scan_stowaway "$base" "$OUT/base.json" # warm the cache
  echo "== timing: $runs alternating rounds, base vs new (seconds)"
  for i in $(seq "$runs"); do
    t0=$(now); scan_stowaway "$base" "$OUT/base.json"; t1=$(now)
    scan_stowaway "$BIN" "$OUT/stowaway.json"; t2=$(now)
    echo "round $i: base $(secs "$t0" "$t1")  new $(secs "$t1" "$t2")"
  done
  echo "== base findings"
  $COUNT "$OUT/base.json" | head -8
fi
