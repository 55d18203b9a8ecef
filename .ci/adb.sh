#!/usr/bin/env bash
# Installs Debian's adb client, which the `tests/rigs` test `adb_client_reads_the_simulators_sn`
# uses as an independent client of `facebench sim android` (adb connect, adb shell getprop).
set -euo pipefail
bash "$(dirname "$0")/apt-install.sh" adb
adb version | head -1
