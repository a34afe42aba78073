// The granted WASI calls do what docs/wasi.md says, through a real runner (wasi-probe cases):
// args sizes, the clocks, random_get, fd_fdstat_get/fd_filestat_get on 0-2, fd_write on 1,
// sched_yield, proc_exit with code 0 (the response is kept) and 3 (500 exit). poll_oneoff's
// sleeps are in poll-oneoff.test.ts, stdin and stderr in stdio.test.ts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { PROBE, type ProbeCase, probeAnswer, wasiProbe } from "../fixtures/guests";
import { expectOutcome } from "../helpers/expect-outcome";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";

const S = PROBE.scratch;
/** Where a 70,000-byte random_get ends: past the 65,536 bytes crypto.getRandomValues gives at once. */
const RANDOM_AT = 40_000;
const RANDOM_BYTES = 70_000;

const CASES = {
  argsSizes: { calls: [{ call: "args_sizes_get", args: [S, S + 4] }], dump: [S, 8] },
  realtime: { calls: [{ call: "clock_time_get", args: [0, 0n, S] }], dump: [S, 8] },
  monotonic: {
    calls: [
      { call: "clock_time_get", args: [1, 1n, S] },
      { call: "sched_yield", args: [] },
      { call: "clock_time_get", args: [1, 0n, S + 8] },
      { call: "clock_time_get", args: [1, 1_000_000_000n, S + 16] },
    ],
    dump: [S, 24],
  },
  cpuTime: {
    calls: [
      { call: "clock_time_get", args: [2, 0n, S] },
      { call: "clock_time_get", args: [3, 0n, S + 8] },
    ],
    dump: [S, 16],
  },
  resolutions: {
    calls: [0, 1, 2, 3].map((clock) => ({ call: "clock_res_get", args: [clock, S + clock * 8] })),
    dump: [S, 32],
  },
  random: { calls: [{ call: "random_get", args: [S, 64] }], dump: [S, 64] },
  randomEmpty: { calls: [{ call: "random_get", args: [S, 0] }], dump: [S, 8] },
  randomLarge: {
    calls: [{ call: "random_get", args: [RANDOM_AT, RANDOM_BYTES] }],
    dump: [RANDOM_AT + RANDOM_BYTES - 64, 64],
  },
  fdstat: { calls: [0, 1, 2].map((fd) => ({ call: "fd_fdstat_get", args: [fd, S + fd * 24] })), dump: [S, 72] },
  filestat: { calls: [0, 1, 2].map((fd) => ({ call: "fd_filestat_get", args: [fd, S + fd * 64] })), dump: [S, 192] },
  write: {
    calls: [
      { call: "fd_write", args: [1, PROBE.textIov, 1, S] },
      { call: "fd_write", args: [1, PROBE.manyIovs, 0, S + 4] },
      { call: "fd_close", args: [1] },
      { call: "fd_write", args: [1, PROBE.textIov, 1, S + 8] },
    ],
    dump: [S, 12],
  },
  exit0: {
    calls: [
      { call: "fd_write", args: [1, PROBE.textIov, 1, S] },
      { call: "proc_exit", args: [0] },
      { call: "fd_write", args: [1, PROBE.textIov, 1, S] },
    ],
  },
  exit3: {
    calls: [
      { call: "fd_write", args: [1, PROBE.textIov, 1, S] },
      { call: "proc_exit", args: [3] },
    ],
  },
} satisfies Record<string, ProbeCase>;
type CaseName = keyof typeof CASES;
const NAMES = Object.keys(CASES) as CaseName[];

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner(wasiProbe(Object.values(CASES) as ProbeCase[]));
});
afterAll(() => runner.stop());

const send = (name: CaseName) => runner.fetch("/", { method: "POST", body: String(NAMES.indexOf(name)) });

async function run(name: CaseName) {
  const res = await send(name);
  const text = await res.text();
  expect(res.status).toBe(200);
  const answer = probeAnswer(text);
  const view = new DataView(answer.out.buffer);
  return { ...answer, u32: (at: number) => view.getUint32(at, true), u64: (at: number) => view.getBigUint64(at, true) };
}

test("args_sizes_get: one argument, the function's name and its NUL", async () => {
  const { errnos, u32 } = await run("argsSizes");
  expect(errnos).toEqual([0]);
  expect([u32(0), u32(4)]).toEqual([1, "test".length + 1]);
});

test("clock_time_get realtime is the wall clock in ns, to the microsecond", async () => {
  const before = Date.now();
  const { errnos, u64 } = await run("realtime");
  const after = Date.now();
  expect(errnos).toEqual([0]);
  const ns = u64(0);
  expect(ns % 1000n).toBe(0n);
  expect(Number(ns / 1_000_000n)).toBeGreaterThanOrEqual(before - 50);
  expect(Number(ns / 1_000_000n)).toBeLessThanOrEqual(after + 50);
});

