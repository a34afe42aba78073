// Starts a real runner (Bun.serve on 127.0.0.1, port 0, real Workers) on given WASM bytes.
import { loadRunnerConfig, type RunnerConfig } from "../../runner/config";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger, type LogLevel } from "../../core/observe/log";
import { moduleSettings } from "../../runner/module-settings";
import { startRunner } from "../../runner/start-runner";

export interface TestRunner {
  url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * The pool is exactly `workers` big (no spares) unless a test asks for spares: tests count workers.
 * `write` receives the log lines instead of stdout.
 */
export async function startTestRunner(
  bytes: Uint8Array,
  overrides: Partial<RunnerConfig> = {},
  logLevel: LogLevel = "error",
  write?: (line: string) => void,
): Promise<TestRunner> {
  const loaded = loadRunnerConfig(
    [
      "test.wasm",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--workers",
      "2",
      "--spare-workers",
      "0",
      "--log-level",
      logLevel,
    ],
    {},
  );
  if (loaded.ok !== true) throw new Error(`test config: ${JSON.stringify(loaded)}`);
  const settled = moduleSettings({ ...loaded.config, ...overrides }, bytes);
  if (!settled.ok) throw new Error(`test module rejected: ${settled.code}: ${settled.message}`);
  const config = settled.config;
  const prepared = await compileArtifact(bytes, {
    memoryPages: config.memoryPages,
    entrypoint: config.entrypoint,
    runtime: config.runtime,
  });
  if (!prepared.ok) throw new Error(`test module rejected: ${prepared.code}: ${prepared.message}`);
  const runner = startRunner(config, prepared.artifact, createLogger(logLevel, {}, write));
  const url = `http://127.0.0.1:${runner.port}`;
  return {
    url,
    fetch: (path, init) => fetch(url + path, init),
    stop: () => runner.stop(),
  };
}
