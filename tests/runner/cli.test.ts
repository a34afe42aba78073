// `bun runner/main.ts` as a real process: the banner, refused starts (non-zero exit, one line on
// stderr), flags reaching the function, JSON lines alone on stdout, SIGTERM, and an idle CPU after a timeout.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { dirname, join } from "node:path";
import { missingEngineOptions, unnamedEngineSettings } from "../../runner/lifecycle/engine-options";
import { loadRunnerConfig } from "../../runner/config";
import { cpuTicks, runRunnerToExit, startRunnerProcess } from "../helpers/runner-process";
import { type ServerProcess } from "../helpers/server-process";
import { guest, guestFile } from "../fixtures/guests";

async function withCli(args: string[], body: (runner: ServerProcess) => Promise<void>): Promise<void> {
  const runner = await startRunnerProcess(args);
  try {
    await body(runner);
  } finally {
    await runner.stop("SIGKILL");
  }
}

const jsonLines = (lines: string[]) =>
  lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("start", () => {
  test("prints the URL, the module size and its SHA-256, serves, and exits 0 on SIGTERM", async () => {
    const bytes = guest("echo");
    const path = guestFile("echo", bytes);
    const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    const runner = await startRunnerProcess([path]);
    try {
      expect(runner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(runner.banner).toContain(`${bytes.byteLength} bytes`);
      expect(runner.banner).toContain(sha256);
      const res = await fetch(`${runner.url}/hello?x=1`);
      expect(res.status).toBe(200);
      expect((await res.text()).split("\n").slice(0, 2)).toEqual(["GET", "/hello?x=1"]);
    } finally {
      expect(await runner.stop("SIGTERM")).toBe(0);
    }
  });

  test("a matching --sha256 (any case) is accepted", async () => {
    const bytes = guest("empty");
    const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex").toUpperCase();
    await withCli([guestFile("empty", bytes), "--sha256", sha256], async (runner) => {
      expect((await fetch(runner.url)).status).toBe(200);
    });
  });

  test("--env, --entrypoint and --memory-pages reach the function", async () => {
    await withCli([guestFile("env-get"), "--env", "GREETING=hi", "--env", "EQ=a=b"], async (runner) => {
      const read = async (name: string) => (await fetch(runner.url, { method: "POST", body: name })).text();
      expect([await read("GREETING"), await read("EQ"), await read("PATH")]).toEqual(["[hi]", "[a=b]", "(unset)"]);
    });
    await withCli([guestFile("entrypoint-main"), "--entrypoint", "main"], async (runner) => {
      expect(await (await fetch(runner.url)).text()).toBe("main");
    });
    await withCli([guestFile("memory-bomb"), "--memory-pages", "3"], async (runner) => {
      expect(await (await fetch(runner.url, { headers: { "x-bomb": "g" } })).text()).toBe("pages=2");
      const bomb = await fetch(runner.url, { headers: { "x-bomb": "u" } });
      expect(bomb.status).toBe(500);
      expect(((await bomb.json()) as { error: { code: string } }).error.code).toBe("memory");
    });
  });
});

describe("engine options", () => {
  const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  const inherited =
    process.env.BUN_JSC_numberOfGCMarkers !== undefined || process.env.BUN_JSC_maxNumWasmFastMemories !== undefined;

  test("one GC marker and 4,096 fast memories, each unless set to 0 or set by the operator in BUN_JSC_*", () => {
    expect(missingEngineOptions({ gcMarkers: 1, fastMemories: 4096 }, {})).toEqual({
      BUN_JSC_numberOfGCMarkers: "1",
      BUN_JSC_maxNumWasmFastMemories: "4096",
    });
    expect(missingEngineOptions({ gcMarkers: 3, fastMemories: 0 }, {})).toEqual({ BUN_JSC_numberOfGCMarkers: "3" });
    expect(missingEngineOptions({ gcMarkers: 0, fastMemories: 100 }, {})).toEqual({
      BUN_JSC_maxNumWasmFastMemories: "100",
    });
    expect(missingEngineOptions({ gcMarkers: 0, fastMemories: 0 }, {})).toBeNull();
    expect(missingEngineOptions({ gcMarkers: 1, fastMemories: 4096 }, { BUN_JSC_numberOfGCMarkers: "2" })).toEqual({
      BUN_JSC_maxNumWasmFastMemories: "4096",
    });
    expect(
      missingEngineOptions(
        { gcMarkers: 1, fastMemories: 4096 },
        { BUN_JSC_numberOfGCMarkers: "2", BUN_JSC_maxNumWasmFastMemories: "8" },
      ),
    ).toBeNull();
  });

  test("a start naming no engine setting knows the configuration's defaults without loading it; one naming either defers to it", () => {
    const loaded = loadRunnerConfig(["m.wasm"], {});
    if (loaded.ok !== true) throw new Error("defaults did not load");
    expect(unnamedEngineSettings(["m.wasm", "--port", "0"], { EDGE_RUNNER_PORT: "1" })).toEqual({
      gcMarkers: loaded.config.gcMarkers,
      fastMemories: loaded.config.fastMemories,
    });
    expect(unnamedEngineSettings(["m.wasm", "--gc-markers", "2"], {})).toBeNull();
    expect(unnamedEngineSettings(["m.wasm", "--fast-memories=0"], {})).toBeNull();
    expect(unnamedEngineSettings(["m.wasm"], { EDGE_RUNNER_GC_MARKERS: "0" })).toBeNull();
    expect(unnamedEngineSettings(["m.wasm"], { EDGE_RUNNER_FAST_MEMORIES: "8" })).toBeNull();
  });

  test.skipIf(process.platform !== "linux" || inherited)(
    "the runner executes itself again in place with the options set: same PID, still serving",
    async () => {
      await withCli([guestFile("echo")], async (runner) => {
        expect(environ(runner.pid)).toContain("BUN_JSC_numberOfGCMarkers=1");
        expect(environ(runner.pid)).toContain("BUN_JSC_maxNumWasmFastMemories=4096");
        expect((await fetch(runner.url)).status).toBe(200);
      });
      await withCli([guestFile("echo"), "--gc-markers", "0", "--fast-memories", "0"], async (runner) => {
        expect(
          environ(runner.pid).some(
            (e) => e.startsWith("BUN_JSC_numberOfGCMarkers=") || e.startsWith("BUN_JSC_maxNumWasmFastMemories="),
          ),
        ).toBe(false);
      });
    },
  );
});

describe("the HTTP thread's scheduling slice", () => {
  /** EEVDF custom slices are Linux 6.12+; older kernels take the call and ignore it. */
  const [major = 0, minor = 0] = release().split(".").map(Number);
  const customSlices = process.platform === "linux" && (major > 6 || (major === 6 && minor >= 12));
  const slices = (pid: number) =>
    readdirSync(`/proc/${pid}/task`).map((tid) => ({
      comm: readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim(),
      main: Number(tid) === pid,
      slice: Number(readFileSync(`/proc/${pid}/task/${tid}/sched`, "utf8").match(/se\.slice\s+:\s+(\d+)/)?.[1]),
    }));

  test.skipIf(!customSlices)(
    "100 µs for the HTTP thread, the kernel's default for the workers (spares started later too); --http-slice-us 0 leaves it alone",
    async () => {
      await withCli([guestFile("busy-wait"), "--workers", "1", "--spare-workers", "1"], async (runner) => {
        // A run seen going past 5 ms starts the spare, a thread started after the HTTP thread's
        // slice was set: it would inherit it.
        const slow = fetch(runner.url, { headers: { "x-wait-ms": "100" } });
        await Bun.sleep(30);
        const next = fetch(runner.url, { headers: { "x-wait-ms": "1" } });
        expect([(await slow).status, (await next).status]).toEqual([200, 200]);
        const workersSettled = () => {
          const workers = slices(runner.pid).filter((t) => t.comm === "Worker");
          return workers.length === 2 && workers.every((w) => w.slice > 100_000);
        };
        for (let i = 0; i < 100 && !workersSettled(); i++) await Bun.sleep(20);
        const threads = slices(runner.pid);
        expect(threads.find((t) => t.main)!.slice).toBe(100_000);
        const workers = threads.filter((t) => t.comm === "Worker");
        expect(workers.length).toBe(2);
        for (const worker of workers) expect(worker.slice).toBeGreaterThan(100_000);
      });
      await withCli([guestFile("echo"), "--http-slice-us", "0"], async (runner) => {
        expect(slices(runner.pid).find((t) => t.main)!.slice).toBeGreaterThan(100_000);
      });
    },
  );
});

describe("refused starts: non-zero exit and a one-line reason on stderr", () => {
  /** WebAssembly text where the binary belongs. */
  const notWasm = () => guestFile("not-wasm", new TextEncoder().encode("(module)\n"));
  const cases: [string, () => string[], RegExp][] = [
    [
      "missing file",
      () => [join(dirname(guestFile("empty")), "does-not-exist.wasm")],
      /module not found: .*does-not-exist\.wasm/,
    ],
    ["--sha256 mismatch", () => [guestFile("empty"), "--sha256", "0".repeat(64)], /sha256_mismatch/],
    ["not a wasm module", () => [notWasm()], /not_wasm/],
    ["forbidden import", () => [guestFile("forbidden-import")], /forbidden_imports.*wasi_snapshot_preview1/],
    ["missing entrypoint", () => [guestFile("entrypoint-main")], /missing_entrypoint/],
    ["memory above --memory-pages", () => [guestFile("defines-memory"), "--memory-pages", "1"], /memory_too_large/],
    ["unknown flag", () => [guestFile("empty"), "--nope", "1"], /nope/],
    ["non-numeric --port", () => [guestFile("empty"), "--port", "abc"], /--port/],
    ["--memory-pages 0", () => [guestFile("empty"), "--memory-pages", "0"], /--memory-pages/],
    ["malformed --sha256", () => [guestFile("empty"), "--sha256", "xyz"], /--sha256/],
    ["--env without =", () => [guestFile("empty"), "--env", "NOEQUALS"], /--env/],
    [
      "--instance-reuse neither on nor off",
      () => [guestFile("empty"), "--instance-reuse", "maybe"],
      /--instance-reuse/,
    ],
    ["--gc-markers above 64", () => [guestFile("empty"), "--gc-markers", "65"], /--gc-markers/],
    ["no module path", () => [], /module/],
  ];

  test.each(cases)("%s", async (_label, args, reason) => {
    const { code, stdout, stderr } = await runRunnerToExit(args());
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stdout).not.toContain("http://");
    const lines = stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines).toEqual([expect.stringMatching(/^runner: /)]);
    expect(lines[0]).toMatch(reason);
  });

  test("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await runRunnerToExit(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("usage:");
  });
});

