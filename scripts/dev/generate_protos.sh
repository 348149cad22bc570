#!/bin/sh
# Regenerates the Swift code of the protobuf messages in Protos/ into
# Sources/AWDLSTM/IO/TensorBoard/. The generated code is committed, so a build
# needs neither protoc nor the plugin; run this only after editing a .proto.
#
# Needs protoc (Debian: apt-get install protobuf-compiler) and protoc-gen-swift
# of the swift-protobuf version Package.swift names, built outside the
# repository, e.g.:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   (cd /tmp/swift-protobuf && swift build -c release --product protoc-gen-swift)
#   PROTOC_GEN_SWIFT=/tmp/swift-protobuf/.build/release/protoc-gen-swift scripts/dev/generate_protos.sh
set -eu
cd "$(dirname "$0")/../.."
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
    echo "generate_protos.sh: protoc-gen-swift not found; set PROTOC_GEN_SWIFT to its path" >&2
    exit 1
fi
command -v protoc >/dev/null || { echo "generate_protos.sh: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
out=Sources/AWDLSTM/IO/TensorBoard
protoc --plugin=protoc-gen-swift="$plugin" --proto_path=Protos --swift_out="$out" \
    --swift_opt=Visibility=Internal tensorboard_event.proto
echo "wrote $out/tensorboard_event.pb.swift"
