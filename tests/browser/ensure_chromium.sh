#!/bin/sh
# Install Debian's Chromium for the browser test when it is missing (CI runs this as root).
# Idempotent: prints nothing and does nothing when /usr/bin/chromium is already there.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "ensure_chromium: /usr/bin/chromium is missing; installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium >/dev/null

if [ ! -x /usr/bin/chromium ]; then
    echo "ensure_chromium: installing chromium did not provide /usr/bin/chromium" >&2
    exit 1
fi
