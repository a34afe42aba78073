// A guest that grows its memory on every request, as Rust's allocator does at a request's first
// allocation: no instance can be kept (a memory cannot shrink back), so each request makes a new
// memory and grows it. Run on the runner as it is and with the engine's 8 fast memories
// (--fast-memories 0), in alternating rounds: what allowing more fast memories is worth
// (runner/lifecycle/engine-options.ts).
import { guestFile } from "../tests/fixtures/guests";
import { runRounds, type HttpLoad, type HttpRow } from "./http-rounds";

export async function growMemoryBench(load: HttpLoad, log: (line: string) => void): Promise<HttpRow[]> {
  const path = guestFile("grows-memory");
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
}
