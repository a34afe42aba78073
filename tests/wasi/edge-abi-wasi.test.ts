// Edge ABI modules (runtime wasm) that import WASI's stdio subset, as Rust's std on wasm32-wasi
// does: their stdout and stderr become log lines (the response is made by the edge calls), their
// environment is the function's env alone (no CGI variables, nothing of the host), and of the 46
// preview 1 calls they may import only the subset (path_open and the rest are refused).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EDGE_WASI_IMPORTS, WASI_MODULE, WASI_P1, type WasiCallName } from "../../core/abi/wasi-preview1";
import { compileArtifact } from "../../core/module/compile-module";
import { guestFile, wasiModule } from "../fixtures/guests";
import { wat } from "../fixtures/wat";
import { startRunnerProcess } from "../helpers/runner-process";
import type { ServerProcess } from "../helpers/server-process";

type LogLine = Record<string, unknown>;

describe("an edge module writing to stdout and stderr", () => {
  let proc: ServerProcess;
  beforeAll(async () => {
    proc = await startRunnerProcess(
      [guestFile("edge-wasi-stdio"), "--log-level", "info", "--env", "OWN=mine", "--env", "EMPTY="],
      { env: { HOST_ONLY_VARIABLE: "host-value" } },
    );
  });
  afterAll(() => proc.stop());

  test("the response is the edge ABI's; stdout and stderr lines are log lines; env is the function's alone", async () => {
    const res = await fetch(`${proc.url}/some/path?q=1`, { headers: { "x-client": "c" } });
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    const id = res.headers.get("x-request-id");
    const mine = () =>
      proc
        .lines()
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as LogLine)
        .filter((l) => l.request_id === id);
    await proc.waitForLines(() => mine().some((l) => l.msg === "invocation"));
    const guest = mine()
      .filter((l) => l.source === "guest")
      .map((l) => [l.stream, l.msg, l.function]);
    expect(guest).toEqual([
      ["stdout", "to stdout", "edge-wasi-stdio"],
      ["stderr", "to stderr", "edge-wasi-stdio"],
      ["stdout", "env=OWN=mine", "edge-wasi-stdio"],
      ["stdout", "env=EMPTY=", "edge-wasi-stdio"],
    ]);
    expect(proc.lines().join("\n")).not.toContain("host-value");
  });
});

describe("which preview 1 calls an edge module may import", () => {
  const signature = (name: WasiCallName) => {
    const { params, results } = WASI_P1[name];
    return `(param ${params.join(" ")}) ${results.length > 0 ? "(result i32)" : ""}`;
  };
  const importing = (name: WasiCallName) =>
    wat(`(module
      (import "${WASI_MODULE}" "${name}" (func ${signature(name)}))
      (import "edge" "response_write" (func (param i32 i32)))
      (memory (export "memory") 1)
      (func (export "handle")))`);
  const compile = (bytes: Uint8Array) =>
    compileArtifact(bytes, { memoryPages: 16, entrypoint: "handle", runtime: "wasm" });
  const names = Object.keys(WASI_P1) as WasiCallName[];

  test("the stdio, clock and random subset is accepted", async () => {
    const allowed = names.filter((n) => EDGE_WASI_IMPORTS.has(n));
    expect(allowed).toEqual(
      expect.arrayContaining(["fd_write", "fd_read", "environ_get", "clock_time_get", "random_get"]),
    );
    for (const name of allowed) expect({ name, ok: (await compile(importing(name))).ok }).toEqual({ name, ok: true });
  });

  test("every other call is refused with forbidden_imports naming it, path_open included", async () => {
    const refused = names.filter((n) => !EDGE_WASI_IMPORTS.has(n));
    expect(refused).toEqual(expect.arrayContaining(["path_open", "sock_send", "fd_pwrite", "proc_raise"]));
    for (const name of refused) {
      const result = await compile(importing(name));
      expect({ name, code: result.ok ? "ok" : result.code }).toEqual({ name, code: "forbidden_imports" });
      expect(!result.ok && result.message).toContain(`"${WASI_MODULE}.${name}"`);
    }
    const pathOpen = await compile(wasiModule());
    expect(!pathOpen.ok && pathOpen.message).toContain("a WASI program is registered with runtime wasi");
  });
});
