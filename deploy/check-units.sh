#!/usr/bin/env bash
# Checks the systemd units as deploy/install.sh installs them: `systemd-analyze verify` must print nothing and
# `systemd-analyze security --offline=true` must score each service at most 2.0 ("OK"). Also checks that each
# unit's Documentation= is installed (man pages through man(1) when it is there, file:// paths in the stage) and
# that the sysusers.d/tmpfiles.d files create the rrf user and its folders (in the stage, not on this machine).
#   deploy/check-units.sh [--bin-dir DIR]   (DIR: built rrfctl, rrfd, rrfweb; default: stand-ins, for the
#                                            units' ExecStart= only)
# Stages the install under .build/check-units of the checkout and removes it afterwards. Exit 1 on any finding.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
checkout=$(dirname "$here")
threshold=2.0
bin_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) bin_dir=${2:?--bin-dir needs a folder}; shift 2 ;;
        *) echo "check-units.sh: unknown option $1" >&2; exit 64 ;;
    esac
done
command -v systemd-analyze >/dev/null || { echo "check-units.sh: systemd-analyze is missing (apt-get install systemd)" >&2; exit 69; }

work="$checkout/.build/check-units"
rm -rf -- "$work"
trap 'rm -rf -- "$work"' EXIT
stage="$work/root"
prefix=/usr/local
if [ -z "$bin_dir" ]; then
    # Stand-ins: verify only needs ExecStart= to name executable files.
    bin_dir="$work/bin"
    mkdir -p "$bin_dir/RRF_RRFWeb.resources/Templates"
    for tool in rrfctl rrfd rrfweb; do printf '#!/bin/sh\nexit 0\n' > "$bin_dir/$tool"; chmod 0755 "$bin_dir/$tool"; done
fi
"$here/install.sh" --prefix "$prefix" --destdir "$stage" --bin-dir "$bin_dir" >/dev/null
# The manager's own units (sysinit.target, network-online.target …) for verify to resolve dependencies in the stage.
mkdir -p "$stage/usr/lib/systemd"
cp -R /usr/lib/systemd/system "$stage/usr/lib/systemd/"

units=("$stage$prefix/lib/systemd/system/"*.service)
failed=0

man_check=no
if command -v man >/dev/null; then man_check=yes; fi
echo "==> systemd-analyze verify (man pages checked: $man_check)"
verify_output=$(cd "$stage$prefix/lib/systemd/system" && \
    MANPATH="$stage$prefix/share/man" systemd-analyze verify --root="$stage" --man="$man_check" "${units[@]##*/}" 2>&1) || failed=1
if [ -n "$verify_output" ]; then
    echo "$verify_output"
    failed=1
else
    echo "clean: ${units[*]##*/}"
fi

echo "==> systemd-analyze security --offline=true (at most $threshold)"
for unit in "${units[@]}"; do
    name=${unit##*/}
    report=$(systemd-analyze security --offline=true --root="$stage" --threshold=100 "$name" 2>&1) || true
    score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \(.*\)$/\1 \2/p')
    if [ -z "$score" ]; then
        printf '%s\n' "$report"
        echo "$name: no score"
        failed=1
        continue
    fi
    echo "$name: $score"
    if ! awk -v s="${score%% *}" -v t="$threshold" 'BEGIN { exit !(s <= t) }'; then
        printf '%s\n' "$report" | grep -E '^ *✗' || true
        echo "$name scores ${score%% *}, above $threshold"
        failed=1
    fi
done

echo "==> Documentation= installed"
for unit in "${units[@]}"; do
    # shellcheck disable=SC2013 # Documentation= holds space-separated URIs: words are meant.
    for uri in $(sed -n 's/^Documentation=//p' "$unit"); do
        case "$uri" in
            file://*)
                if [ -f "$stage${uri#file://}" ]; then echo "${unit##*/}: $uri"; else echo "${unit##*/}: $uri is not installed"; failed=1; fi ;;
            man:*)
                page=${uri#man:}; name=${page%%(*}; section=${page#*(}; section=${section%)}
                file="$stage$prefix/share/man/man$section/$name.$section"
                if [ -f "$file" ]; then echo "${unit##*/}: $uri"; else echo "${unit##*/}: $uri is not installed ($file)"; failed=1; fi ;;
            *) echo "${unit##*/}: $uri (not checked)" ;;
        esac
    done
done

echo "==> sysusers.d and tmpfiles.d, applied to the stage"
if (systemd-sysusers --root="$stage" rrf.conf && systemd-tmpfiles --root="$stage" --create rrf.conf) 2>&1 \
    && grep -q '^rrf:' "$stage/etc/passwd" && [ -d "$stage/var/lib/rrf/anchors" ]; then
    echo "the rrf user, /etc/rrf, /var/lib/rrf and /var/lib/rrf/anchors are created"
else
    echo "sysusers/tmpfiles did not create the rrf user and its folders"
    failed=1
fi

if [ "$failed" != 0 ]; then echo "check-units.sh: the units do not pass" >&2; exit 1; fi
echo "check-units.sh: every unit passes"