test("clock_time_get monotonic never goes back within a request, whatever the precision asked", async () => {
  for (let i = 0; i < 20; i++) {
    const { errnos, u64 } = await run("monotonic");
    expect(errnos).toEqual([0, 0, 0, 0]);
    expect(u64(0)).toBeGreaterThan(0n);
    expect(u64(8)).toBeGreaterThanOrEqual(u64(0));
    expect(u64(16)).toBeGreaterThanOrEqual(u64(8));
  }
});

test("clock_time_get monotonic counts from the request: a second later it is as small as before", async () => {
  await run("monotonic");
  await Bun.sleep(1100);
  const { errnos, u64 } = await run("monotonic");
  expect(errnos).toEqual([0, 0, 0, 0]);
  // No worker's or machine's uptime shows: it started with this request.
  expect(u64(0)).toBeLessThan(1_000_000_000n);
});

test("the CPU-time clocks count from the invocation's start: small, and not growing from one request to the next", async () => {
  const first = await run("cpuTime");
  await Bun.sleep(200);
  const second = await run("cpuTime");
  expect([first.errnos, second.errnos]).toEqual([
    [0, 0],
    [0, 0],
  ]);
  const SMALL = 100_000_000n; // 100 ms: far more than a few host calls take, less than the sleep between
  for (const at of [0, 8]) {
    expect(first.u64(at)).toBeLessThan(SMALL);
    expect(second.u64(at)).toBeLessThan(SMALL);
  }
});

test("clock_res_get: 1 µs on each of the four clocks", async () => {
  const { errnos, u64 } = await run("resolutions");
  expect(errnos).toEqual([0, 0, 0, 0]);
  expect([0, 8, 16, 24].map(u64)).toEqual([1000n, 1000n, 1000n, 1000n]);
});

test("random_get fills the buffer, differently each request; 0 bytes is fine; more than 64 KiB to the end", async () => {
  const a = await run("random");
  const b = await run("random");
  expect(a.errnos).toEqual([0]);
  expect(a.out).not.toEqual(new Uint8Array(64));
  expect(a.out).not.toEqual(b.out);
  expect((await run("randomEmpty")).errnos).toEqual([0]);
  const large = await run("randomLarge");
  expect(large.errnos).toEqual([0]);
  expect(large.out.filter((byte) => byte !== 0).length).toBeGreaterThan(48);
});

test("fd_fdstat_get on 0-2: not a tty or a file, no flags; read rights on 0, write rights on 1 and 2", async () => {
  const { errnos, out, u64 } = await run("fdstat");
  expect(errnos).toEqual([0, 0, 0]);
  const READ = 1n << 1n;
  const WRITE = 1n << 6n;
  const FILESTAT = 1n << 21n;
  for (const fd of [0, 1, 2]) {
    expect(out[fd * 24]).toBe(0); // filetype unknown
    expect(out[fd * 24 + 2]).toBe(0); // fdflags
    expect(u64(fd * 24 + 8)).toBe((fd === 0 ? READ : WRITE) | FILESTAT);
    expect(u64(fd * 24 + 16)).toBe(0n); // nothing to inherit: nothing can be opened
  }
});

test("fd_filestat_get on 0-2: one link, size 0, no times", async () => {
  const { errnos, out, u64 } = await run("filestat");
  expect(errnos).toEqual([0, 0, 0]);
  for (const fd of [0, 1, 2]) {
    expect(out[fd * 64 + 16]).toBe(0);
    expect(u64(fd * 64 + 24)).toBe(1n);
    for (const at of [0, 8, 32, 40, 48, 56]) expect(u64(fd * 64 + at)).toBe(0n);
  }
});

test("fd_write on 1 writes the body and counts the bytes; closing stdout changes nothing", async () => {
  const { written, errnos, u32 } = await run("write");
  expect(errnos).toEqual([0, 0, 0, 0]);
  expect(written).toBe("hello\nhello\n");
  expect([u32(0), u32(4), u32(8)]).toEqual([6, 0, 6]);
});

test("proc_exit(0) ends the request normally: what was written is the response", async () => {
  const res = await send("exit0");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain");
  expect(await res.text()).toBe("hello\n");
});

test("proc_exit(3) is a 500 with outcome exit; the response written before it is not sent", async () => {
  await expectOutcome(await send("exit3"), "exit");
  // The function still answers.
  expect((await run("argsSizes")).errnos).toEqual([0]);
});
