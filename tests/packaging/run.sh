#!/bin/sh
# Packaging checks (make test-packaging, after make deb): the systemd unit's hardening score,
# the `make install` layout and that the installed binary finds its dashboard, the .deb's
# contents, lintian, the compose file, the Dockerfile's build and runtime stages, the man page
# and the README's option table. Each check can fail; the first failure stops the script.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$BUILD/pulse
DEB=$(ls "$BUILD"/deb/pulse_*_amd64.deb)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# --- systemd unit: overall exposure at most 2.5 (offline: no running systemd needed) ---------
out=$(systemd-analyze security --offline=yes deploy/pulse.service 2>&1) || fail "systemd-analyze: $out"
score=$(echo "$out" | sed -nE 's/.*Overall exposure level for pulse.service: ([0-9.]+).*/\1/p')
[ -n "$score" ] || fail "no exposure level in: $out"
awk "BEGIN{exit !($score <= 2.5)}" || fail "exposure $score > 2.5"
for k in DynamicUser=yes StateDirectory=pulse 'ExecReload=/bin/kill -HUP $MAINPID'; do
    grep -qxF "$k" deploy/pulse.service || fail "unit lacks $k"
done
ok "deploy/pulse.service exposure $score"

# --- make install: layout, and the installed binary serves PREFIX/share/pulse/web -----------
make --no-print-directory install BUILD="$BUILD" PREFIX=/opt/pulse DESTDIR="$tmp/root" >/dev/null
root=$tmp/root/opt/pulse
for f in bin/pulse share/pulse/web/index.html share/man/man1/pulse.1 etc/pulse/pulse.conf \
    lib/systemd/system/pulse.service; do
    [ -f "$root/$f" ] || fail "make install did not install $f"
done
grep -q "^ExecStart=/opt/pulse/bin/pulse --config /opt/pulse/etc/pulse/pulse.conf$" \
    "$root/lib/systemd/system/pulse.service" || fail "installed unit paths not adjusted"
echo '<!-- installed copy -->' >>"$root/share/pulse/web/index.html"
(cd "$tmp" && exec "$root/bin/pulse" --port 0 --db :memory: >"$tmp/out" 2>"$tmp/err") &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" && break; sleep 0.1; done
port=$(sed -nE 's/^pulse listening on http:\/\/[^ ]+:([0-9]+)$/\1/p' "$tmp/out")
[ -n "$port" ] || fail "installed pulse did not start: $(cat "$tmp/err")"
grep -q "static=$root/bin/../share/pulse/web" "$tmp/err" || fail "static root: $(cat "$tmp/err")"
curl -sf "http://127.0.0.1:$port/" | grep -q 'installed copy' || fail "dashboard not from PREFIX"
kill "$pid"; wait "$pid" || true; pid=""
ok "make install PREFIX=/opt/pulse DESTDIR=...: binary finds PREFIX/share/pulse/web"

# --- the Debian package --------------------------------------------------------------------
version=$($BIN --version | cut -d' ' -f2)
case "$DEB" in */pulse_${version}_amd64.deb) ;; *) fail "deb name $DEB, version $version" ;; esac
dpkg -c "$DEB" | awk '{print $6}' >"$tmp/list"
for f in ./usr/bin/pulse ./usr/share/pulse/web/index.html ./lib/systemd/system/pulse.service \
    ./usr/share/man/man1/pulse.1.gz ./etc/pulse/pulse.conf ./usr/share/doc/pulse/copyright; do
    grep -qxF "$f" "$tmp/list" || fail "$f not in $DEB"
done
dpkg-deb -e "$DEB" "$tmp/ctrl"
grep -qxF /etc/pulse/pulse.conf "$tmp/ctrl/conffiles" || fail "pulse.conf is not a conffile"
grep -q "deb-systemd-helper enable 'pulse.service'" "$tmp/ctrl/postinst" || fail "unit not enabled"
dpkg-deb -x "$DEB" "$tmp/deb"
grep -qx 'db = /var/lib/pulse/pulse.db' "$tmp/deb/etc/pulse/pulse.conf" || fail "conffile db"
lintian --fail-on error "$DEB" >"$tmp/lintian" 2>&1 || fail "lintian: $(cat "$tmp/lintian")"
ok "$DEB: contents, conffile, unit enabled, lintian without errors"

