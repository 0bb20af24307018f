#!/usr/bin/env bash
# Builds the image archives that tests/it/image_fixtures.rs audits, with real
# tools (buildah, skopeo), once. Idempotent: a finished cache is left alone.
#
#   sudo scripts/image-test-setup.sh            # builds into target/image-fixtures
#   STOWAWAY_IMAGE_FIXTURES=/some/dir scripts/image-test-setup.sh
#
# Needs root (buildah with the vfs driver and chroot isolation builds
# without a daemon as root). Installs Debian's buildah, skopeo, umoci and
# busybox-static with apt-get when they are missing.
#
# The image is FROM scratch with a static busybox, and plants fake secrets:
#   - app/deleted.txt      added in one layer, removed (whiteout) by the next
#   - app/.env             kept in the final image
#   - ENV SERVICE_KEY      in the image config
#   - ARG DEPLOY_TOKEN     used by a RUN, so it leaks into history created_by
# Every value is fake and made for this test.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${STOWAWAY_IMAGE_FIXTURES:-$root/target/image-fixtures}"
stamp="$out/.complete-v1"
if [[ -f "$stamp" ]]; then
    echo "image fixtures already built in $out"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "error: $0 must run as root (buildah builds with vfs + chroot isolation)" >&2
    exit 1
fi

need=()
command -v buildah >/dev/null || need+=(buildah)
command -v skopeo >/dev/null || need+=(skopeo)
command -v umoci >/dev/null || need+=(umoci)
[[ -x /bin/busybox ]] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || need+=(busybox-static)
if ((${#need[@]})); then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" file >/dev/null
fi

work="$(mktemp -d)"
storage="$work/storage"
runroot="$work/run"
trap 'buildah --root "$storage" --runroot "$runroot" --storage-driver vfs rm -a >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bah() { buildah --root "$storage" --runroot "$runroot" --storage-driver vfs "$@"; }

# Fake secrets (kept in sync with tests/it/image_fixtures.rs).
DELETED_KEY="AKIAZ3MHQ7RXK2LPV4TD"
ENV_KEY="AKIAQYLPMN5HFIQR7XQB"
ARG_TOKEN="stwy_9fK2mQ7xLp4Rt8Vz1Nc6Hb3Jd5Ws0Ye2"
DOTENV_TOKEN="stwy_Xq3Lr8Tn2Vb6Mz9Kp4Hd7Jc1Fw5Gs0Ay3"

ctx="$work/ctx"
mkdir -p "$ctx/app"
cp /bin/busybox "$ctx/busybox"
printf 'aws_access_key_id = %s\n' "$DELETED_KEY" >"$ctx/deleted.txt"
printf '# app settings\nAPI_TOKEN=%s\n' "$DOTENV_TOKEN" >"$ctx/app/.env"
printf 'hello\n' >"$ctx/app/README"
cat >"$ctx/Containerfile" <<EOF
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV SERVICE_KEY=$ENV_KEY
COPY app/ /app/
COPY deleted.txt /app/deleted.txt
RUN rm /app/deleted.txt
ARG DEPLOY_TOKEN
RUN test -n "\$DEPLOY_TOKEN" && echo deployed > /app/deployed
EXPOSE 22
EOF

mkdir -p "$out"
rm -rf "${out:?}"/*
echo "building fixture image"
bah bud --isolation chroot --layers -q \
    --build-arg "DEPLOY_TOKEN=$ARG_TOKEN" \
    -f "$ctx/Containerfile" -t localhost/stowaway/fixture:1 "$ctx" >/dev/null

img=localhost/stowaway/fixture:1
echo "writing archives to $out"
bah push -q "$img" "docker-archive:$out/docker-archive.tar:stowaway/fixture:1"
bah push -q "$img" "oci-archive:$out/oci-gzip.tar:stowaway/fixture:1"
bah push -q --compression-format zstd --force-compression "$img" "oci-archive:$out/oci-zstd.tar:stowaway/fixture:1" 2>/dev/null ||
    bah push -q --compression-format zstd "$img" "oci-archive:$out/oci-zstd.tar:stowaway/fixture:1"
bah push -q "$img" "oci:$out/oci-dir:stowaway/fixture:1"

# skopeo's docker-archive: manifest.json last, legacy layer paths as symlinks.
skopeo copy -q "oci-archive:$out/oci-gzip.tar" "docker-archive:$out/skopeo-docker-archive.tar:stowaway/fixture:1"

# Docker 25+ style: an OCI layout plus a docker manifest.json, from the
# gzip and zstd layouts.
docker25() { # $1 = compression flag(s), $2 = output name
    local lay="$work/layout-$2"
    rm -rf "$lay"
    # shellcheck disable=SC2086
    bah push -q $1 "$img" "oci:$lay:stowaway/fixture:1"
    python3 - "$lay" <<'PY'
import json, sys, os
lay = sys.argv[1]
idx = json.load(open(os.path.join(lay, "index.json")))
desc = idx["manifests"][0]
alg, hexd = desc["digest"].split(":", 1)
man = json.load(open(os.path.join(lay, "blobs", alg, hexd)))
def path(d):
    a, h = d["digest"].split(":", 1)
    return f"blobs/{a}/{h}"
out = [{
    "Config": path(man["config"]),
    "RepoTags": ["stowaway/fixture:1"],
    "Layers": [path(l) for l in man["layers"]],
}]
json.dump(out, open(os.path.join(lay, "manifest.json"), "w"))
PY
    tar -C "$lay" -cf "$out/$2.tar" .
}
docker25 "" docker25-gzip
docker25 "--compression-format zstd" docker25-zstd

ls -l "$out"
touch "$stamp"
echo "image fixtures ready in $out"
