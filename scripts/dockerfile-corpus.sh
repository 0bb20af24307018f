#!/usr/bin/env bash
# Lint the real-Dockerfile corpus with stowaway and, when installed, hadolint
# and trivy; print per-rule hit tables, parse failures and wall times.
#
#   cargo build --release && scripts/dockerfile-corpus.sh
#
# Environment: CORPUS (default ../shared/corpus/dockerfiles next to the repo),
# STOWAWAY (default target/release/stowaway), PEERS (default ~/.peers/bin,
# where hadolint and trivy are looked for; PATH is the fallback).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$root/../shared/corpus/dockerfiles}
bin=${STOWAWAY:-${CARGO_TARGET_DIR:-$root/target}/release/stowaway}
peers=${PEERS:-$HOME/.peers/bin}

if [ ! -d "$corpus" ]; then
    echo "corpus not found: $corpus" >&2
    exit 2
fi
if [ ! -x "$bin" ]; then
    echo "stowaway binary not found: $bin (run: cargo build --release)" >&2
    exit 2
fi

tool() {
    if [ -x "$peers/$1" ]; then
        echo "$peers/$1"
    else
        command -v "$1" || true
    fi
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

mapfile -t files < <(find "$corpus" -mindepth 2 -type f | LC_ALL=C sort)
echo "corpus: $corpus (${#files[@]} files)"
echo

# Wall time of a command in seconds, its output to $out/$1.out.
timed() {
    local name=$1
    shift
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$out/$name.out" 2>"$out/$name.err" || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l | xargs printf '%.2f' >"$out/$name.time"
}

"$bin" rules --format json >"$out/rules.json"
timed stowaway "$bin" dockerfile --format json "${files[@]}"

hadolint=$(tool hadolint)
if [ -n "$hadolint" ]; then
    timed hadolint "$hadolint" --no-fail --format json "${files[@]}"
fi

trivy=$(tool trivy)
if [ -n "$trivy" ]; then
    timed trivy "$trivy" config --skip-check-update --quiet --format json \
        --misconfig-scanners dockerfile --file-patterns 'dockerfile:.*Dockerfile.*' "$corpus"
fi

python3 - "$out" "${#files[@]}" <<'PY'
import collections, json, os, sys

out, nfiles = sys.argv[1], int(sys.argv[2])

def load(name):
    p = os.path.join(out, name + ".out")
    if not os.path.exists(p):
        return None, None
    t = open(os.path.join(out, name + ".time")).read().strip()
    try:
        return json.load(open(p)), t
    except json.JSONDecodeError:
        sys.stderr.write(f"{name}: output is not JSON:\n{open(os.path.join(out, name + '.err')).read()[:2000]}\n")
        return None, t

# Which hadolint / trivy checks correspond to our rules: the `equivalents`
# that `stowaway rules --format json` lists (the table inline ignores use too).
def equivalents(peer):
    rules = json.load(open(os.path.join(out, "rules.json")))
    rules = rules if isinstance(rules, list) else rules.get("rules", [])
    m = {}
    for r in rules:
        for e in r.get("equivalents") or []:
            tool, _, cid = str(e).partition(":")
            if tool == peer and cid:
                m.setdefault(r["id"], []).append(norm(peer, cid))
    return m

def norm(peer, cid):
    """trivy ids as DS001 whatever the spelling (DS001, DS-0001, AVD-DS-0001)."""
    if peer != "trivy":
        return cid
    digits = "".join(ch for ch in cid if ch.isdigit())
    return "DS%03d" % int(digits) if digits else cid

HADOLINT = equivalents("hadolint")
TRIVY = equivalents("trivy")

ours, ours_t = load("stowaway")
ours_counts = collections.Counter()
ours_files = collections.defaultdict(set)
if ours is not None:
    for f in ours.get("findings", []):
        ours_counts[f["rule_id"]] += 1
        ours_files[f["rule_id"]].add(f["path"])

had, had_t = load("hadolint")
had_counts = collections.Counter()
had_parse_fail = set()
if had is not None:
    for f in had:
        had_counts[f["code"]] += 1
        if f["code"] == "DL1000":
            had_parse_fail.add(f["file"])

tri, tri_t = load("trivy")
tri_counts = collections.Counter()
if tri is not None:
    for r in tri.get("Results") or []:
        for m in r.get("Misconfigurations") or []:
            if m.get("Status", "FAIL") == "FAIL":
                tri_counts[norm("trivy", m.get("ID", "?"))] += 1

def peer(counts, mapping, rule, present):
    if not present:
        return "n/a"
    ids = mapping.get(rule)
    if not ids:
        return "-"
    return " + ".join(f"{counts.get(i, 0)} ({i})" for i in ids)

print("| stowaway rule | hits | files | hadolint | trivy |")
print("|---|---:|---:|---|---|")
rules = sorted(set(ours_counts) | set(HADOLINT) | set(TRIVY))
for r in rules:
    print(f"| `{r}` | {ours_counts.get(r, 0)} | {len(ours_files.get(r, ()))} | "
          f"{peer(had_counts, HADOLINT, r, had is not None)} | {peer(tri_counts, TRIVY, r, tri is not None)} |")
print()
print(f"stowaway parse failures: {len(ours_files.get('dockerfile-parse-error', ()))} of {nfiles} files")
if had is not None:
    print(f"hadolint parse failures (DL1000): {len(had_parse_fail)}")
print()
print("| tool | wall time (s) |")
print("|---|---:|")
for name, t in (("stowaway", ours_t), ("hadolint", had_t), ("trivy", tri_t)):
    print(f"| {name} | {t if t else 'not installed'} |")
if had is not None:
    print()
    print("hadolint, all codes: " + ", ".join(f"{k} {v}" for k, v in had_counts.most_common()))
if tri is not None:
    print("trivy, all checks: " + ", ".join(f"{k} {v}" for k, v in tri_counts.most_common()))
PY
