#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser test (tests/test_dashboard.py drives it with the
# Python playwright package, executable_path=/usr/bin/chromium). Playwright's own browser download
# (`playwright install`) is not used: only Debian's package registry is reachable from CI.
# Idempotent and quiet: does nothing when /usr/bin/chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser.sh: need root (or sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium; } >"$log" 2>&1; then
    echo "install-browser.sh: apt-get install chromium failed:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
/usr/bin/chromium --version >/dev/null 2>&1 || {
    echo "install-browser.sh: /usr/bin/chromium does not run" >&2
    exit 1
}