describe("stdout", () => {
  test("invocation lines and guest log lines are JSON with function and request_id; nothing else (the banner is on stderr)", async () => {
    await withCli([guestFile("logs"), "--log-level", "info"], async (runner) => {
      const res = await fetch(`${runner.url}/path?q=1`, { method: "POST", body: "x" });
      expect(await res.text()).toBe("logged");
      const requestId = res.headers.get("x-request-id");
      await runner.waitForLines((all) => jsonLines(all).filter((l) => l.request_id === requestId).length >= 4);
      await Bun.sleep(50);
      const others = runner.stdout();
      expect(others).not.toContain(runner.banner);
      for (const line of others) expect(() => JSON.parse(line)).not.toThrow();
      const mine = jsonLines(others).filter((l) => l.request_id === requestId);
      const invocation = mine.filter((l) => l.msg === "invocation");
      expect(invocation).toEqual([
        expect.objectContaining({
          request_id: requestId,
          function: "logs",
          method: "POST",
          status: 200,
          outcome: "ok",
          duration_ms: expect.any(Number),
        }),
      ]);
      const guestLines = mine.filter((l) => l.msg !== "invocation");
      expect(guestLines.map((l) => [l.level, l.msg, l.function])).toEqual([
        ["info", "info line", "logs"],
        ["warn", "warn line", "logs"],
        ["error", 'error line "quoted"', "logs"],
      ]);
    });
  });

  test("a failed invocation is logged with its outcome and status; the guest's detail stays out of the response", async () => {
    await withCli([guestFile("bad-status")], async (runner) => {
      const res = await fetch(runner.url, { headers: { "x-status": "700" } });
      const requestId = res.headers.get("x-request-id");
      // The message, not the whole body: a random request id may contain "700".
      const { error } = (await res.json()) as { error: { message: string } };
      expect(error.message).not.toContain("700");
      const lines = await runner.waitForLines((all) =>
        jsonLines(all).some((l) => l.request_id === requestId && l.msg === "invocation"),
      );
      const line = jsonLines(lines).find((l) => l.request_id === requestId && l.msg === "invocation");
      expect(line).toMatchObject({ level: "warn", function: "bad-status", status: 500, outcome: "trap" });
    });
  });
});

