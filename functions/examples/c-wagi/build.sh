#!/bin/sh
# Builds a WASI command from wagi.c with clang and wasi-libc:
#   ./build.sh [OUT.wasm]   (default: c_wagi.wasm next to this script)
# With Debian's packages (clang, lld, wasi-libc, libclang-rt-14-dev-wasm32) the sysroot is /usr;
# with a wasi-sdk, set WASI_SDK_PATH to it.
set -eu
here=$(dirname "$0")
out=${1:-$here/c_wagi.wasm}
if [ -n "${WASI_SDK_PATH:-}" ]; then
  CC="$WASI_SDK_PATH/bin/clang"
  SYSROOT="$WASI_SDK_PATH/share/wasi-sysroot"
else
  CC="${CC:-clang}"
  SYSROOT="${WASI_SYSROOT:-/usr}"
fi
# What each missing piece is: the compiler, the linker, libc's headers and libraries, and the
# compiler's runtime library for wasm32.
missing=""
command -v "$CC" >/dev/null 2>&1 || missing="$missing clang"
if [ -z "${WASI_SDK_PATH:-}" ]; then
  command -v wasm-ld >/dev/null 2>&1 || missing="$missing lld"
  [ -f "$SYSROOT/include/wasm32-wasi/stdio.h" ] || missing="$missing wasi-libc"
  if command -v "$CC" >/dev/null 2>&1; then
    [ -f "$("$CC" --target=wasm32-wasi -print-libgcc-file-name)" ] || missing="$missing libclang-rt-14-dev-wasm32"
  fi
fi
if [ -n "$missing" ]; then
  echo "cannot build for wasm32-wasi, missing:$missing. On Debian:" \
    "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32; or set WASI_SDK_PATH to a wasi-sdk." >&2
  exit 1
fi
"$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -O2 -Wl,--strip-debug -o "$out" "$here/wagi.c"
echo "built $out"