# --- docker-compose.yml: valid offline, with the fleet profile -----------------------------
docker-compose -f docker-compose.yml config -q || fail "docker-compose config"
docker-compose -f docker-compose.yml --profile fleet config --services | sort | tr '\n' ' ' \
    | grep -qx 'pulse pulse-a pulse-b pulse-c redis ' || fail "services"
ok "docker-compose.yml valid, fleet profile has three nodes"

# --- Dockerfile: build stage runs the repository's scripts; runtime = the daemon's libraries -
# Stages by name: `node` (only a source of Node 20), `build` (Debian 12), then the runtime.
grep -v "^#" Dockerfile | awk '/^FROM /{s=$NF} s=="build"' >"$tmp/build-stage"
grep -v "^#" Dockerfile | awk '/^FROM /{s=$NF} s=="node"' >"$tmp/node-stage"
nfrom=$(grep -c '^FROM ' Dockerfile)
awk -v last="$nfrom" '/^FROM /{n++} n==last' Dockerfile >"$tmp/run-stage"
[ "$nfrom" -eq 3 ] || fail "Dockerfile: want 3 stages (node, build, runtime), have $nfrom"
grep -qx 'FROM debian:12 AS build' "$tmp/build-stage" || fail "build stage is not debian:12"
# Node comes from the official Node 20 image on the same Debian release, copied, not installed.
grep -qx 'FROM node:20-bookworm AS node' "$tmp/node-stage" || fail "node stage is not node:20-bookworm"
[ "$(grep -vc '^FROM \|^$' "$tmp/node-stage")" -eq 0 ] || fail "node stage runs commands"
grep -qx 'COPY --from=node /usr/local/ /usr/local/' "$tmp/build-stage" \
    || fail "build stage does not take Node from the node stage"
grep -q 'sh scripts/bootstrap.sh' "$tmp/build-stage" || fail "build stage does not run bootstrap.sh"
grep -q 'make install' "$tmp/build-stage" || fail "build stage does not run make install"
if grep -qE 'cmake|npm |apt-get|gcc|cc ' "$tmp/build-stage"; then
    fail "build stage repeats commands of the scripts: $(grep -E 'cmake|npm |apt-get|gcc' "$tmp/build-stage")"
fi
grep -q '^USER pulse' "$tmp/run-stage" || fail "runtime is not a non-root user"
sed -n '/^HEALTHCHECK/,/[^\\]$/p' "$tmp/run-stage" | grep -q 'GET /healthz' || fail "no HEALTHCHECK on /healthz"
grep -q '^VOLUME /var/lib/pulse' "$tmp/run-stage" || fail "no volume for the database"
grep -q '^FROM debian:12-slim' "$tmp/run-stage" || fail "runtime is not debian:12-slim"
want=$(ldd "$BIN" | awk '/=> \//{print $3}' | while read -r lib; do
    dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"; done | cut -d: -f1 | sort -u)
have=$(sed -nE 's/.*apt-get install -y --no-install-recommends (.*)/\1/p' "$tmp/run-stage" \
    | sed 's/\\$//' | tr ' ' '\n' | grep -v '^$' | sort -u)
[ "$want" = "$have" ] || fail "runtime packages differ: want [$(echo $want)] have [$(echo $have)]"
ok "Dockerfile: build via scripts, runtime packages = $(echo $have)"

# --- man page and README option table, generated from the option table ----------------------
$BIN --help-man >"$tmp/pulse.1"
warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$tmp/pulse.1" 2>&1 >/dev/null)
[ -z "$warn" ] || fail "man warnings: $warn"
for flag in $($BIN --help | sed -nE 's/^  (--[a-z-]+).*/\1/p'); do
    man -l "$tmp/pulse.1" 2>/dev/null | grep -q -- "$flag" || fail "man page lacks $flag"
done
$BIN --help-table >"$tmp/table"
sed -n '/<!-- options:begin -->/,/<!-- options:end -->/p' README.md | sed '1d;$d' >"$tmp/readme"
diff -u "$tmp/table" "$tmp/readme" || fail "README option table differs from pulse --help-table"
ok "man page renders without warnings; README table = pulse --help-table"
echo "packaging: all checks passed"
