// Single-file mode picks the runtime from the module (`bun run runner file.wasm`, real
// processes): a WASI command runs as CGI with no flags (with the WASI memory default, so a
// 17-page program like a plain Rust one starts), `--runtime` forces one and a module built for the
// other is refused naming the runtime to use, and a module that is neither gets a one-line reason.
import { expect, test } from "bun:test";
import { guestFile, guestSource } from "../fixtures/guests";
import { wat } from "../fixtures/wat";
import { runRunnerToExit, startRunnerProcess } from "../helpers/runner-process";

/** wasi-hostile with a 17-page memory: what a plain Rust program's default link asks for. */
const seventeenPages = () =>
  wat(guestSource("wasi-hostile").replace('(memory (export "memory") 2)', '(memory (export "memory") 17)'));

test("a WASI command runs with no flags: detected as WASI, served as CGI", async () => {
  const proc = await startRunnerProcess([guestFile("wasi-hostile")]);
  try {
    expect(proc.banner).toContain("serving wasi-hostile (WASI command, run as CGI)");
    const res = await fetch(`${proc.url}/`);
    expect([res.status, await res.text()]).toEqual([200, "hello"]);
  } finally {
    await proc.stop();
  }
});

test("a 17-page WASI command starts with no flags (the edge ABI's 16-page default would refuse it)", async () => {
  const path = guestFile("wasi-seventeen-pages", seventeenPages());
  const proc = await startRunnerProcess([path]);
  try {
    const res = await fetch(`${proc.url}/`);
    expect([res.status, await res.text()]).toEqual([200, "hello"]);
  } finally {
    await proc.stop();
  }
  const forced = await runRunnerToExit([path, "--memory-pages", "16"]);
  expect(forced.code).toBe(1);
  expect(forced.stderr).toContain("memory_too_large");
});

test("--runtime wasi on a WASI command is the same as detecting it", async () => {
  const proc = await startRunnerProcess([guestFile("wasi-hostile"), "--runtime", "wasi"]);
  try {
    expect(proc.banner).toContain("(WASI command, run as CGI)");
    expect((await fetch(`${proc.url}/`)).status).toBe(200);
  } finally {
    await proc.stop();
  }
});

test("--runtime wasm on a WASI command is refused, naming runtime wasi", async () => {
  const { code, stderr } = await runRunnerToExit([guestFile("wasi-hostile"), "--runtime", "wasm"]);
  expect(code).toBe(1);
  expect(stderr).toContain("runtime_mismatch");
  expect(stderr).toContain("register the function with runtime wasi");
});

test("--runtime wasi on an edge ABI module is refused, naming runtime wasm", async () => {
  const { code, stderr } = await runRunnerToExit([guestFile("echo"), "--runtime", "wasi"]);
  expect(code).toBe(1);
  expect(stderr).toContain("runtime_mismatch");
  expect(stderr).toContain("register the function with runtime wasm");
});

test("a module exporting neither handle nor _start: refused with a one-line reason naming both", async () => {
  // A WASI module exporting "main" (a library's or a reactor's shape), importing nothing of the edge ABI.
  const neither = wat(guestSource("wasi-hostile").replace('(export "_start")', '(export "main")'));
  const { code, stdout, stderr } = await runRunnerToExit([guestFile("wasi-exports-main", neither)]);
  expect(code).toBe(1);
  expect(stdout).toBe("");
  const lines = stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("missing_entrypoint");
  expect(lines[0]).toContain('"handle"');
  expect(lines[0]).toContain('"_start"');
  expect(lines[0]).toContain("--runtime");
});
