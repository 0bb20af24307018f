#!/usr/bin/env bash
# Throughput benchmark: stowaway against ripgrep (and kingfisher, gitleaks when
# installed in ~/.peers/bin) over the Linux source corpus.
#
# usage: scripts/bench.sh [--corpus slice|full|DIR] [--runs N] [--no-peers]
#                         [--no-scaling] [--big] [--no-build]
#        scripts/bench.sh history [ARGS]   # git history mode: scripts/bench-history.sh
#        scripts/bench.sh findings [--no-build]  # peak RSS with 100,000 findings
#
#   --corpus   slice (default; ~192 MB), full (~1.3 GB) or any directory
#   --runs     alternating rounds per command (default 5); the ratio to ripgrep
#              is the median of the per-round ratios, so load that changes
#              during the run hits both commands of a round alike
#   --no-peers skip kingfisher and gitleaks
#   --no-scaling  skip the 1/4, 1/2 and -j1 rows
#   --big      also scan one generated 4 GiB file with a secret at every
#              chunk border (checks bounded memory and that all are found)
#
# Every command runs with a warm page cache (one untimed pass first).
# stowaway runs with every built-in rule and writes SARIF to a file.
# Peak RSS is `Maximum resident set size` from /usr/bin/time -v.
set -euo pipefail
cd "$(dirname "$0")/.."

# History mode has its own repositories and peers' git commands.
if [ "${1:-}" = history ]; then shift; exec scripts/bench-history.sh "$@"; fi

# Findings mode: ten generated `.env` files with 10,000 fake AWS-shaped key
# ids each (100,000 findings), scanned once per output format; peak RSS must
# stay at or under 256 MiB (exit 1 otherwise).
if [ "${1:-}" = findings ]; then
  [ "${2:-}" = --no-build ] || cargo build --release --quiet
  stow=${CARGO_TARGET_DIR:-target}/release/stowaway
  fw=$(mktemp -d "${TMPDIR:-/tmp}/stowaway-findings.XXXXXX")
  trap 'rm -rf "$fw"' EXIT
  mkdir "$fw/tree"
  python3 - "$fw/tree" <<'EOF'
import random, sys
rng = random.Random(1)
A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
for i in range(10):
    with open(f"{sys.argv[1]}/f{i}.env", "w") as f:
        for j in range(10000):
            key = "".join(rng.choice(A) for _ in range(16))
            f.write(f"AWS_ACCESS_KEY_ID_{j}=AKIA{key}\n")
EOF
  echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "| format | findings | wall (s) | peak RSS (MiB) |"
  echo "|--------|----------|----------|----------------|"
  worst=0
  for f in text json sarif; do
    /usr/bin/time -v -o "$fw/time" "$stow" scan "$fw/tree" --format "$f" -o "$fw/out" --no-progress 2>"$fw/err" || true
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$fw/time")
    wall=$(awk -F': ' '/Elapsed/ {print $2}' "$fw/time")
    n=$(grep -o '^[0-9]* findings' "$fw/err" | cut -d' ' -f1)
    printf '| %-6s | %8s | %8s | %14.0f |\n' "$f" "$n" "$wall" "$(echo "$kib / 1024" | bc -l)"
    [ "$kib" -gt "$worst" ] && worst=$kib
  done
  [ "$worst" -le $((256 * 1024)) ] || { echo "peak RSS over 256 MiB" >&2; exit 1; }
  exit 0
fi

CORPUS_ROOT=${CORPUS_ROOT:-$HOME/.cache/stowaway-corpus}
# The shared corpus scripts live next to the repository (STOWAWAY_SHARED overrides).
SHARED=${STOWAWAY_SHARED:-../shared}
corpus=slice runs=5 peers=1 scaling=1 big=0 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift ;;
    --runs) runs=$2; shift ;;
    --no-peers) peers=0 ;;
    --no-scaling) scaling=0 ;;
    --big) big=1 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

