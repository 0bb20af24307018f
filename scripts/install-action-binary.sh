#!/usr/bin/env bash
# Installs the stowaway binary for the GitHub Action (action.yml).
#
#   install-action-binary.sh resolve   # outputs: version, target, dir, cacheable, cache-key
#   install-action-binary.sh install   # outputs: bin (path of the stowaway executable)
#
# Release assets (made by .github/workflows/release.yml), for TAG and TARGET:
#   stowaway-TARGET.tar.gz          the `stowaway` (stowaway.exe on Windows) executable
#   stowaway-TARGET.tar.gz.sha256   "<sha256>  stowaway-TARGET.tar.gz"
# The checksum check fails closed: a missing or mismatching checksum stops the
# step; only a release that has no asset for this platform (or no release at
# all: version `source`, or an action ref that is not a release tag) falls back
# to `cargo install --locked --path` of the action's own checkout, i.e. this
# repository at the action's ref.
#
# Environment: INPUT_VERSION, ACTION_REPOSITORY, ACTION_REF, GITHUB_ACTION_PATH,
# RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_OUTPUT.
# STOWAWAY_RELEASE_BASE_URL replaces https://github.com/OWNER/REPO/releases/download
# (tests point it at file:// fixtures).
set -euo pipefail

cmd=${1:-install}
log() { printf 'stowaway-install: %s\n' "$*" >&2; }
die() { printf '::error title=stowaway install::%s\n' "$*" | tr -d '\r' >&2; exit 1; }
out() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; else printf '%s=%s\n' "$1" "$2"; fi; }

action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# github.action_repository / action_ref can be empty inside composite actions
# (actions/runner#2473): fall back to the action's path,
# .../_actions/OWNER/REPO/REF.
repo=${ACTION_REPOSITORY:-}
ref=${ACTION_REF:-}
case "$action_path" in
  */_actions/*/*/*)
    rest=${action_path#*/_actions/}
    [ -n "$repo" ] || repo=$(printf '%s' "$rest" | cut -d/ -f1-2)
    [ -n "$ref" ] || ref=$(printf '%s' "$rest" | cut -d/ -f3-)
    ;;
esac

# The release target for this runner.
os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
case "$os" in
  Linux|linux) os_part=unknown-linux-gnu; exe=stowaway ;;
  macOS|Darwin) os_part=apple-darwin; exe=stowaway ;;
  Windows|MINGW*|MSYS*|CYGWIN*) os_part=pc-windows-msvc; exe=stowaway.exe ;;
  *) os_part=""; exe=stowaway ;;
esac
case "$arch" in
  X64|x86_64|amd64) arch_part=x86_64 ;;
  ARM64|arm64|aarch64) arch_part=aarch64 ;;
  *) arch_part="" ;;
esac
target=""
if [ -n "$os_part" ] && [ -n "$arch_part" ]; then target="$arch_part-$os_part"; fi

# Which version: the input, else the action's tag, else a source build.
version=${INPUT_VERSION:-}
if [ -z "$version" ]; then
  if [[ "$ref" =~ ^v[0-9]+(\.[0-9]+)*([.-][0-9A-Za-z.-]+)?$ ]]; then version=$ref; else version=source; fi
fi
if ! [[ "$version" =~ ^(latest|source|v?[0-9]+(\.[0-9]+)*([.-][0-9A-Za-z.-]+)?)$ ]]; then
  die "version '$version' is not a release tag (v1.2.3), latest or source"
fi
if [ -n "$version" ] && [ "${version#v}" = "$version" ] && [[ "$version" =~ ^[0-9] ]]; then version="v$version"; fi

cache_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}
safe_ref=$(printf '%s' "${ref:-local}" | tr -c 'A-Za-z0-9._-' '_')
if [ "$version" = source ]; then
  dir="$cache_root/stowaway/source-$safe_ref/${target:-$(uname -m)}"
else
  dir="$cache_root/stowaway/$version/${target:-unknown}"
