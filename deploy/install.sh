#!/usr/bin/env bash
# Installs RRF from a checkout: the binaries (rrfctl, rrfd, rrfweb with its templates), the schema migrations,
# the systemd units with the rrf user and its folders, the manual pages and the documentation.
# `deploy/install.sh --help` for the options; docs/operations.md for what to do next.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
checkout=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: deploy/install.sh [--prefix DIR] [--bin-dir DIR] [--destdir DIR] [--sysconfdir DIR] [--unit-dir DIR]
                         [--no-activate] [--uninstall]

  --prefix DIR      where RRF goes (default /usr/local): DIR/bin/{rrfctl,rrfd,rrfweb}, DIR/libexec/rrf (rrfweb and
                    its templates), DIR/share/rrf/sql, DIR/share/man/man1, DIR/share/doc/rrf,
                    DIR/lib/systemd/system, DIR/lib/sysusers.d, DIR/lib/tmpfiles.d
  --bin-dir DIR     the built binaries (default: .build/release of this checkout; build with
                    `swift build -c release`); needs rrfctl, rrfd, rrfweb and RRF_RRFWeb.resources
  --destdir DIR     stage everything under DIR (for packages); nothing is activated
  --sysconfdir DIR  configuration (default /etc for the prefixes /usr and /usr/local, else PREFIX/etc); example
                    files are put in SYSCONFDIR/rrf when missing, never over an existing one
  --unit-dir DIR    systemd units (default PREFIX/lib/systemd/system; systemd reads /usr/lib, /usr/local/lib and
                    /etc/systemd/system: give --unit-dir /etc/systemd/system with another prefix)
  --no-activate     do not create the rrf user and folders nor reload systemd (done by default when run as root
                    without --destdir)
  --uninstall       remove what an earlier install with the same --prefix/--destdir put there (listed in
                    PREFIX/share/rrf/install-manifest); configuration, data and the rrf user are kept
EOF
}

prefix=/usr/local
bin_dir="$checkout/.build/release"
destdir=""
sysconfdir=""
unit_dir=""
activate=yes
uninstall=no
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
        --bin-dir) bin_dir=${2:?--bin-dir needs a folder}; shift 2 ;;
        --destdir) destdir=${2:?--destdir needs a folder}; shift 2 ;;
        --sysconfdir) sysconfdir=${2:?--sysconfdir needs a folder}; shift 2 ;;
        --unit-dir) unit_dir=${2:?--unit-dir needs a folder}; shift 2 ;;
        --no-activate) activate=no; shift ;;
        --uninstall) uninstall=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