case "$corpus" in
  slice) dir=$CORPUS_ROOT/linux-slice; [ -d "$dir" ] || "$SHARED/corpus/make-linux-corpus.sh" --slice ;;
  full) dir=$CORPUS_ROOT/linux; [ -d "$dir" ] || "$SHARED/corpus/make-linux-corpus.sh" ;;
  *) dir=$corpus ;;
esac
[ -d "$dir" ] || { echo "no corpus at $dir" >&2; exit 1; }

target=${CARGO_TARGET_DIR:-target}
if [ $build = 1 ]; then cargo build --release --quiet; fi
STOW=$target/release/stowaway
[ -x "$STOW" ] || { echo "no binary at $STOW" >&2; exit 1; }
command -v rg >/dev/null || { echo "ripgrep (rg) is required" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/stowaway-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

bytes_of() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }

# count_sarif FILE: results in a SARIF report
count_sarif() {
  python3 -c 'import json,sys
try: d=json.load(open(sys.argv[1]))
except Exception: print("?"); sys.exit()
print(sum(len(r.get("results") or []) for r in d.get("runs", [])))' "$1"
}

# Commands by name; $1 = directory, $2 = report file, $3 = threads.
cmd_of() { # name dir out threads
  case "$1" in
    stowaway) echo "$STOW scan $2 -j$4 --format sarif -o $3 --no-progress --no-ignore" ;;
    ripgrep) echo "rg -j$4 --no-ignore --hidden -F -c AKIA $2" ;;
    kingfisher) echo "$HOME/.peers/bin/kingfisher scan $2 --no-validate --no-update-check --git-history none --format sarif -o $3" ;;
    gitleaks) echo "$HOME/.peers/bin/gitleaks dir $2 --no-banner --report-format sarif --report-path $3 --exit-code 0" ;;
  esac
}

# run_once NAME DIR THREADS: prints "wall_seconds peak_rss_kib findings"
run_once() {
  local name=$1 d=$2 j=$3 out="$work/$1.sarif" c t0 t1 rss found
  rm -f "$out"
  c=$(cmd_of "$name" "$d" "$out" "$j")
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$work/time.txt" $c >"$work/stdout.txt" 2>"$work/stderr.txt" || true
  t1=$(date +%s.%N)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  case "$name" in
    ripgrep) found=$(awk -F: '{s+=$NF} END {print s+0}' "$work/stdout.txt") ;;
    *) found=$(count_sarif "$out") ;;
  esac
  echo "$(echo "$t1 - $t0" | bc -l) $rss $found"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

tools=(stowaway ripgrep)
if [ $peers = 1 ]; then
  [ -x "$HOME/.peers/bin/kingfisher" ] && tools+=(kingfisher)
  [ -x "$HOME/.peers/bin/gitleaks" ] && tools+=(gitleaks)
fi

# bench LABEL DIR THREADS TOOL...: alternate the tools for $runs rounds and
# print one table row per tool.
bench() {
  local label=$1 d=$2 j=$3; shift 3
  local mb; mb=$(echo "$(bytes_of "$d") / 1000000" | bc -l)
  for t in "$@"; do run_once "$t" "$d" "$j" >/dev/null; done # warm the cache
  for ((r = 1; r <= runs; r++)); do
    for t in "$@"; do run_once "$t" "$d" "$j" >>"$work/$t.runs"; done
    local rg; rg=$(tail -1 "$work/ripgrep.runs" | cut -d' ' -f1)
    for t in "$@"; do
      echo "$(tail -1 "$work/$t.runs" | cut -d' ' -f1) / $rg" | bc -l >>"$work/$t.ratio"
    done
  done
  for t in "$@"; do
    local wall rss found ratio
    wall=$(cut -d' ' -f1 "$work/$t.runs" | median)
    rss=$(cut -d' ' -f2 "$work/$t.runs" | sort -n | tail -1)
    found=$(tail -1 "$work/$t.runs" | cut -d' ' -f3)
    ratio=$(median <"$work/$t.ratio")
    printf '| %-22s | %-8s | %8.2f | %8.0f | %6.2f× | %8.1f | %8s |\n' \
      "$t" "$label" "$wall" "$(echo "$mb / $wall" | bc -l)" "$ratio" "$(echo "$rss / 1024" | bc -l)" "$found"
    rm -f "$work/$t.runs" "$work/$t.ratio"
  done
}

