// A run seen running long on a regular worker is stopped and started again on a spare, but only
// while it has logged nothing (long-runs.ts): its log lines must not be written twice. A WASI
// guest's stderr line without its newline yet is held, not logged; the stopped run must not log
// it when it ends (its new run writes it again), or the line appears once per run.
import { expect, test } from "bun:test";
import { join } from "node:path";

test("a moved WASI run's unterminated stderr line is logged once, by the run that answers", async () => {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "moved-run-pool.ts")], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines = (await new Response(proc.stdout).text()).trim().split("\n");
  expect(await proc.exited).toBe(0);
  expect(JSON.parse(lines.at(-1) ?? "")).toEqual({ outcome: "ok", status: 201 });
  const started = lines.filter((line) => line.includes('"msg":"started"')).map((line) => JSON.parse(line));
  expect(started).toHaveLength(1);
  // The spare answered: the run was moved (else this test would not test the move).
  expect(started[0]).toMatchObject({ worker: 1, request_id: "the-request", stream: "stderr" });
});
