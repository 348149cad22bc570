#!/usr/bin/env bash
# Renders the DocC catalog Sources/AWDLSTM/AWDLSTM.docc with the library's public
# symbols into a static site (default .build/docs), without the DocC plugin:
# the release build's module gives the symbol graph, `docc` (part of the Swift
# toolchain) converts. Warnings (a broken ``Symbol`` link, an undocumented
# curation) are printed; the exit status is docc's.
#   scripts/dev/render_docs.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.build/docs}"
swift build -c release --target AWDLSTM
bin="$(swift build -c release --show-bin-path)"
graphs="$(mktemp -d)"
trap 'rm -rf "$graphs"' EXIT
swift symbolgraph-extract -module-name AWDLSTM -target "$(uname -m)-unknown-linux-gnu" -I "$bin/Modules" \
    -Xcc -fmodule-map-file="$bin/CKernels.build/module.modulemap" -Xcc -fmodule-map-file="$bin/CMPI.build/module.modulemap" \
    -minimum-access-level public -output-dir "$graphs"
docc convert Sources/AWDLSTM/AWDLSTM.docc --additional-symbol-graph-dir "$graphs" --fallback-display-name AWDLSTM \
    --fallback-bundle-identifier awd-lstm.AWDLSTM --output-path "$out" --analyze
echo "documentation in $out/documentation/awdlstm (serve $out over HTTP to browse it)"
