// The main thread's log lines are written once per event-loop turn (core/observe/log.ts):
// nothing lost or reordered, and lines still pending when the process exits are written.
import { expect, test } from "bun:test";
import { join } from "node:path";

const LOG = join(import.meta.dir, "..", "..", "core", "observe", "log.ts");

async function run(script: string): Promise<string[]> {
  const proc = Bun.spawn(
    ["bun", "-e", `import { bufferedStdout, createLogger } from ${JSON.stringify(LOG)};\n${script}`],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  return out.split("\n").filter(Boolean);
}

test("lines over many turns come out whole and in order", async () => {
  const lines = await run(`
    const logger = createLogger("info", { node_id: "n" }, bufferedStdout());
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 50; i++) logger.log("info", "invocation", { n: turn * 50 + i });
      await new Promise((resolve) => setImmediate(resolve));
    }`);
  expect(lines.map((line) => JSON.parse(line).n)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", msg: "invocation", node_id: "n" });
});

test("lines logged just before process.exit are written", async () => {
  const lines = await run(`
    const logger = createLogger("info", {}, bufferedStdout());
    logger.log("error", "last words", { n: 1 });
    logger.log("info", "really last", { n: 2 });
    process.exit(0);`);
  expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["last words", "really last"]);
});
