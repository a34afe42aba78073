// poll_oneoff through a real runner: a clock subscription is a sleep (it takes its time, and a
// sleep past max_execution_ms ends as a 504 at the deadline, not when the sleep would end);
// fd subscriptions answer ENOTSUP at once in their event; CPU-time clocks are EINVAL.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { PROBE, type ProbeCase, probeAnswer, wasiProbe } from "../fixtures/guests";
import { expectOutcome } from "../helpers/expect-outcome";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";

const S = PROBE.scratch;
const LIMIT_MS = 600;
const EVENTS = S + 256;
const NEVENTS = S + 512;
const TAG = { clock: 0, fdRead: 1, fdWrite: 2 } as const;

type Setup = NonNullable<ProbeCase["setup"]>;

/** A subscription (48 bytes) at S + 48 * index. */
function subscription(index: number, userdata: bigint, tag: number, fields: Setup): Setup {
  const at = S + 48 * index;
  return [
    [at, userdata, 8],
    [at + 8, tag, 1],
    ...fields.map(([off, value, bytes]) => [at + off, value, bytes] as Setup[0]),
  ];
}
const clock = (index: number, id: number, timeoutNs: bigint, flags = 0): Setup =>
  subscription(index, 0x1100n + BigInt(index), TAG.clock, [
    [16, id, 4],
    [24, timeoutNs, 8],
    [40, flags, 2],
  ]);
const fd = (index: number, tag: number, descriptor: number): Setup =>
  subscription(index, 0x2200n + BigInt(index), tag, [[16, descriptor, 4]]);

function poll(setup: Setup, count: number): ProbeCase {
  return {
    setup,
    calls: [{ call: "poll_oneoff", args: [S, EVENTS, count, NEVENTS] }],
    dump: [EVENTS, 260],
  };
}

const CASES = {
  sleep200: poll(clock(0, 1, 200_000_000n), 1),
  sleepRealtime: poll(clock(0, 0, 100_000_000n), 1),
  // The realtime clock when the module was made: past by the time it runs, so due at once (as a
  // relative time it would be decades).
  pastAbsolute: poll(clock(0, 0, BigInt(Date.now()) * 1_000_000n, 1), 1),
  twoClocks: poll([...clock(0, 1, 5_000_000_000n), ...clock(1, 1, 50_000_000n)], 2),
  sleepTooLong: poll(clock(0, 1, 60_000_000_000n), 1),
  sleepForever: poll(clock(0, 1, 0xffff_ffff_ffff_ffffn), 1),
  fdRead: poll(fd(0, TAG.fdRead, 0), 1),
  fdWrite: poll(fd(0, TAG.fdWrite, 1), 1),
  fdWithClock: poll([...clock(0, 1, 10_000_000_000n), ...fd(1, TAG.fdRead, 0)], 2),
  cpuClock: poll(clock(0, 2, 1_000_000n), 1),
} satisfies Record<string, ProbeCase>;
type CaseName = keyof typeof CASES;
const NAMES = Object.keys(CASES) as CaseName[];

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner(wasiProbe(Object.values(CASES)), { maxExecutionMs: LIMIT_MS });
});
afterAll(() => runner.stop());

const send = (name: CaseName) => runner.fetch("/", { method: "POST", body: String(NAMES.indexOf(name)) });

/** The call's errno, how long the request took, and the events it reported. */
async function run(name: CaseName) {
  const started = performance.now();
  const res = await send(name);
  const text = await res.text();
  const ms = performance.now() - started;
  expect(res.status).toBe(200);
  const { errnos, out } = probeAnswer(text);
  const view = new DataView(out.buffer);
  const count = view.getUint32(NEVENTS - EVENTS, true);
  const events = Array.from({ length: count }, (_, i) => ({
    userdata: view.getBigUint64(i * 32, true),
    errno: view.getUint16(i * 32 + 8, true),
    type: out[i * 32 + 10],
  }));
  return { errnos, ms, events };
}

test("a relative monotonic clock subscription sleeps that long, then reports its event", async () => {
  const { errnos, ms, events } = await run("sleep200");
  expect(errnos).toEqual([0]);
  expect(ms).toBeGreaterThanOrEqual(195);
  expect(ms).toBeLessThan(LIMIT_MS);
  expect(events).toEqual([{ userdata: 0x1100n, errno: 0, type: TAG.clock }]);
});

test("a relative realtime sleep too; an absolute time in the past is due at once", async () => {
  const slept = await run("sleepRealtime");
  expect(slept.ms).toBeGreaterThanOrEqual(95);
  expect(slept.events).toEqual([{ userdata: 0x1100n, errno: 0, type: TAG.clock }]);
  const past = await run("pastAbsolute");
  expect(past.ms).toBeLessThan(300);
  expect(past.events).toEqual([{ userdata: 0x1100n, errno: 0, type: TAG.clock }]);
});

test("of two clocks, the earlier one wakes the poll and is the only event", async () => {
  const { ms, events } = await run("twoClocks");
  expect(ms).toBeGreaterThanOrEqual(45);
  expect(ms).toBeLessThan(LIMIT_MS);
  expect(events).toEqual([{ userdata: 0x1101n, errno: 0, type: TAG.clock }]);
});

test.each(["sleepTooLong", "sleepForever"] as const)(
  "%s: a sleep past max_execution_ms is a 504 timeout at the deadline, and the function answers again",
  async (name) => {
    const started = performance.now();
    await expectOutcome(await send(name), "timeout");
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(LIMIT_MS - 10);
    expect(ms).toBeLessThan(LIMIT_MS + 1000);
    expect((await run("pastAbsolute")).errnos).toEqual([0]);
  },
);

test("fd subscriptions answer ENOTSUP in their event at once, even beside a clock", async () => {
  for (const [name, type] of [
    ["fdRead", TAG.fdRead],
    ["fdWrite", TAG.fdWrite],
  ] as const) {
    const { errnos, ms, events } = await run(name);
    expect(errnos).toEqual([0]);
    expect(ms).toBeLessThan(300);
    expect(events).toEqual([{ userdata: 0x2200n, errno: 58, type }]);
  }
  const mixed = await run("fdWithClock");
  expect(mixed.ms).toBeLessThan(LIMIT_MS);
  expect(mixed.events).toEqual([{ userdata: 0x2201n, errno: 58, type: TAG.fdRead }]);
});

test("a CPU-time clock cannot be slept on: EINVAL in its event", async () => {
  const { errnos, events } = await run("cpuClock");
  expect(errnos).toEqual([0]);
  expect(events).toEqual([{ userdata: 0x1100n, errno: 28, type: TAG.clock }]);
});
