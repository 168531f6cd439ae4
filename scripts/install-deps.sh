#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages ctrmon builds, runs and is tested with, then the
# npm dependencies (building the native addon offline against this Node's own headers).
# Idempotent: apt-get runs only when a package is missing. Needs root.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# build: g++ make python3 (node-gyp); gcc libc6-dev (static test fixtures)
# run:   runc crun (OCI runtimes), busybox-static (the demo container), util-linux (unshare)
# test:  procps (ps), systemd (booted in private namespaces by the end-to-end suite and the
#        benchmark), podman and conmon (the benchmark's anchors), docker-registry (a real OCI
#        registry on loopback), skopeo and umoci (images pushed and unpacked by the reference tools)
# image: libzstd-dev (zstd layers, decompressed in the addon), zstd (the tests compress with it)
packages="g++ make python3 gcc libc6-dev runc crun busybox-static util-linux procps systemd podman conmon docker-registry skopeo umoci libzstd-dev zstd netavark aardvark-dns iptables iproute2 curl"
missing=
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "install-deps: apt-get install$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
fi

cd "$root"
# --userconfig=/dev/null: the build must not depend on a user npmrc (e.g. a nodedir set there);
# package.json's install script passes the running Node's own prefix as --nodedir.
npm ci --userconfig=/dev/null --no-audit --no-fund
