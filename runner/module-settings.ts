// Single-module mode's runtime, entrypoint and memory cap: each as the flags give it, else read
// from the module (a WASI command exports _start and is run as CGI; anything else is an edge
// ABI module) and the runtime's defaults (core/contract RUNTIME_DEFAULTS).
import type { RuntimeName } from "../core/abi/runtimes";
import { RUNTIME_DEFAULTS } from "../core/contract";
import { detectRuntime } from "../core/pipeline";
import type { RunnerConfig } from "./config";

export interface ModuleSettings {
  runtime: RuntimeName;
  entrypoint: string;
  memoryPages: number;
}

/** A runner config with the module's settings decided. */
export type ServedConfig = RunnerConfig & ModuleSettings;

export function moduleSettings(
  config: RunnerConfig,
  bytes: Uint8Array,
): { ok: true; config: ServedConfig } | { ok: false; code: string; message: string } {
  let runtime = config.runtime;
  if (!runtime) {
    const detected = detectRuntime(bytes, config.entrypoint ?? RUNTIME_DEFAULTS.wasm.entrypoint);
    if ("reason" in detected)
      return {
        ok: false,
        code: "missing_entrypoint",
        message: `${detected.reason}; export one, or name the runtime and export with --runtime and --entrypoint`,
      };
    runtime = detected.runtime;
  }
  const defaults = RUNTIME_DEFAULTS[runtime];
  return {
    ok: true,
    config: {
      ...config,
      runtime,
      entrypoint: config.entrypoint ?? defaults.entrypoint,
      memoryPages: config.memoryPages ?? defaults.memory_pages,
    },
  };
}
