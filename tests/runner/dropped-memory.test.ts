// Guest memories a worker lets go (grown by the request, or of a failed invocation) are freed
// only by a collection, which nothing else prompts: the executor reports each one's size, and
// the worker collects once 64 MiB of them wait (worker.ts). Without that, a function growing
// its memory to 64 MiB per request took an edge node to 1.0-1.7 GB (reliability, saturation).
import { expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { Executor } from "../../runner/sandbox/executor";
import { CONTROL_BYTES, type LoadedFunction } from "../../runner/sandbox/protocol";
import { guest } from "../fixtures/guests";
import { loadedFunction } from "../helpers/loaded-function";

const MiB = 1024 * 1024;
const request = {
  method: new TextEncoder().encode("GET"),
  uri: new TextEncoder().encode("/"),
  headers: new Uint8Array(0),
  body: null,
};

async function loaded(bytes: Uint8Array, memoryPages: number): Promise<LoadedFunction> {
  const prepared = await compileArtifact(bytes, { memoryPages, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  return loadedFunction("f", prepared.artifact, { maxExecutionMs: 2000 });
}

test("each memory a run grew is reported as dropped, with its size", async () => {
  const dropped: number[] = [];
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES), true, (bytes) =>
    dropped.push(bytes),
  );
  const touch = await loaded(guest("memory-touch"), 1024);
  for (let i = 1; i <= 3; i++) expect(executor.run(i, `r${i}`, request, touch).outcome).toBe("ok");
  expect(dropped).toEqual([64 * MiB, 64 * MiB, 64 * MiB]);
});

test("so is the memory of a failed run; one given back for reuse is not", async () => {
  const dropped: number[] = [];
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES), true, (bytes) =>
    dropped.push(bytes),
  );
  const trap = await loaded(guest("trap"), 16);
  expect(executor.run(1, "r1", request, trap).outcome).toBe("trap");
  expect(dropped.length).toBe(1);
  const fine = await loaded(guest("empty"), 16);
  for (let i = 2; i < 6; i++) expect(executor.run(i, `r${i}`, request, fine).outcome).toBe("ok");
  expect(dropped.length).toBe(1);
});
