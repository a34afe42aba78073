// Runs the curl walkthrough of docs/control-plane.md verbatim against a real control plane.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tempDir } from "../helpers/temp-dir";

const REPO = resolve(import.meta.dir, "../..");
const MARKER = "<!-- walkthrough: tests/control/walkthrough.test.ts runs this block verbatim -->";

let control: TestControl;
let cwd: string;
beforeAll(async () => {
  control = await startTestControl();
  cwd = tempDir("edge-walkthrough-");
});
afterAll(async () => {
  await control.stop();
  rmSync(cwd, { recursive: true, force: true });
});

function walkthrough(): string {
  const doc = readFileSync(join(REPO, "docs", "control-plane.md"), "utf8");
  const at = doc.indexOf(MARKER);
  expect(at).toBeGreaterThan(0);
  const block = doc.slice(at + MARKER.length).match(/^\s*```sh\n([\s\S]*?)\n```/);
  expect(block).not.toBeNull();
  return block![1]!;
}

test("the curl walkthrough (docs/control-plane.md) works verbatim (register, upload, get, download)", async () => {
  const script = walkthrough();
  // The token reaches curl on stdin, never in its argv (which ps shows).
  expect(script).toContain('echo "Authorization: Bearer $TOKEN" | curl -sS --fail-with-body -H @-');
  expect(script).not.toMatch(/curl[^\n]*Bearer/);
  // The walkthrough runs from the repository root: give it the sample it uploads.
  mkdirSync(join(cwd, "build"));
  copyFileSync(join(REPO, "build/hello_world.wasm"), join(cwd, "build/hello_world.wasm"));
  writeFileSync(join(cwd, "walkthrough.sh"), script);
  const proc = Bun.spawn(["bash", "-euo", "pipefail", "walkthrough.sh"], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", EDGE: control.url, TOKEN },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) process.stderr.write(`walkthrough failed:\n${stdout}\n${stderr}\n`);
  expect(code).toBe(0);
  expect(stdout).toContain('"name":"hello"');
  expect(stdout).toContain('"version":1');
  expect(stdout).toContain('"active_version":1');
  expect(stdout).toContain("download matches");
  // And the API agrees.
  const list = (await (await control.api("/api/v1/functions")).json()) as {
    functions: { name: string; active_version: number }[];
  };
  expect(list.functions).toEqual([expect.objectContaining({ name: "hello", active_version: 1 })]);
});
