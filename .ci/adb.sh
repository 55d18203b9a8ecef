#!/usr/bin/env bash
# Installs Debian's adb, which the `tests/rigs` module `sim_android_adb` uses as an independent
# implementation: its client authenticates to `facebench sim android` with its own key (adb
# connect, adb shell getprop), and `adb keygen` checks how facebench encodes its public key.
set -euo pipefail
bash "$(dirname "$0")/apt-install.sh" adb
adb version | head -1