fi
# `latest` moves and a local action (`uses: ./`) has no ref: never cache them.
cacheable=true
if [ "$version" = latest ] || { [ "$version" = source ] && [ -z "$ref" ]; }; then cacheable=false; fi

if [ "$cmd" = resolve ]; then
  out version "$version"
  out target "$target"
  out dir "$dir"
  out cacheable "$cacheable"
  out cache-key "stowaway-$version-${target:-unknown}-$safe_ref-v1"
  exit 0
fi
[ "$cmd" = install ] || die "unknown command '$cmd' (resolve or install)"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else die "neither sha256sum nor shasum is installed: cannot verify the download"; fi
}

finish() {
  local bin="$dir/bin/$exe"
  [ -x "$bin" ] || die "installation left no executable at $bin"
  "$bin" --version >&2 || die "$bin does not run"
  out bin "$bin"
  exit 0
}

from_source() {
  log "building stowaway from $action_path with cargo install --locked ($1)"
  command -v cargo >/dev/null 2>&1 || die "no release binary ($1) and cargo is not installed to build one; set up Rust (e.g. rustup) or use a released version"
  [ -f "$action_path/Cargo.toml" ] || die "no Cargo.toml at $action_path to build from"
  mkdir -p "$dir"
  cargo install --locked --path "$action_path" --root "$dir" --bin stowaway >&2 || die "cargo install --locked failed"
  finish
}

if [ "$version" = source ]; then
  if [ -x "$dir/bin/$exe" ] && "$dir/bin/$exe" --version >/dev/null 2>&1 && [ "$cacheable" = true ]; then
    log "using the cached build in $dir"; finish
  fi
  from_source "version source"
fi
[ -n "$target" ] || from_source "no release build for $os/$arch"

asset="stowaway-$target.tar.gz"
if [ -n "${STOWAWAY_RELEASE_BASE_URL:-}" ]; then
  if [ "$version" = latest ]; then base="$STOWAWAY_RELEASE_BASE_URL/latest"; else base="$STOWAWAY_RELEASE_BASE_URL/$version"; fi
else
  [ -n "$repo" ] || from_source "the action's repository is unknown, so there are no release assets to download"
  if [ "$version" = latest ]; then base="https://github.com/$repo/releases/latest/download"
  else base="https://github.com/$repo/releases/download/$version"; fi
fi

tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/stowaway-dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fetch() { curl -fsSL --retry 3 --retry-delay 2 --proto '=https,file' -o "$2" "$1"; }

# The checksum is always fetched fresh, also on a cache hit: the cached
# archive is verified against it before it is used.
cached_archive="$dir/$asset"
if ! fetch "$base/$asset.sha256" "$tmp/$asset.sha256"; then
  if fetch "$base/$asset" "$tmp/$asset"; then
    die "$base/$asset exists but its checksum $asset.sha256 could not be downloaded: refusing an unverified binary"
  fi
  from_source "no $asset in release $version"
fi
expected=$(tr -d '\r' <"$tmp/$asset.sha256" | awk 'NR==1 {print tolower($1)}')
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "$asset.sha256 holds no sha256 ('$expected'): refusing an unverified binary"

if [ -f "$cached_archive" ] && [ "$(sha256_of "$cached_archive")" = "$expected" ] && [ -x "$dir/bin/$exe" ]; then
  log "using the cached $asset ($version), checksum verified"
  finish
fi

log "downloading $base/$asset"
fetch "$base/$asset" "$tmp/$asset" || die "the release has $asset.sha256 but $asset could not be downloaded"
actual=$(sha256_of "$tmp/$asset")
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $asset: expected $expected, got $actual. Refusing to run it."
fi
log "sha256 verified: $actual"
rm -rf "$dir"
mkdir -p "$dir/bin"
tar -xzf "$tmp/$asset" -C "$tmp"
found=$(find "$tmp" -type f -name "$exe" | head -n1)
[ -n "$found" ] || die "$asset holds no $exe"
cp "$found" "$dir/bin/$exe"
chmod +x "$dir/bin/$exe"
cp "$tmp/$asset" "$cached_archive"
finish
