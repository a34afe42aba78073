// Checks a built module the way the control plane checks an upload: the runner's pipeline
// (core/pipeline prepareModule, engine validation included) under the manifest's runtime,
// entrypoint and memory cap, so a module it refuses is seen before anything is sent. A
// manifest without `runtime` takes the one the module is built for, as single-file mode does.
import { RUNTIME_DEFAULTS, type RuntimeName } from "../../core/contract/records";
import type { Manifest } from "../../core/contract/manifest";
import { sha256Hex } from "../../core/module/sha256";
import { detectRuntime, prepareModule } from "../../core/pipeline";
import { Failure } from "../output/errors";

export interface ModuleReport {
  size: number;
  sha256: string;
  runtime: RuntimeName;
  /** Whether the runtime came from the module rather than the manifest. */
  runtimeDetected: boolean;
  entrypoint: string;
  memory: { minPages: number; capPages: number };
  imports: string[];
}

export function checkModule(bytes: Uint8Array, manifest: Manifest): ModuleReport {
  const detected = detectRuntime(bytes, manifest.entrypoint ?? RUNTIME_DEFAULTS.wasm.entrypoint);
  const runtime = manifest.runtime ?? ("runtime" in detected ? detected.runtime : "wasm");
  const entrypoint = manifest.entrypoint ?? RUNTIME_DEFAULTS[runtime].entrypoint;
  const capPages = manifest.memory_pages ?? RUNTIME_DEFAULTS[runtime].memory_pages;
  const result = prepareModule(bytes, { memoryPages: capPages, entrypoint, runtime });
  if (!result.ok)
    throw new Failure(`module rejected: ${result.rejection.code}: ${result.rejection.message}`, result.rejection.code);
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`);
  return {
    size: bytes.byteLength,
    sha256: sha256Hex(bytes),
    runtime,
    runtimeDetected: manifest.runtime === undefined,
    entrypoint,
    memory: { minPages: result.memory.minPages, capPages },
    imports,
  };
}

/** The report as lines for a person. */
export function describeModule(path: string, report: ModuleReport): string[] {
  const { minPages, capPages } = report.memory;
  const kib = (pages: number) => `${(pages * 64).toLocaleString("en")} KiB`;
  return [
    `module      ${path} (${report.size} bytes, sha256 ${report.sha256.slice(0, 16)}...)`,
    `runtime     ${report.runtime}${report.runtimeDetected ? " (detected from the module; set runtime in edgebase.toml to pin it)" : ""}`,
    `entrypoint  ${report.entrypoint}`,
    `memory      ${minPages} page(s) at start (${kib(minPages)}), capped at ${capPages} (${kib(capPages)})`,
    `imports     ${report.imports.length === 0 ? "(none)" : report.imports.join(", ")}`,
    "accepted    by the pipeline the control plane checks uploads with",
  ];
}
