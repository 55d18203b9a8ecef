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

bash "$(dirname "$0")/apt-install.sh" libclang-dev
