// A compiled artifact as the pool loads it (runner/sandbox/protocol.ts), for tests that drive a
// WorkerPool directly: entrypoint "handle", no env, 1 MiB responses, 10 log lines of 1 KiB.
import type { CompiledArtifact } from "../../core/module/compile-module";
import type { LoadedFunction } from "../../runner/sandbox/protocol";

export function loadedFunction(
  key: string,
  artifact: CompiledArtifact,
  options: { maxExecutionMs?: number; maxConcurrency?: number } = {},
): LoadedFunction {
  return {
    key,
    name: key,
    module: artifact.module,
    entrypoint: "handle",
    memory: artifact.memory,
    reusable: artifact.reusable,
    env: {},
    maxConcurrency: options.maxConcurrency,
    limits: {
      maxExecutionMs: options.maxExecutionMs ?? 5000,
      maxResponseBytes: 1 << 20,
      maxLogLines: 10,
      maxLogLineBytes: 1024,
    },
  };
}
