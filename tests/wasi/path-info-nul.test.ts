// PATH_INFO is percent-decoded, but an environment entry is a NUL-terminated string: a decoded
// %00 would end the entry there, and a guest's getenv("PATH_INFO") would see "/admin" for a
// request to "/admin%00.txt" (the classic NUL truncation). %00 stays as sent; everything else
// is still decoded.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rawRequest } from "../helpers/raw-http";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { environModule } from "./environ-module";

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner(environModule(), { workers: 1 });
});
afterAll(() => runner?.stop());

/** The environment's entries as the guest reads them: each one up to its NUL. */
async function environ(path: string): Promise<string[]> {
  const response = await rawRequest(runner.url, [`GET ${path} HTTP/1.1`, "Host: x"]);
  expect(response.status).toBe(200);
  return new TextDecoder().decode(response.body).split("\0").slice(0, -1);
}

test("a %00 in the path stays encoded in PATH_INFO: the entry is not cut at it", async () => {
  const entries = await environ("/admin%00.txt/a%20b");
  expect(entries).toContain("PATH_INFO=/admin%00.txt/a b");
  expect(entries).toContain("X_RAW_PATH_INFO=/admin%00.txt/a%20b");
  // Every entry is NAME=value: none is the tail of a cut one.
  for (const entry of entries) expect(entry).toMatch(/^[A-Z_]+=/);
});

test("%00 beside a malformed escape: the rest is decoded as before", async () => {
  const entries = await environ("/x%00%zz%41");
  expect(entries).toContain("PATH_INFO=/x%00%zzA");
});
