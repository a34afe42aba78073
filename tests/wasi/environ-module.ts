// A WASI command that answers with its whole environment: a CGI header block, then every
// "NAME=value" entry environ_get gives it, NUL-separated. For the tests of CGI variables.
import { wat } from "../fixtures/wat";

export const environModule = (): Uint8Array =>
  wat(`(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (data (i32.const 0) "Content-Type: text/plain\\n\\n")
  (func $out (param $ptr i32) (param $len i32)
    (i32.store (i32.const 100) (local.get $ptr))
    (i32.store (i32.const 104) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 108))))
  (func (export "_start")
    (call $out (i32.const 0) (i32.const 26))
    (drop (call $sizes (i32.const 112) (i32.const 116)))
    (drop (call $get (i32.const 1024) (i32.const 8192)))
    (call $out (i32.const 8192) (i32.load (i32.const 116)))))`);

/** The environment a response of environModule lists. */
export async function environOf(response: Response): Promise<Map<string, string>> {
  const text = await response.text();
  const vars = new Map<string, string>();
  for (const entry of text.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return vars;
}
