// Every WASI preview 1 call through a real runner, table-driven (errno-table.ts): each denied
// call answers its errno and writes nothing (no out pointer touched, nothing on stdout), the
// granted fd calls refuse descriptors they do not serve, and a bad pointer or argument in a
// granted call is EFAULT or EINVAL, never a host crash: the node answers the next request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { WASI_GRANTED, WASI_P1, type WasiCallName } from "../../core/abi/wasi-preview1";
import { PROBE, probeAnswer, wasiProbe } from "../fixtures/guests";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { DENIED, type ErrnoRow, MISUSED } from "./errno-table";

const ROWS = [...DENIED, ...MISUSED];
/** Bytes of scratch dumped after each call: no denied call may have written any of them. */
const DUMP = 128;

let runner: TestRunner;
beforeAll(async () => {
  const cases = ROWS.map((r) => ({
    setup: r.setup,
    calls: [{ call: r.call, args: r.args }],
    dump: [PROBE.scratch, DUMP] as [number, number],
  }));
  runner = await startTestRunner(wasiProbe(cases));
});
afterAll(() => runner.stop());

async function probe(r: ErrnoRow) {
  const res = await runner.fetch("/", { method: "POST", body: String(ROWS.indexOf(r)) });
  const text = await res.text();
  expect({ status: res.status, text: res.status === 200 ? "" : text }).toEqual({ status: 200, text: "" });
  return probeAnswer(text);
}

test("the tables name every one of the 46 calls preview 1 defines (proc_exit is granted-calls.test.ts's)", () => {
  const named = new Set<WasiCallName>([...ROWS.map((r) => r.call), "proc_exit"]);
  expect([...named].sort() as string[]).toEqual(Object.keys(WASI_P1).sort());
  expect(Object.keys(WASI_P1)).toHaveLength(46);
  // Every call that is not granted has rows among the denials.
  const denied = new Set(DENIED.map((r) => r.call));
  for (const name of Object.keys(WASI_P1) as WasiCallName[])
    if (!WASI_GRANTED.has(name)) expect(denied).toContain(name);
});

describe("denied calls answer their errno and do nothing", () => {
  test.each(DENIED.map((r) => [r.label, r.errno, r] as const))("%s -> errno %d", async (_label, errno, r) => {
    const answer = await probe(r);
    expect(answer.errnos).toEqual([errno]);
    expect(answer.written).toBe("");
    expect(answer.out).toEqual(new Uint8Array(DUMP));
  });
});

describe("granted calls given a bad pointer or argument answer EFAULT or EINVAL", () => {
  test.each(MISUSED.map((r) => [r.label, r.errno, r] as const))("%s -> errno %d", async (_label, errno, r) => {
    const answer = await probe(r);
    expect(answer.errnos).toEqual([errno]);
    expect(answer.written).toBe("");
  });

  test("after all of them the function still answers (no host crash, no worker lost)", async () => {
    const answer = await probe(MISUSED.find((r) => r.call === "sched_yield")!);
    expect(answer.errnos).toEqual([0]);
  });
});
