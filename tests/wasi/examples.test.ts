// The WAGI examples (functions/examples/rust-wagi, c-wagi), built by their build scripts, served
// in single-file mode as a user serves them: `bun run runner x.wasm` with no --runtime and no
// --memory-pages (the runner detects a WASI command, and the Rust one needs 17 pages).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startRunnerProcess } from "../helpers/runner-process";
import type { ServerProcess } from "../helpers/server-process";
import { WAGI_EXAMPLES, wagiExample } from "../helpers/wagi-examples";
import { DEFAULT_GREETING, echoBody, expectEcho, greetingBody, jsonLines } from "./wagi-answers";

for (const example of WAGI_EXAMPLES) {
  describe(`${example} in single-file mode`, () => {
    let plain: ServerProcess;
    let greeted: ServerProcess;
    beforeAll(async () => {
      const wasm = wagiExample(example);
      [plain, greeted] = await Promise.all([
        startRunnerProcess([wasm]),
        startRunnerProcess([wasm, "--env", "GREETING=Hello from --env"]),
      ]);
    });
    afterAll(async () => {
      await Promise.all([plain?.stop(), greeted?.stop()]);
    });

    test("GET: the greeting with the method, PATH_INFO and QUERY_STRING", async () => {
      const res = await fetch(`${plain.url}/some/path?q=1&x=y%20z`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/plain");
      expect(await res.text()).toBe(greetingBody(DEFAULT_GREETING[example], "/some/path", "q=1&x=y%20z"));
      const root = await fetch(`${plain.url}/`);
      expect(await root.text()).toBe(greetingBody(DEFAULT_GREETING[example], "/", ""));
    });

    test("GREETING from the function's env (--env) replaces the default", async () => {
      const res = await fetch(`${greeted.url}/hi`);
      expect(await res.text()).toBe(greetingBody("Hello from --env", "/hi", ""));
    });

    test("the host's environment stays out: GREETING set on the runner process is not seen", async () => {
      const leaky = await startRunnerProcess([wagiExample(example)], { env: { GREETING: "from the host" } });
      try {
        expect(await (await fetch(`${leaky.url}/`)).text()).toBe(greetingBody(DEFAULT_GREETING[example], "/", ""));
      } finally {
        await leaky.stop();
      }
    });

    test("POST echoes the body (70,000 bytes, every byte value) with its content type", async () => {
      await expectEcho(`${plain.url}/echo`, echoBody());
      await expectEcho(`${plain.url}/echo`, new Uint8Array(0), "text/plain");
    });

    test("/status/404 answers 404 through a Status header; a path that is not a status, 400", async () => {
      const res = await fetch(`${plain.url}/status/404`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe("status 404\n");
      expect((await fetch(`${plain.url}/status/503`)).status).toBe(503);
      const bad = await fetch(`${plain.url}/status/teapot`);
      expect(bad.status).toBe(400);
      expect(await bad.text()).toBe("not a status: teapot\n");
    });

    test("the stderr line is a log line with the function's name and the request id", async () => {
      const res = await fetch(`${plain.url}/log-me`);
      expect(res.status).toBe(200);
      const requestId = res.headers.get("x-request-id");
      expect(requestId).toBeTruthy();
      const mine = () => jsonLines(plain.lines()).filter((l) => l.request_id === requestId);
      await plain.waitForLines(() => mine().some((l) => l.msg === "GET /log-me"));
      expect(mine().find((l) => l.msg === "GET /log-me")).toMatchObject({ function: example });
    });
  });
}
