// An edge node hashes and rewrites artifacts on a thread of its own: same answers as doing it
// inline, the event loop free meanwhile, and a worker that dies costs nothing but speed.
import { afterEach, expect, test } from "bun:test";
import { inlineWork } from "../../core/module/offload/artifact-work";
import { OFFLOAD_MIN_BYTES, OffloadThread } from "../../core/module/offload/offload-thread";
import { createLogger } from "../../core/observe/log";
import { bigModule } from "../fixtures/pipeline/big-module";
import { wat } from "../fixtures/wat";

const LIMITS = { memoryPages: 16, entrypoint: "handle" };
let thread: OffloadThread | null = null;
afterEach(() => thread?.close());

function offload(minBytes = 0): OffloadThread {
  thread = new OffloadThread(createLogger("error"), minBytes);
  return thread;
}

test("the same hashes, prepared modules and rejections as inline, and the caller keeps its bytes", async () => {
  const work = offload();
  const good = wat(`(module (memory 1) (func (export "handle") (drop (memory.grow (i32.const 1)))))`);
  const noEntry = wat(`(module (func (export "other")))`);
  const garbage = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]);
  for (const bytes of [good, noEntry, garbage]) {
    const copy = bytes.slice();
    expect(await work.sha256Hex(bytes)).toBe(await inlineWork.sha256Hex(bytes));
    expect(await work.prepare(bytes, LIMITS)).toEqual(await inlineWork.prepare(bytes, LIMITS));
    expect(await work.check(bytes, LIMITS)).toEqual(await inlineWork.check(bytes, LIMITS));
    expect(bytes).toEqual(copy);
  }
  const rejected = await work.prepare(noEntry, LIMITS);
  expect(rejected.ok ? "ok" : rejected.rejection.code).toBe("missing_entrypoint");
  expect(await work.check(good, LIMITS)).toBeNull();
  expect((await work.check(noEntry, LIMITS))?.code).toBe("missing_entrypoint");
  expect(await work.check(good, { memoryPages: 1, entrypoint: "handle" })).toBeNull();
  expect(work.counts).toEqual({ offloaded: 13, inline: 0 });
});

test("the event loop keeps turning while a 2 MiB module is hashed, prepared and checked", async () => {
  const work = offload();
  const bytes = bigModule(2 * 1024 * 1024);
  for (const job of [() => work.sha256Hex(bytes), () => work.prepare(bytes, LIMITS), () => work.check(bytes, LIMITS)]) {
    // Inline, the promise would settle before the first setImmediate callback ran.
    let turns = 0;
    let done = false;
    const turn = () => {
      turns++;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    const running = job().then((result) => ((done = true), result));
    const result = await running;
    expect(result === null || Boolean(result)).toBe(true);
    expect(turns).toBeGreaterThan(0);
  }
  expect(work.counts.offloaded).toBe(3);
});

test("small artifacts are done inline, without starting the worker", async () => {
  const work = offload(OFFLOAD_MIN_BYTES);
  const small = bigModule(OFFLOAD_MIN_BYTES / 2);
  expect((await work.prepare(small, LIMITS)).ok).toBe(true);
  expect(await work.sha256Hex(small)).toBe(await inlineWork.sha256Hex(small));
  expect(work.counts).toEqual({ offloaded: 0, inline: 2 });
  expect((work as unknown as { worker: Worker | null }).worker).toBeNull();
  expect(await work.sha256Hex(bigModule(OFFLOAD_MIN_BYTES))).toBe(
    await inlineWork.sha256Hex(bigModule(OFFLOAD_MIN_BYTES)),
  );
  expect(work.counts).toEqual({ offloaded: 1, inline: 2 });
});

test("jobs of a worker that dies are done inline; the next job gets a new worker", async () => {
  const work = offload();
  const bytes = bigModule(2 * 1024 * 1024);
  const expected = await inlineWork.sha256Hex(bytes);
  expect(await work.sha256Hex(bytes)).toBe(expected);
  const first = (work as unknown as { worker: Worker }).worker;
  const inFlight = [work.sha256Hex(bytes), work.prepare(bytes, LIMITS)] as const;
  first.terminate();
  const [hex, prepared] = await Promise.all(inFlight);
  expect(hex).toBe(expected);
  expect(prepared.ok).toBe(true);
  expect(work.counts.inline).toBe(2);

  expect(await work.sha256Hex(bytes)).toBe(expected);
  expect((work as unknown as { worker: Worker }).worker).not.toBe(first);
  expect(work.counts.offloaded).toBe(2);
});