case "$prefix" in
    /*) ;;
    *) echo "install.sh: --prefix must be an absolute folder, not $prefix" >&2; exit 64 ;;
esac
prefix=${prefix%/}
if [ -z "$sysconfdir" ]; then
    case "$prefix" in
        /usr|/usr/local) sysconfdir=/etc ;;
        *) sysconfdir="$prefix/etc" ;;
    esac
fi
[ -n "$unit_dir" ] || unit_dir="$prefix/lib/systemd/system"
[ -z "$destdir" ] || activate=no
destdir=${destdir%/}

bindir="$prefix/bin"
libexecdir="$prefix/libexec/rrf"
datadir="$prefix/share/rrf"
docdir="$prefix/share/doc/rrf"
mandir="$prefix/share/man/man1"
sysusersdir="$prefix/lib/sysusers.d"
tmpfilesdir="$prefix/lib/tmpfiles.d"
manifest="$datadir/install-manifest"

if [ "$uninstall" = yes ]; then
    if [ -z "$destdir" ] && [ -d /run/systemd/system ] && systemctl is-active --quiet rrfd rrfweb 2>/dev/null; then
        echo "install.sh: rrfd or rrfweb is running; stop them first: systemctl disable --now rrfd rrfweb rrf-migrate" >&2
        exit 75
    fi
    if [ ! -f "$destdir$manifest" ]; then
        echo "install.sh: nothing to uninstall: $destdir$manifest is missing" >&2
        exit 66
    fi
    while IFS= read -r path; do
        [ -n "$path" ] || continue
        rm -f -- "$destdir$path"
    done < "$destdir$manifest"
    rm -f -- "$destdir$manifest"
    rm -rf -- "$destdir$libexecdir" "$destdir$datadir/sql"
    # RRF's own folders, when empty; shared ones (bin, man1, the systemd folders) stay.
    for dir in "$datadir" "$docdir/examples" "$docdir" "$prefix/libexec"; do
        rmdir --ignore-fail-on-non-empty -- "$destdir$dir" 2>/dev/null || true
    done
    if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
    echo "Uninstalled RRF from $destdir$prefix. Kept: $sysconfdir/rrf (configuration and secrets), /var/lib/rrf"
    echo "(anchors), the rrf user and the database. Remove them by hand when they are no longer needed."
    exit 0
fi

for file in rrfctl rrfd rrfweb; do
    if [ ! -x "$bin_dir/$file" ]; then
        echo "install.sh: $bin_dir/$file is missing; build it first (swift build -c release) or give --bin-dir" >&2
        exit 66
    fi
done
if [ ! -d "$bin_dir/RRF_RRFWeb.resources/Templates" ]; then
    echo "install.sh: $bin_dir/RRF_RRFWeb.resources (rrfweb's templates) is missing beside the binaries" >&2
    exit 66
fi

installed=()
# put MODE SOURCE TARGET: copies a file, making its folder; records it for --uninstall.
put() {
    install -D -m "$1" -- "$2" "$destdir$3"
    installed+=("$3")
}

# The binaries. rrfweb finds its templates in RRF_RRFWeb.resources beside its real file (Bundle.module reads
# Bundle.main, which follows symlinks), so it lives in libexec with them and bin/rrfweb is a symlink.
put 0755 "$bin_dir/rrfctl" "$bindir/rrfctl"
put 0755 "$bin_dir/rrfd" "$bindir/rrfd"
rm -rf -- "$destdir$libexecdir"
put 0755 "$bin_dir/rrfweb" "$libexecdir/rrfweb"
cp -R -- "$bin_dir/RRF_RRFWeb.resources" "$destdir$libexecdir/RRF_RRFWeb.resources"
chmod -R u=rwX,go=rX -- "$destdir$libexecdir/RRF_RRFWeb.resources"
rm -f -- "$destdir$bindir/rrfweb"
ln -s -- "../libexec/rrf/rrfweb" "$destdir$bindir/rrfweb"
installed+=("$bindir/rrfweb")

# The schema migrations: rrfctl finds them at <its real file>/../share/rrf/sql (RRF_SQL_DIR overrides). A folder
# of its own, replaced whole, so a migration removed from the release does not linger.
rm -rf -- "$destdir$datadir/sql"
for file in "$checkout"/sql/*.sql; do
    put 0644 "$file" "$datadir/sql/$(basename "$file")"
done

# systemd: the units (paths filled in), the rrf user and its folders.
for unit in rrfd rrfweb rrf-migrate; do
    mkdir -p -- "$destdir$unit_dir"
    sed -e "s|@BINDIR@|$bindir|g" -e "s|@DOCDIR@|$docdir|g" -e "s|@SYSCONFDIR@|$sysconfdir|g" \
        "$here/systemd/$unit.service.in" > "$destdir$unit_dir/$unit.service"
    chmod 0644 -- "$destdir$unit_dir/$unit.service"
    installed+=("$unit_dir/$unit.service")
done
put 0644 "$here/systemd/rrf.sysusers.conf" "$sysusersdir/rrf.conf"
put 0644 "$here/systemd/rrf.tmpfiles.conf" "$tmpfilesdir/rrf.conf"

# Manual pages (generated by swift-argument-parser's generate-manual: deploy/man/generate.sh) and documentation.
for page in "$here"/man/*.1; do
    put 0644 "$page" "$mandir/$(basename "$page")"
done
for doc in "$checkout/README.md" "$checkout/LICENSE" "$checkout"/docs/*.md; do
    put 0644 "$doc" "$docdir/$(basename "$doc")"
done
for example in rrf.env.example migrate.env.example rrf.pgpass.example rrfd.yaml.example rrfweb.yaml.example roles.sql \
               compose.yaml Containerfile; do
    put 0644 "$here/$example" "$docdir/examples/$example"
done
put 0755 "$here/compose-init-roles.sh" "$docdir/examples/compose-init-roles.sh"

# Configuration: the examples, where nothing is yet (never over the site's own files). Secrets files are root's only.
mkdir -p -- "$destdir$sysconfdir/rrf"
config() {
    local mode=$1 source=$2 target="$destdir$sysconfdir/rrf/$3"
    if [ ! -e "$target" ]; then
        install -m "$mode" -- "$source" "$target"
        echo "created $target (mode $mode): edit it"
    fi
}
config 0640 "$here/rrf.env.example" rrf.env
config 0600 "$here/migrate.env.example" migrate.env
config 0600 "$here/rrf.pgpass.example" rrf.pgpass
config 0600 "$here/rrf.pgpass.example" migrate.pgpass

printf '%s\n' "${installed[@]}" > "$destdir$manifest"
chmod 0644 -- "$destdir$manifest"
echo "Installed RRF $("$destdir$bindir/rrfctl" --version 2>/dev/null || echo) into $destdir$prefix (${#installed[@]} files, listed in $manifest)."

if [ "$activate" = yes ] && [ "$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null; then
    systemd-sysusers "$sysusersdir/rrf.conf"
    systemd-tmpfiles --create "$tmpfilesdir/rrf.conf"
    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    echo "Created the rrf user and its folders (/etc/rrf, /var/lib/rrf, /var/lib/rrf/anchors)."
elif [ "$activate" = yes ]; then
    echo "Not root or no systemd-sysusers: create the rrf user and folders with"
    echo "  systemd-sysusers $sysusersdir/rrf.conf && systemd-tmpfiles --create $tmpfilesdir/rrf.conf"
fi
cat <<EOF
Next (docs/operations.md, "Install from source"): create the roles (psql -f $docdir/examples/roles.sql), set the
owner's connection in $sysconfdir/rrf/migrate.env and the application's in $sysconfdir/rrf/rrf.env (passwords in the
.pgpass files beside them), then: systemctl enable --now rrfd rrfweb (rrf-migrate runs first).
EOF
