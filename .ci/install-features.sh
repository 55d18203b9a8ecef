#!/usr/bin/env bash
# System packages the optional cargo features need (the default build needs none).
#
#   v4l     → v4l2-sys-mit runs bindgen on <linux/videodev2.h> at build time: libclang-dev
#             (linux-libc-dev provides the header and is on the rust image already).
#   nokhwa  → on Linux its input backend (nokhwa-bindings-linux) is built on the same v4l crate,
#             so it needs libclang-dev too. We build nokhwa without its `decoding` feature, so
#             mozjpeg (and nasm for its SIMD) is not needed.
#
# Run as root (CI is). Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(libclang-dev)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-features: ${packages[*]} already installed"
    exit 0
fi
echo "install-features: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
