// Requests may run on an instance an earlier request used (sandbox/reusable-instances.ts); the
// guest must not be able to tell. reset-hazards.wat reports every kind of state a run leaves
// behind (globals, memory, memory size, what its start function did) and can end each way a
// run can: ok, trap, timeout, a grown memory, a replaced buffer.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../runner/config";
import { compileArtifact } from "../../core/module/compile-module";
import { expectOutcome } from "../helpers/expect-outcome";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { guest } from "../fixtures/guests";

const FRESH = "start=1 startmem=1 calls=1 low=1 mem=1 tail=1 pages=1 data=pristine";

test("the fixture is one the pipeline makes reusable (else these tests would not test reuse)", async () => {
  const prepared = await compileArtifact(guest("reset-hazards"), { memoryPages: 4, entrypoint: "handle" });
  expect(prepared.ok && prepared.artifact.reusable).toBe(true);
});

test("--instance-reuse: on by default, off by flag or EDGE_RUNNER_INSTANCE_REUSE, the flag winning", () => {
  const reuse = (argv: string[], env: Record<string, string> = {}) => {
    const loaded = loadConfig(["m.wasm", ...argv], env);
    return loaded.ok === true ? loaded.config.instanceReuse : loaded;
  };
  expect(reuse([])).toBe("on");
  expect(reuse(["--instance-reuse", "off"])).toBe("off");
  expect(reuse([], { EDGE_RUNNER_INSTANCE_REUSE: "off" })).toBe("off");
  expect(reuse(["--instance-reuse", "on"], { EDGE_RUNNER_INSTANCE_REUSE: "off" })).toBe("on");
});

for (const reuse of ["on", "off"] as const) {
  describe(`--instance-reuse ${reuse}`, () => {
    let runner: TestRunner;
    beforeAll(async () => {
      // One worker: every request runs where the one before it ran.
      runner = await startTestRunner(guest("reset-hazards"), {
        workers: 1,
        memoryPages: 4,
        maxExecutionMs: 100,
        instanceReuse: reuse,
      });
    });
    afterAll(() => runner.stop());

    const get = (kase?: string) => runner.fetch("/", kase ? { headers: { "x-case": kase } } : {});

    test("a run of plain requests each see a new instance's state, the start function's work included", async () => {
      for (let i = 0; i < 20; i++) expect(await (await get()).text()).toBe(FRESH);
    });

    test("after a trap, a timeout, a grown memory or a replaced buffer, the next request sees a new instance's state", async () => {
      // A grown memory comes last: after it, a worker keeps no instance of the function again.
      for (const kase of ["t", "z", "l", "z", "t", "g", "t"]) {
        const res = await get(kase);
        if (kase === "t") await expectOutcome(res, "trap");
        else if (kase === "l") await expectOutcome(res, "timeout");
        else expect(await res.text()).toBe(FRESH);
        for (let i = 0; i < 3; i++) expect(await (await get()).text()).toBe(FRESH);
      }
    });
  });
}
