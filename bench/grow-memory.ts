// A guest that grows its memory on every request, as Rust's allocator does at a request's first
// allocation: no instance can be kept (a memory cannot shrink back), so each request makes a new
// memory and grows it. Run on the runner as it is and with the engine's 8 fast memories
// (--fast-memories 0), in alternating rounds: what allowing more fast memories is worth
// (runner/lifecycle/engine-options.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wat } from "../tests/fixtures/wat";
import { runRounds, type HttpLoad, type HttpRow } from "./http-rounds";

const GUEST = `(module
  (import "edge" "response_write" (func $write (param i32 i32)))
  (memory 2)
  (data (i32.const 1024) "grown")
  (func (export "handle")
    (drop (memory.grow (i32.const 1)))
    ;; touch the new page, as an allocator would
    (i32.store (i32.const 131072) (i32.const 1))
    (call $write (i32.const 1024) (i32.const 5))))`;

export async function growMemoryBench(load: HttpLoad, log: (line: string) => void): Promise<HttpRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-grow-"));
  try {
    const path = join(dir, "grow.wasm");
    writeFileSync(path, wat(GUEST));
    const cmd = ["bun", "runner/main.ts", path, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"];
    const urlPattern = /http:\/\/127\.0\.0\.1:\d+\//;
    return await runRounds(
      [
        { name: "grow", cmd, urlPattern },
        { name: "grow-8-fast-memories", cmd: [...cmd, "--fast-memories", "0"], urlPattern },
      ],
      load,
      log,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
