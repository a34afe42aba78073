// The WAGI examples (functions/examples/rust-wagi, c-wagi) deployed as a user deploys them:
// registered with runtime "wasi" on a control plane, uploaded, activated, and served by an edge
// node (a real process) on their default routes, next to an edge-ABI function.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { controlApi, type ControlApi } from "../helpers/control-api";
import { startEdgeProcess } from "../helpers/edge-process";
import { REPO_ROOT, type ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { until } from "../helpers/until";
import { WAGI_EXAMPLES, wagiExample } from "../helpers/wagi-examples";
import { echoBody, expectEcho, greetingBody, jsonLines } from "./wagi-answers";

let control: TestControl;
let api: ControlApi;
let edge: ServerProcess;
const records = new Map<string, Record<string, unknown>>();
const greeting = (example: string) => `Hello from ${example} on the edge`;

beforeAll(async () => {
  control = await startTestControl();
  api = controlApi(control.url);
  for (const example of WAGI_EXAMPLES) {
    const created = await api.createFunction({ name: example, runtime: "wasi", env: { GREETING: greeting(example) } });
    await api.upload(created.id, readFileSync(wagiExample(example)));
    records.set(example, created);
  }
  const hello = await api.createFunction({ name: "hello" });
  await api.upload(hello.id, readFileSync(join(REPO_ROOT, "build", "hello_world.wasm")));
  edge = await startEdgeProcess(control.url, tempDir("edge-wagi-node-"), "wagi-node", [
    "--workers",
    "1",
    "--log-level",
    "info",
  ]);
  await until("the edge node serves the examples", async () =>
    (await Promise.all(WAGI_EXAMPLES.map((e) => fetch(`${edge.url}/${e}`)))).every((r) => r.status === 200),
  );
});

afterAll(async () => {
  await edge?.stop("SIGKILL");
  await control?.stop();
});

for (const example of WAGI_EXAMPLES) {
  describe(`${example} as a runtime wasi function behind an edge node`, () => {
    test("registered with runtime wasi, it gets the WASI defaults: entrypoint _start, 128 pages", () => {
      expect(records.get(example)).toMatchObject({ runtime: "wasi", entrypoint: "_start", memory_pages: 128 });
    });

    test("GET: the route's prefix is SCRIPT_NAME, the rest PATH_INFO; GREETING from the function's env", async () => {
      const res = await fetch(`${edge.url}/${example}/some/path?q=1`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(greetingBody(greeting(example), "/some/path", "q=1"));
      expect(await (await fetch(`${edge.url}/${example}`)).text()).toBe(greetingBody(greeting(example), "", ""));
    });

    test("POST echoes the body with its content type", async () => {
      await expectEcho(`${edge.url}/${example}/echo`, echoBody());
    });

    test("/status/404 answers 404 through a Status header", async () => {
      const res = await fetch(`${edge.url}/${example}/status/404`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe("status 404\n");
    });

    test("the stderr line is a log line of the edge node with the function's name and the request id", async () => {
      const res = await fetch(`${edge.url}/${example}/log-me`);
      const requestId = res.headers.get("x-request-id");
      expect(requestId).toBeTruthy();
      const mine = () => jsonLines(edge.lines()).filter((l) => l.request_id === requestId);
      await edge.waitForLines(() => mine().some((l) => l.msg === "GET /log-me"));
      expect(mine().find((l) => l.msg === "GET /log-me")).toMatchObject({ function: example });
    });
  });
}

test("an edge-ABI function on the same node still serves", async () => {
  const res = await fetch(`${edge.url}/hello`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe("Hello, World!");
});
