// Single-module mode refuses what the control plane refuses: the function's name, limits and
// env follow the contract's bounds (core/contract/records.ts), not bounds of its own.
import { expect, test } from "bun:test";
import { LIMITS } from "../../core/contract";
import { loadRunnerConfig } from "../../runner/config";

const load = (...flags: string[]) => loadRunnerConfig(["m.wasm", ...flags], {});

test("a name the contract refuses is refused: '_' included", () => {
  expect(load("--name", "hello-world")).toMatchObject({ ok: true, config: { name: "hello-world" } });
  expect(load("--name", "hello_world")).toMatchObject({ ok: false, message: expect.stringContaining("--name") });
  expect(load("--name", "-hello")).toMatchObject({ ok: false });
});

test("memory pages, execution time and concurrency: the contract's bounds, no wider", () => {
  for (const [flag, bounds] of [
    ["--memory-pages", LIMITS.memoryPages],
    ["--max-execution-ms", LIMITS.maxExecutionMs],
    ["--max-concurrency", LIMITS.maxConcurrency],
  ] as const) {
    expect(load(flag, String(bounds.minimum)).ok).toBe(true);
    expect(load(flag, String(bounds.maximum)).ok).toBe(true);
    expect(load(flag, String(bounds.minimum - 1))).toMatchObject({ ok: false, message: expect.stringContaining(flag) });
    expect(load(flag, String(bounds.maximum + 1))).toMatchObject({ ok: false, message: expect.stringContaining(flag) });
  }
});

test("--max-body-bytes: at most the contract's largest body", () => {
  const most = LIMITS.maxBodyBytes.maximum;
  expect(load("--max-body-bytes", String(most), "--max-body-bytes-in-flight", String(most)).ok).toBe(true);
  expect(load("--max-body-bytes", String(most + 1), "--max-body-bytes-in-flight", String(most + 1))).toMatchObject({
    ok: false,
    message: expect.stringContaining("--max-body-bytes"),
  });
});

test("--env: keys and values within the contract's bounds", () => {
  const longKey = "K".repeat(LIMITS.envKeyChars + 1);
  expect(load("--env", `${"K".repeat(LIMITS.envKeyChars)}=1`).ok).toBe(true);
  expect(load("--env", `${longKey}=1`)).toMatchObject({
    ok: false,
    message: expect.stringContaining(`--env ${longKey}`),
  });
  expect(load("--env", `K=${"v".repeat(LIMITS.envValueBytes + 1)}`)).toMatchObject({
    ok: false,
    message: expect.stringContaining("--env K"),
  });
  expect(load("--env", "1ABC=1")).toMatchObject({ ok: false, message: expect.stringContaining("--env 1ABC") });
  const many = Array.from({ length: LIMITS.envEntries + 1 }, (_, i) => ["--env", `K${i}=1`]).flat();
  expect(load(...many)).toMatchObject({ ok: false, message: expect.stringContaining("--env") });
  const big = Array.from({ length: 70 }, (_, i) => ["--env", `K${i}=${"v".repeat(LIMITS.envValueBytes)}`]).flat();
  expect(load(...big)).toMatchObject({ ok: false, message: expect.stringContaining("at most 1048576 (1 MiB) in all") });
});
