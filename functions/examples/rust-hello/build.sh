#!/bin/sh
# Builds rust_hello.wasm with plain rustc (no cargo or crates needed). The 64 KiB stack
# replaces rustc's 1 MiB default, which alone would fill the 16-page memory cap.
# With cargo instead: RUSTFLAGS="-C link-arg=-zstack-size=65536" \
#   cargo build --release --target wasm32-unknown-unknown
set -eu
cd "$(dirname "$0")"
RUSTC="${RUSTC:-rustc}"
"$RUSTC" --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib \
  --crate-name rust_hello -C opt-level=s -C panic=abort -C lto \
  -C strip=debuginfo -C link-arg=-zstack-size=65536 \
  -o rust_hello.wasm src/lib.rs
echo "built $(pwd)/rust_hello.wasm"
