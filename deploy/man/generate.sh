#!/usr/bin/env bash
# Regenerates the manual pages deploy/install.sh installs (rrfctl.1, rrfd.1, rrfweb.1) with swift-argument-parser's
# own generate-manual tool, from the built binaries' help (`<tool> --experimental-dump-help`). Run it after
# changing a command's help, and commit the pages:
#   deploy/man/generate.sh [BIN_DIR]      (default .build/debug; build the three products first)
# The tool is built once from the checked-out swift-argument-parser into .build/tools (debug, offline). The
# package plugin (`swift package generate-manual`) does the same but builds every product in release first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
checkout=$(cd "$here/../.." && pwd)
bin_dir=${1:-"$checkout/.build/debug"}
parser="$checkout/.build/checkouts/swift-argument-parser"
tools="$checkout/.build/tools"

[ -d "$parser" ] || { echo "generate.sh: $parser is missing; run swift package resolve first" >&2; exit 69; }
if [ ! -x "$tools/debug/generate-manual" ]; then
    swift build --package-path "$parser" --scratch-path "$tools" --product generate-manual >&2
fi
for tool in rrfctl rrfd rrfweb; do
    [ -x "$bin_dir/$tool" ] || { echo "generate.sh: $bin_dir/$tool is missing; build it first" >&2; exit 66; }
    "$tools/debug/generate-manual" "$bin_dir/$tool" --output-directory "$here" \
        --authors "The RRF authors" --section 1 >&2
done
ls "$here"/*.1