# subset DIR FRACTION: a hard-linked copy of the first FRACTION of the files
# (sorted by path, counted in bytes)
subset() {
  local d=$1 f=$2 s="$CORPUS_ROOT/bench-subsets/$(basename "$1")-$2"
  if [ ! -d "$s" ]; then
    local total; total=$(bytes_of "$d")
    mkdir -p "$s"
    (cd "$d" && find . -type f -printf '%s %p\n' | sort -k2 |
      awk -v lim="$(echo "$total * $f" | bc -l)" '{s+=$1; if (s > lim) exit; print $2}' |
      xargs -d '\n' cp -l --parents -t "$s")
  fi
  echo "$s"
}

echo "corpus: $dir ($(find "$dir" -type f | wc -l) files, $(echo "$(bytes_of "$dir") / 1000000" | bc) MB)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "stowaway $($STOW --version 2>/dev/null | awk '{print $2}'), $(rg --version | sed -n 1p)"
echo "runs: $runs alternating rounds, median"
echo
echo "| command                | input    | wall (s) |     MB/s | vs rg   | RSS (MiB)| findings |"
echo "|------------------------|----------|----------|----------|---------|----------|----------|"
bench "all -j2" "$dir" 2 "${tools[@]}"
if [ $scaling = 1 ]; then
  for f in 0.25 0.5; do
    bench "$f -j2" "$(subset "$dir" $f)" 2 stowaway ripgrep
  done
  bench "all -j1" "$dir" 1 stowaway ripgrep
fi

if [ $big = 1 ]; then
  echo
  big_file="$CORPUS_ROOT/big-4g.txt"
  if [ ! -f "$big_file" ]; then
    echo "generating $big_file (4 GiB)..."
    python3 - "$big_file" "$CORPUS_ROOT/linux-slice/drivers/net" <<'EOF'
import os, random, sys
out, src = sys.argv[1], sys.argv[2]
filler = bytearray()
for dp, dn, fn in os.walk(src):
    dn.sort()
    for n in sorted(fn):
        if n.endswith(".c") and len(filler) < (8 << 20):
            filler += open(os.path.join(dp, n), "rb").read()
filler = bytes(filler[: 8 << 20])
CH, SIZE = 1 << 20, 4 << 30
rng = random.Random(7)
A = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
pos = 0
with open(out, "wb") as f:
    for border in range(CH, SIZE, CH):
        # an AWS key id whose first 7 bytes end the chunk and the rest
        # start the next one
        key = b"AKIA" + bytes(rng.choice(A) for _ in range(16))
        line = b"\naws_access_key_id = " + key + b"\n"
        n = border - 7 - (len(line) - len(key) - 1) - pos
        f.write(filler[(pos % (4 << 20)):(pos % (4 << 20)) + n])
        f.write(line)
        pos += n + len(line)
    f.write(filler[: SIZE - pos])
print(SIZE // CH - 1, "keys planted")
EOF
  fi
  echo "big file: $(stat -c %s "$big_file") bytes"
  /usr/bin/time -v -o "$work/time.txt" "$STOW" scan "$big_file" --format sarif -o "$work/big.sarif" --no-progress || true
  echo "peak RSS: $(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt") KiB, wall $(awk -F': ' '/Elapsed/ {print $2}' "$work/time.txt"), findings $(count_sarif "$work/big.sarif")"
fi
