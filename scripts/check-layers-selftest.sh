#!/bin/sh
# Self-test of scripts/check-layers.py: a clean tree passes; an upward include, a cycle and a
# folder that is no layer each fail.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tree() { # tree NAME: an empty layered tree with base/a and net/b (b includes a)
    mkdir -p "$tmp/$1/base" "$tmp/$1/net" "$tmp/$1/hub"
    printf '#include "base/a.h"\n' >"$tmp/$1/net/b.h"
    : >"$tmp/$1/base/a.h"
}
expect() { # expect 0|1 NAME WHAT
    if python3 "$here/check-layers.py" "$tmp/$2" >/dev/null 2>&1; then rc=0; else rc=1; fi
    if [ "$rc" != "$1" ]; then
        echo "check-layers self-test: $3: exit $rc, expected $1" >&2
        exit 1
    fi
}

tree clean
expect 0 clean "a clean tree"

tree upward
printf '#include "net/b.h"\n' >"$tmp/upward/base/a.c"
expect 1 upward "base including net"

tree cycle
printf '#include "hub/d.h"\n' >"$tmp/cycle/hub/c.c"
printf '#include "hub/c.h"\n' >"$tmp/cycle/hub/d.c"
: >"$tmp/cycle/hub/c.h"
: >"$tmp/cycle/hub/d.h"
expect 1 cycle "two modules including each other"

tree stray
mkdir "$tmp/stray/misc"
: >"$tmp/stray/misc/e.c"
expect 1 stray "a folder that is no layer"

echo "check-layers self-test: 4 cases passed"
