#!/bin/sh
# Builds a WASI command from src/main.rs with plain rustc (no cargo, no crates):
#   ./build.sh [OUT.wasm]   (default: rust_wagi.wasm next to this script)
# Rust's default link reserves a 1 MiB stack, so the module needs 17 pages (1.06 MiB) before
# its heap; the WASI default cap (128 pages) leaves room. -C link-arg=-zstack-size=N shrinks it.
set -eu
here=$(dirname "$0")
out=${1:-$here/rust_wagi.wasm}
RUSTC="${RUSTC:-rustc}"
# The WASI target is wasm32-wasip1 on recent toolchains and wasm32-wasi on older ones (Debian's
# 1.63 has only wasm32-wasi; rustup dropped that name in 1.84). Prints the one `$1` has.
wasi_target() {
  sysroot=$("$1" --print sysroot 2>/dev/null) || return 1
  for target in wasm32-wasip1 wasm32-wasi; do
    if [ -d "$sysroot/lib/rustlib/$target" ]; then
      echo "$target"
      return 0
    fi
  done
  return 1
}
# A rustup toolchain first on PATH may lack the target while the distribution's rustc has it.
if ! target=$(wasi_target "$RUSTC"); then
  if [ "$RUSTC" = rustc ] && [ -x /usr/bin/rustc ] && target=$(wasi_target /usr/bin/rustc); then
    echo "$(command -v rustc || echo rustc) has no WASI target; using /usr/bin/rustc" >&2
    RUSTC=/usr/bin/rustc
  else
    echo "no rustc with a WASI target. On Debian: apt-get install rustc libstd-rust-dev-wasm32;" \
      "with rustup: rustup target add wasm32-wasip1. Or set RUSTC to a rustc that has one." >&2
    exit 1
  fi
fi
"$RUSTC" --edition 2021 --target "$target" --crate-name rust_wagi \
  -C opt-level=s -C strip=debuginfo -o "$out" "$here/src/main.rs"
echo "built $out"
