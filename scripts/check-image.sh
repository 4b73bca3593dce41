#!/usr/bin/env bash
# Builds the Dockerfile, unchanged, and runs `optout-bot demo` in the image, on a Debian machine
# that reaches Debian's mirror and PyPI but no container registry:
#   1. installs podman, runc and debootstrap with apt when missing;
#   2. makes the Dockerfile's base image (FROM debian:bookworm-slim) with
#      `debootstrap --variant=minbase` and `podman import`; the root file system is cached in
#      ~/.cache/optout-bot/check-image/ (--fresh-base makes it anew);
#   3. builds the image, runs `demo` in it (no network) with /data mounted from a temporary folder;
#   4. checks every evidence bundle from outside with `.venv/bin/optout-bot evidence verify`.
# Exits non-zero on any failure. Takes minutes; not part of .ci/run. Needs root (or sudo).
# Usage: bash scripts/check-image.sh [--fresh-base] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."

fresh_base=0 keep=0
for arg in "$@"; do
  case "$arg" in
    --fresh-base) fresh_base=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: bash scripts/check-image.sh [--fresh-base] [--keep]" >&2; exit 2 ;;
  esac
done

say() { echo "check-image: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# crun refuses some cgroup setups (nested containers); runc works in both.
podman_() { as_root podman --runtime runc "$@"; }

image=localhost/optout-bot:check
base=$(awk 'toupper($1) == "FROM" { print $2; exit }' Dockerfile)
suite=${base#*:}; suite=${suite%%-*}                       # debian:bookworm-slim -> bookworm
[ "${base%%:*}" = debian ] && [ -n "$suite" ] || fail "the Dockerfile's FROM is not debian:<suite>: $base"
uid=$(awk 'toupper($1) == "USER" { split($2, u, ":"); print u[1] }' Dockerfile | tail -1)
case "$uid" in ''|*[!0-9]*) fail "the Dockerfile's USER is not a numeric UID: '$uid'" ;; esac
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/optout-bot/check-image
rootfs_tar=$cache/$suite-minbase.tar

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "install ${missing[*]} (this script knows only apt)"
  say "installing ${missing[*]} with apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
cleanup() {
  if [ "$keep" -eq 1 ]; then say "kept $work"; else as_root rm -rf "$work"; fi
}
trap cleanup EXIT

make_rootfs() {
  # A minimal Debian like the official -slim image: no documentation, man pages or translations,
  # apt's lists removed. The host's own CAs (/usr/local/share/ca-certificates) are copied in so
  # apt and pip inside the build trust a TLS-inspecting proxy the host trusts.
  local root=$work/rootfs
  say "debootstrap --variant=minbase $suite from $mirror"
  as_root debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  as_root tee "$root/etc/dpkg/dpkg.cfg.d/slim" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    as_root mkdir -p "$root/usr/local/share/ca-certificates"
    as_root cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  as_root rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  mkdir -p "$cache"
  as_root tar -C "$root" --numeric-owner -cf "$rootfs_tar.part" .
  as_root mv "$rootfs_tar.part" "$rootfs_tar"
}

if [ "$fresh_base" -eq 1 ] || ! podman_ image exists "$base"; then
  if [ "$fresh_base" -eq 1 ] || [ ! -s "$rootfs_tar" ]; then
    make_rootfs
  else
    say "using the cached root file system $rootfs_tar"
  fi
  podman_ import --change 'CMD ["bash"]' "$rootfs_tar" "docker.io/library/$base" >/dev/null
  say "imported $rootfs_tar as $base"
else
  say "base image $base already there"
fi

say "building $image"
t0=$(date +%s)
podman_ build --pull=never --network host --tag "$image" . >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; fail "podman build (log above)"; }
t1=$(date +%s)
say "built in $((t1 - t0)) s"

data=$work/data
mkdir -p "$data"
as_root chown "$uid:$uid" "$data"
say "running demo in the image (no network, /data mounted from $data)"
podman_ run --rm --network none \
  --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
  --volume "$data:/data" "$image" demo >"$work/demo.log" 2>&1 \
  || { cat "$work/demo.log" >&2; fail "demo in the image"; }
t2=$(date +%s)
say "demo ran in $((t2 - t1)) s"

[ -x .venv/bin/optout-bot ] || bash scripts/setup.sh
bundles=0
while IFS= read -r manifest; do
  bundles=$((bundles + 1))
  .venv/bin/optout-bot --ledger "$data/ledger.sqlite3" evidence verify "$(dirname "$manifest")" >&2 \
    || fail "evidence verify $(dirname "$manifest")"
done < <(find "$data/evidence" -name manifest.json | sort)
expected=$(.venv/bin/optout-bot platforms | grep -c '^[a-z]')
[ "$bundles" -eq "$expected" ] || fail "$bundles evidence bundles, expected one per platform ($expected)"

size=$(podman_ image ls --format '{{.Size}}' "$image")
say "OK: built in $((t1 - t0)) s, demo in $((t2 - t1)) s, $bundles bundles verified, image $image is $size"
