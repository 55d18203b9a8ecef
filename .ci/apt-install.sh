#!/usr/bin/env bash
# Installs the named Debian packages that are not installed yet (idempotent; run as root, as CI is).
#   bash .ci/apt-install.sh poppler-utils libclang-dev
set -euo pipefail

missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "apt-install: $* already installed"
    exit 0
fi
echo "apt-install: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
