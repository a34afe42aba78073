// proc_exit called from a start function, which runs while the module is instantiated (a module
// the pipeline cannot make reusable keeps its start section): code 0 is a normal end whose
// output is the response, as from _start; another code is the exit outcome. Before the fix in
// 3d8956f, proc_exit(0) there was a 500 exit ("a non-zero exit code").
import { afterAll, beforeAll, expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { guest } from "../fixtures/guests";
import { expectOutcome } from "../helpers/expect-outcome";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner(guest("wasi-exit-in-start"));
});
afterAll(() => runner.stop());

test("the fixture is not reusable, so its start function runs at instantiation (else this would test _start again)", async () => {
  const prepared = await compileArtifact(guest("wasi-exit-in-start"), {
    memoryPages: 128,
    entrypoint: "_start",
    runtime: "wasi",
  });
  expect(prepared.ok && prepared.artifact.reusable).toBe(false);
});

test("proc_exit(0) in the start function: 200 with what it wrote; the entrypoint is not called", async () => {
  for (let i = 0; i < 3; i++) {
    const res = await runner.fetch("/", { method: "POST", body: "0" });
    expect([res.status, await res.text()]).toEqual([200, "started only"]);
  }
});

test("proc_exit(1) in the start function: 500 exit; the function answers again after it", async () => {
  await expectOutcome(await runner.fetch("/", { method: "POST", body: "1" }), "exit");
  const res = await runner.fetch("/");
  expect([res.status, await res.text()]).toEqual([200, "started only"]);
});
