#!/usr/bin/env bash
# History benchmark: `stowaway scan --history` against `gitleaks git` and
# kingfisher on the same repositories, alternating, with peak RSS; plus a
# 20-commit pull-request range (`--git-range HEAD~20..HEAD`).
#
# usage: scripts/bench-history.sh [--commits N] [--runs N] [--no-build] [--prepare-only]
#
# Repositories (built locally under $WORK, no network):
#   synthetic  N (default 10000) commits over ~1500 files of the Linux corpus
#              (~/.cache/stowaway-corpus/linux, from ../shared/corpus/
#              make-linux-corpus.sh): each commit edits 1-3 files as a
#              developer would (a changed line, an added line); a few dozen
#              fake tokens are added along the way, some deleted later.
#              Built with `git fast-import`, then `git gc` (one pack).
#   versions   5 commits, each importing a version of a large tree: 12,000
#              files of the Linux corpus, each later version editing 10% of
#              the files, deleting 2% and adding 2% (as a vendor import of
#              successive releases would); a few fake tokens in version 3,
#              gone again in version 4. Tagged v1..v5.
#   self       a mirror clone of this repository's own history.
#
# Every command runs once untimed (warm cache), then RUNS alternating rounds.
# Peak RSS is `Maximum resident set size` from /usr/bin/time -v.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS_ROOT=${CORPUS_ROOT:-$HOME/.cache/stowaway-corpus}
PEERS=${PEERS:-$HOME/.peers/bin}
WORK=${WORK:-${TMPDIR:-/tmp}/stowaway-bench-history}
commits=10000 runs=3 build=1 prepare=0
while [ $# -gt 0 ]; do
  case "$1" in
    --commits) commits=$2; shift ;;
    --runs) runs=$2; shift ;;
    --no-build) build=0 ;;
    --prepare-only) prepare=1; build=0 ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

[ "$build" = 1 ] && cargo build --release -q
BIN=$PWD/target/release/stowaway
LINUX=$CORPUS_ROOT/linux
[ -d "$LINUX" ] || { echo "no Linux corpus at $LINUX (run ../shared/corpus/make-linux-corpus.sh)" >&2; exit 2; }
mkdir -p "$WORK"

synthetic=$WORK/synthetic-$commits.git
if [ ! -d "$synthetic" ]; then
  git init -q --bare "$synthetic"
  python3 - "$LINUX" "$commits" <<'PY' | git -C "$synthetic" fast-import --quiet
import os, random, sys, zlib
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
files = []
for sub in ("drivers/net/ethernet/intel", "fs/ext4", "kernel", "net/ipv4", "mm"):
    for d, _, names in os.walk(os.path.join(root, sub)):
        for name in sorted(names):
            if name.endswith((".c", ".h")):
                files.append(os.path.join(d, name))
files = sorted(files)[:1500]
content = {}
for f in files:
    with open(f, "rb") as fh:
        content[os.path.relpath(f, root)] = fh.read().split(b"\n")
paths = sorted(content)
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def token(i):
    # A GitHub-format fake token with a valid checksum, made here at run time.
    seed = "".join(rng.choice(B62) for _ in range(30))
    c, out = zlib.crc32(seed.encode()), ""
    for _ in range(6):
        out = B62[c % 62] + out
        c //= 62
    return "ghp_" + seed + out
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b)); out.write(b); out.write(b"\n")
def commit(i, changes, msg):
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Dev %d <dev%d@example.com> %d +0000\n" % (i % 7, i % 7, 1600000000 + i * 600))
    data(msg.encode())
    for p in changes:
        out.write(b"M 100644 inline %s\n" % p.encode()); data(b"\n".join(content[p]))
commit(0, paths, "import")
for i in range(1, n):
    changed = rng.sample(paths, rng.choice((1, 1, 2, 3)))
    for p in changed:
        lines = content[p]
        k = rng.randrange(len(lines))
        if i % 397 == 0:
            lines.insert(k, b"static const char *api_token = \"" + token(i).encode() + b"\";")
        elif rng.random() < 0.5:
            lines[k] = lines[k] + b" /* tweak %d */" % i
        else:
            lines.insert(k, b"\t/* note %d */" % i)
    commit(i, changed, "change %d" % i)
PY
  git -C "$synthetic" gc -q --aggressive --prune=now 2>/dev/null || git -C "$synthetic" gc -q
fi
git -C "$synthetic" symbolic-ref HEAD refs/heads/main
versions=$WORK/versions.git
if [ ! -d "$versions" ]; then
  git init -q --bare "$versions"
  python3 - "$LINUX" <<'PY' | git -C "$versions" fast-import --quiet
import os, random, sys, zlib
root = sys.argv[1]
rng = random.Random(7)
files = []
for d, _, names in os.walk(root):
    for name in names:
        if name.endswith((".c", ".h", ".S", ".rst", ".txt", ".yaml")):
            files.append(os.path.relpath(os.path.join(d, name), root))