describe("process lifecycle", () => {
  test("after a 504 no thread keeps spinning: CPU time stops increasing, and SIGTERM exits 0", async () => {
    const runner = await startRunnerProcess([guestFile("loop-forever"), "--max-execution-ms", "100", "--workers", "1"]);
    try {
      const started = performance.now();
      const res = await fetch(runner.url, { headers: { "x-spin": "1" } });
      expect(res.status).toBe(504);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await (await fetch(runner.url)).text()).toBe("idle");
      await Bun.sleep(300);
      const before = await cpuTicks(runner.pid);
      await Bun.sleep(1000);
      const used = (await cpuTicks(runner.pid)) - before;
      // A thread still spinning would add ~100 ticks (1 s at 100 Hz); an idle runner adds a few.
      expect(used).toBeLessThan(30);
    } finally {
      const stopping = performance.now();
      expect(await runner.stop("SIGTERM")).toBe(0);
      expect(performance.now() - stopping).toBeLessThan(3000);
    }
  });

  test("SIGTERM while a loop is running still exits 0, once the loop hits its limit", async () => {
    const runner = await startRunnerProcess([guestFile("loop-forever"), "--max-execution-ms", "500", "--workers", "1"]);
    const inFlight = fetch(runner.url, { headers: { "x-spin": "1" } }).then(
      (r) => r.status,
      () => "connection closed",
    );
    await Bun.sleep(100);
    const stopping = performance.now();
    expect(await runner.stop("SIGTERM", 8000)).toBe(0);
    expect(performance.now() - stopping).toBeLessThan(4000);
    expect([504, 503, "connection closed"]).toContain(await inFlight);
  });
});
