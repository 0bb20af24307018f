#!/usr/bin/env bash
# Benchmark `stowaway image` on a realistic image: a Debian rootfs from
# `debootstrap --variant=minbase` (about 200 MB) packed as a two-layer
# docker-archive image with one planted fake secret, against
# `trivy image --input X.tar --scanners secret` when trivy is installed.
# Not a CI test. Run as root (debootstrap, buildah):
#
#   scripts/bench-image.sh            # work dir: target/image-bench (kept, reused)
#
# Prints wall time and peak RSS (`/usr/bin/time -v`) for each tool.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${STOWAWAY_IMAGE_BENCH:-$root/target/image-bench}"
suite="${SUITE:-bookworm}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
trivy="${TRIVY:-$HOME/.peers/bin/trivy}"
mkdir -p "$work"

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v buildah >/dev/null || need+=(buildah)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

rootfs="$work/rootfs"
if [[ ! -f "$work/.rootfs-done" ]]; then
    rm -rf "$rootfs"
    echo "debootstrap --variant=minbase $suite (a few minutes)"
    debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1
    touch "$work/.rootfs-done"
fi

archive="$work/debian-image.tar"
if [[ ! -f "$archive" ]]; then
    storage="$work/storage"
    bah() { buildah --root "$storage" --runroot "$work/run" --storage-driver vfs "$@"; }
    ctx="$work/ctx"
    rm -rf "$ctx"
    mkdir -p "$ctx/app"
    tar -C "$rootfs" -cf "$ctx/rootfs.tar" .
    # One planted fake secret (made for this benchmark).
    printf 'aws_access_key_id = AKIAZ3MHQ7RXK2LPV4TD\n' >"$ctx/app/settings.ini"
    printf 'FROM scratch\nADD rootfs.tar /\nCOPY app/ /app/\nCMD ["/bin/bash"]\n' >"$ctx/Containerfile"
    bah bud --isolation chroot --layers -q -f "$ctx/Containerfile" -t localhost/bench/debian:1 "$ctx" >/dev/null
    bah push -q localhost/bench/debian:1 "docker-archive:$archive:bench/debian:1"
    bah rm -a >/dev/null 2>&1 || true
    bah rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$ctx" "$storage"
fi
oci="$work/debian-oci-gzip.tar"
if [[ ! -f "$oci" ]]; then
    command -v skopeo >/dev/null || apt-get install -y -qq skopeo >/dev/null
    skopeo copy -q "docker-archive:$archive" "oci-archive:$oci:bench/debian:1"
fi
ls -l "$archive" "$oci"
du -sh "$rootfs"

uptime # the machine may be shared: compare cpu times as well as wall times
echo "building stowaway (release)"
(cd "$root" && cargo build --release -q)
bin="${CARGO_TARGET_DIR:-$root/target}/release/stowaway"

measure() { # $1 = label, rest = command
    local label="$1"
    shift
    /usr/bin/time -v "$@" >"$work/$label.out" 2>"$work/$label.time" || true
    local wall rss user sys status
    wall=$(grep 'Elapsed (wall clock)' "$work/$label.time" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$work/$label.time" | awk '{print $NF}')
    user=$(grep 'User time' "$work/$label.time" | awk '{print $NF}')
    sys=$(grep 'System time' "$work/$label.time" | awk '{print $NF}')
    status=$(grep 'Exit status' "$work/$label.time" | awk '{print $NF}')
    printf '%-18s wall %s  cpu %ss user + %ss sys  peak RSS %s MB  exit %s\n' \
        "$label" "$wall" "$user" "$sys" "$((rss / 1024))" "$status"
}

measure stowaway "$bin" image --format json "$archive"
grep -c '"rule_id"' "$work/stowaway.out" | sed 's/^/stowaway findings: /' || true
measure stowaway-oci-gzip "$bin" image --format json "$oci"
measure stowaway-stdin sh -c "cat '$oci' | '$bin' image --format json -"
if [[ -x "$trivy" ]]; then
    rm -rf "$work/trivy-cache" # a cold cache: trivy caches per-layer results
    measure trivy "$trivy" image --input "$archive" --scanners secret --format json --timeout 60m --cache-dir "$work/trivy-cache"
else
    echo "trivy not found at $trivy: skipped"
fi
