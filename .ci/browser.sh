#!/usr/bin/env bash
# Installs what the live view's browser test drives (tests/runs/live_browser.rs): Debian's
# chromium and its chromedriver (/usr/bin/chromium, /usr/bin/chromedriver). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/apt-install.sh chromium chromium-driver
chromium --version
chromedriver --version
