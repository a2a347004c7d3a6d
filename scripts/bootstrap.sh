#!/bin/sh
# Installs the Debian packages Pulse needs, only when one is missing, so that
# `make run` and `make test` work on a fresh Debian 12 machine (run as root).
set -eu
PKGS="build-essential cmake pkg-config clang clang-format libclang-rt-14-dev \
libuv1-dev libhttp-parser-dev libssl-dev zlib1g-dev libjansson-dev \
libsqlite3-dev libhiredis-dev libcmocka-dev uthash-dev redis-server sqlite3 python3-websockets \
liburing-dev"
# liburing-dev: only bench/peers/c-floor (the minimal io_uring server used as a yardstick).
# python3-websockets: a second real permessage-deflate client in tests/integration/deflate.test.mjs.
[ "${1:-}" = "--browser" ] && PKGS="$PKGS chromium"
# --packaging: `make deb` and `make test-packaging` (debhelper, lintian, systemd-analyze,
# docker-compose to validate the compose file offline).
[ "${1:-}" = "--packaging" ] && PKGS="$PKGS debhelper lintian fakeroot dpkg-dev systemd docker-compose"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "bootstrap: installing$missing"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
