#!/bin/sh
# Builds hello.wasm: no libc, no entry point other than the exported `handle`. The stack
# size is wasm-ld's current default (64 KiB), stated so that the memory minimum (2 pages)
# stays under the 16-page cap whatever the toolchain's default becomes.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -O2 -nostdlib \
  -Wl,--no-entry -Wl,--export=handle -Wl,-z,stack-size=65536 \
  -o hello.wasm hello.c
echo "built $(pwd)/hello.wasm"