files.sort()
rng.shuffle(files)
tree, pool = set(files[:12000]), files[12000:18000]
content = {}
def load(p):
    if p not in content:
        with open(os.path.join(root, p), "rb") as fh:
            content[p] = fh.read().split(b"\n")
    return content[p]
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def token():
    seed = "".join(rng.choice(B62) for _ in range(30))
    c, out = zlib.crc32(seed.encode()), ""
    for _ in range(6):
        out = B62[c % 62] + out
        c //= 62
    return "ghp_" + seed + out
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b)); out.write(b); out.write(b"\n")
planted = []
for v in range(1, 6):
    changed, deleted = set(), set()
    if v > 1:
        ordered = sorted(tree)
        for p in rng.sample(ordered, len(ordered) // 10):
            lines = load(p)
            for _ in range(rng.choice((1, 2, 5))):
                k = rng.randrange(len(lines))
                lines[k] = lines[k] + b" /* v%d */" % v
            changed.add(p)
        for p in rng.sample(ordered, len(ordered) // 50):
            tree.discard(p); deleted.add(p); changed.discard(p)
        for _ in range(len(ordered) // 50):
            if pool:
                p = pool.pop(); tree.add(p); changed.add(p)
    else:
        changed = set(tree)
    if v == 3:
        for p in rng.sample(sorted(changed), 8):
            lines = load(p)
            lines.insert(rng.randrange(len(lines)), b"static const char *api_token = \"" + token().encode() + b"\";")
            planted.append(p)
    if v == 4:
        for p in planted:
            if p in tree:
                content[p] = [l for l in load(p) if b"api_token" not in l]; changed.add(p)
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Vendor <vendor@example.com> %d +0000\n" % (1600000000 + v * 86400 * 90))
    data(b"import v%d" % v)
    for p in sorted(deleted):
        out.write(b"D %s\n" % p.encode())
    for p in sorted(changed):
        out.write(b"M 100644 inline %s\n" % p.encode()); data(b"\n".join(load(p)))
    out.write(b"reset refs/tags/v%d\nfrom refs/heads/main\n\n" % v)
PY
  git -C "$versions" gc -q --prune=now
fi
git -C "$versions" symbolic-ref HEAD refs/heads/main
self=$WORK/self.git
rm -rf "$self"; git clone -q --mirror . "$self"

# A work tree for the range row (gitleaks and kingfisher take repos as is).
pr=$WORK/pr-worktree
rm -rf "$pr"; git clone -q "$synthetic" "$pr"
[ "$prepare" = 1 ] && exit 0

measure() { # label cmd... ; prints "seconds maxrss_kib"
  local t; t=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$t" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$t")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$t")
  rm -f "$t"
  # m:ss.cc -> seconds
  awk -v w="$wall" -v r="$rss" 'BEGIN { n=split(w,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f %d\n", s, r }'
}

declare -A best_t best_r
run_round() { # repo-label repo
  local label=$1 repo=$2
  local -a names=(stowaway gitleaks kingfisher)
  for name in "${names[@]}"; do
    local res
    case $name in
      stowaway) res=$(measure "$BIN" scan --history --no-progress -f sarif -o /dev/null "$repo") ;;
      gitleaks) [ -x "$PEERS/gitleaks" ] || continue
        res=$(measure "$PEERS/gitleaks" git --no-banner --log-level error -f json -r "$WORK/gitleaks.json" "$repo") ;;
      kingfisher) [ -x "$PEERS/kingfisher" ] || continue
        res=$(measure "$PEERS/kingfisher" scan --no-validate --no-update-check --format json -o "$WORK/kingfisher.json" "$repo") ;;
    esac
    local t=${res% *} r=${res#* } key="$label/$name"
    if [ -z "${best_t[$key]:-}" ] || awk -v a="$t" -v b="${best_t[$key]}" 'BEGIN{exit !(a<b)}'; then
      best_t[$key]=$t
    fi
    if [ -z "${best_r[$key]:-}" ] || [ "$r" -gt "${best_r[$key]}" ]; then best_r[$key]=$r; fi
  done
}

for repo in synthetic versions self; do
  path=${!repo}
  run_round "$repo" "$path" >/dev/null   # warm-up, untimed
  unset 'best_t[$repo/stowaway]' 'best_t[$repo/gitleaks]' 'best_t[$repo/kingfisher]'
  for _ in $(seq "$runs"); do run_round "$repo" "$path"; done
done

pr_t=9999
for _ in $(seq "$runs"); do
  res=$(measure "$BIN" scan --git-range HEAD~20..HEAD --no-progress -f sarif -o /dev/null "$pr")
  t=${res% *}
  awk -v a="$t" -v b="$pr_t" 'BEGIN{exit !(a<b)}' && pr_t=$t
done

echo "| repository | commits | stowaway --history | gitleaks git | kingfisher | stowaway peak RSS |"
echo "|---|---|---|---|---|---|"
for repo in synthetic versions self; do
  path=${!repo}
  n=$(git -C "$path" rev-list --all --count)
  row="| $repo | $n"
  for name in stowaway gitleaks kingfisher; do
    k="$repo/$name"
    if [ -n "${best_t[$k]:-}" ]; then row="$row | ${best_t[$k]} s ($(( ${best_r[$k]} / 1024 )) MiB)"; else row="$row | -"; fi
  done
  echo "$row | $(( ${best_r[$repo/stowaway]} / 1024 )) MiB |"
done
echo
echo "20-commit range (--git-range HEAD~20..HEAD on synthetic): ${pr_t} s"
echo "(best of $runs alternating rounds; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
