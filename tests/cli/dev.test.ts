// `edge dev` as a user runs it: the function served by the real runner with the manifest's env,
// a source change rebuilt and swapped in while clients keep sending requests (not one fails),
// a broken build or a module the pipeline refuses printed while the last good one keeps serving.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI_MAIN, cliEnv, runCli } from "../helpers/cli-process";
import { spawnServer, type ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";

const dir = join(tempDir("edge-cli-dev-"), "greeter");
let dev: ServerProcess;

function edit(file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
  // A later mtime than the last build's, whatever the file system's time resolution.
  writeFileSync(path, text.replace(from, to));
}

const body = async (path = "/") => (await fetch(`${dev.url}${path}`)).text();

beforeAll(async () => {
  expect((await runCli(["init", "--template", "c-wasi", dir])).code).toBe(0);
  dev = await spawnServer([CLI_MAIN, "dev", dir, "--port", "0"], /serving greeter at (http:\/\/127\.0\.0\.1:\d+)\//, {
    env: cliEnv(),
    timeoutMs: 30_000,
  });
  await until("the first generation serves", async () => (await body()).includes("method: GET"), 30_000);
}, 60_000);

afterAll(async () => {
  await dev?.stop("SIGINT");
});

describe("edge dev", () => {
  test("serves the function with the manifest's env through the real runner", async () => {
    expect(await body("/hi?q=1")).toBe("Hello from greeter!\nmethod: GET\npath: /hi\nquery: q=1\n");
    expect(dev.lines().some((line) => line.startsWith("EdgeBase runner: serving greeter (WASI command"))).toBe(true);
  });

  test("a source change is rebuilt and swapped in without a failed request", async () => {
    const failures: string[] = [];
    const seen = new Set<string>();
    let stop = false;
    const client = async () => {
      while (!stop) {
        try {
          const res = await fetch(`${dev.url}/x`, { method: "GET" });
          const text = await res.text();
          if (res.status !== 200) failures.push(`${res.status} ${text}`);
          else seen.add(text.split("\n")[1]!);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await Bun.sleep(200);
    edit("wagi.c", "method: %s", "verb: %s");
    await until("the new source serves", () => seen.has("verb: GET"), 30_000);
    await Bun.sleep(300); // the old runner's drain and stop happen now, under load
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual(["method: GET", "verb: GET"]);
    await dev.waitForLines((lines) => lines.some((line) => line === "[dev] serving generation 2"));
  }, 60_000);

  test("a build error is printed and the last good module keeps serving; the fix is picked up", async () => {
    edit("wagi.c", "int main(void) {", "int main(void) { oops");
    await dev.waitForLines(
      (lines) => lines.some((l) => l.startsWith("[dev] error: build failed: `sh build.sh` exited with 1")),
      30_000,
    );
    expect(dev.lines()).toContain("[dev] still serving generation 2");
    expect(await body()).toContain("verb: GET");
    edit("wagi.c", "int main(void) { oops", "int main(void) {");
    await dev.waitForLines((lines) => lines.includes("[dev] serving generation 3"), 30_000);
  }, 60_000);

  test("a manifest change: a refused module keeps the old one; new env is served after", async () => {
    edit("edgebase.toml", "memory_pages = 128", "memory_pages = 1");
    await dev.waitForLines(
      (lines) => lines.some((l) => l.startsWith("[dev] error: module rejected: memory_too_large")),
      30_000,
    );
    expect(await body()).toStartWith("Hello from greeter!\n");
    edit("edgebase.toml", "memory_pages = 1", "memory_pages = 128");
    edit("edgebase.toml", 'GREETING = "Hello from {{name}}!"'.replace("{{name}}", "greeter"), 'GREETING = "Howdy"');
    await until("the new env serves", async () => (await body()).startsWith("Howdy\n"), 30_000);
  }, 60_000);
});
