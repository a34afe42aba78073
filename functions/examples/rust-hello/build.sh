#!/bin/sh
# Builds rust_hello.wasm with plain rustc (no cargo or crates needed). The 64 KiB stack
# replaces rustc's 1 MiB default, which alone would fill the 16-page memory cap.
# With cargo instead: RUSTFLAGS="-C link-arg=-zstack-size=65536" \
#   cargo build --release --target wasm32-unknown-unknown
set -eu
cd "$(dirname "$0")"
RUSTC="${RUSTC:-rustc}"
# A rustup toolchain first on PATH may lack the target while the distribution's rustc has it
# (Debian: libstd-rust-dev-wasm32): take the one that can build, or say what is missing.
has_target() { [ -d "$("$1" --print sysroot 2>/dev/null)/lib/rustlib/wasm32-unknown-unknown" ]; }
if ! has_target "$RUSTC"; then
  if [ "$RUSTC" = rustc ] && [ -x /usr/bin/rustc ] && has_target /usr/bin/rustc; then
    echo "$(command -v rustc) has no wasm32-unknown-unknown target; using /usr/bin/rustc" >&2
    RUSTC=/usr/bin/rustc
  else
    echo "$RUSTC has no wasm32-unknown-unknown target: rustup target add wasm32-unknown-unknown (or set RUSTC)" >&2
    exit 1
  fi
fi
"$RUSTC" --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib \
  --crate-name rust_hello -C opt-level=s -C panic=abort -C lto \
  -C strip=debuginfo -C link-arg=-zstack-size=65536 \
  -o rust_hello.wasm src/lib.rs
echo "built $(pwd)/rust_hello.wasm"
