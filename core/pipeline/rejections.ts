// Every way the pipeline can refuse a module, with its message, in one table, so the
// runner's responses, logs and metrics all name a rejection the same way.

/** Every rejection code, for metric labels and exhaustive tables elsewhere. */
export const REJECTION_CODES = [
  "not_wasm",
  "truncated",
  "malformed",
  "unsupported_section",
  "unsupported_opcode",
  "unsupported_type",
  "invalid_module",
  "multiple_memories",
  "shared_memory",
  "memory64",
  "missing_entrypoint",
  "entrypoint_not_function",
  "entrypoint_has_params",
  "runtime_mismatch",
  "forbidden_imports",
  "import_signature_mismatch",
  "memory_too_large",
  "table_too_large",
  "internal",
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  readonly code: RejectionCode;
  /** One line: what is wrong and how to fix it. */
  readonly message: string;
}

export interface SignatureMismatch {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
}

/** What each code's message is built from. */
export interface RejectionDetails {
  not_wasm: { found: string };
  truncated: { what: string; offset: number };
  malformed: { what: string; offset: number };
  unsupported_section: { section: string; feature: string; offset: number };
  unsupported_opcode: { opcode: string; feature: string; hint: string; where: string; offset: number };
  unsupported_type: { type: string; where: string; offset: number };
  invalid_module: { engine: string };
  multiple_memories: { imported: number; defined: number };
  shared_memory: { where: string };
  memory64: { where: string };
  missing_entrypoint: { entrypoint: string; exportedFunctions: readonly string[]; wasi: boolean };
  entrypoint_not_function: { entrypoint: string; kind: string };
  entrypoint_has_params: { entrypoint: string; signature: string };
  runtime_mismatch: { found: string; runtime: string; use: string };
  forbidden_imports: { imports: readonly string[]; allowed: string; hints: readonly string[] };
  import_signature_mismatch: { mismatches: readonly SignatureMismatch[] };
  memory_too_large: { minPages: number; capPages: number };
  table_too_large: { what: string; limit: number };
  internal: { detail: string };
}

const PAGE_BYTES = 65536;
const mib = (pages: number): string => `${(Math.round((pages * PAGE_BYTES * 100) / 1048576) / 100).toString()} MiB`;
const hex = (offset: number): string => `0x${offset.toString(16)}`;
const list = (names: readonly string[]): string => (names.length === 0 ? "none" : names.join(", "));
const SUPPORTED =
  "MVP, SIMD (incl. relaxed), threads/atomics, bulk memory, reference types, tail calls, sign-extension, saturating conversions, multi-value";

const MESSAGES: { [C in RejectionCode]: (d: RejectionDetails[C]) => string } = {
  not_wasm: (d) =>
    `not a WebAssembly module (${d.found}); upload the compiled .wasm binary (a core module, version 1), not source, text format or a component`,
  truncated: (d) =>
    `module is truncated: ${d.what} ends early at byte offset ${hex(d.offset)}; the upload was cut short, upload the complete .wasm file`,
  malformed: (d) =>
    `module is malformed: ${d.what} at byte offset ${hex(d.offset)}; rebuild it with a standard toolchain`,
  unsupported_section: (d) =>
    `unsupported ${d.section} at byte offset ${hex(d.offset)}: ${d.feature} is not supported; supported features: ${SUPPORTED}`,
  unsupported_opcode: (d) =>
    `unsupported opcode ${d.opcode} (${d.feature}) in ${d.where} at byte offset ${hex(d.offset)}; ${d.hint}`,
  unsupported_type: (d) =>
    `unsupported value type ${d.type} in ${d.where} at byte offset ${hex(d.offset)}; only i32, i64, f32, f64, v128, funcref and externref are supported (no GC or typed function references)`,
  invalid_module: (d) =>
    `module does not validate: ${d.engine}; fix the toolchain output (the engine's reason is quoted)`,
  multiple_memories: (d) =>
    `module has ${d.imported + d.defined} memories (${d.imported} imported, ${d.defined} defined) but at most one is allowed; build without multi-memory`,
  shared_memory: (d) =>
    `${d.where} is shared (threads); functions get one unshared memory: build without shared memory (no -pthread / +atomics linking with --shared-memory)`,
  memory64: (d) => `${d.where} is a 64-bit memory (memory64); build for wasm32`,
  missing_entrypoint: (d) =>
    d.wasi
      ? `module does not export the entrypoint function "${d.entrypoint}" (exported functions: ${list(d.exportedFunctions)}); a WASI function is a command: build a program with a main function (a binary, not a library or reactor), or configure the entrypoint name`
      : `module does not export the entrypoint function "${d.entrypoint}" (exported functions: ${list(d.exportedFunctions)}); export it (e.g. #[no_mangle] pub extern "C" fn ${d.entrypoint}() in Rust, export function ${d.entrypoint}() in AssemblyScript) or configure the entrypoint name`,
  entrypoint_not_function: (d) =>
    `export "${d.entrypoint}" is a ${d.kind}, not a function; export a function named "${d.entrypoint}"`,
  entrypoint_has_params: (d) =>
    `entrypoint "${d.entrypoint}" has signature ${d.signature} but must take no parameters (read the request through the edge imports instead)`,
  runtime_mismatch: (d) =>
    `module is ${d.found}, but the function's runtime is ${d.runtime}: register the function with runtime ${d.use}${d.use === "wasi" ? " (WASI preview 1 programs run as CGI, see docs/wasi.md)" : ""}, or rebuild the module for runtime ${d.runtime}`,
  forbidden_imports: (d) =>
    `module imports ${list(d.imports)}, which ${d.imports.length === 1 ? "is" : "are"} not available; only ${d.allowed} can be imported: remove ${d.imports.length === 1 ? "that import" : "those imports"}${d.hints.length > 0 ? ` (${d.hints.join("; ")})` : ""}`,
  import_signature_mismatch: (d) =>
    `wrong signature for ${d.mismatches.map((m) => `${m.name}: expected ${m.expected}, module imports ${m.actual}`).join("; ")}; declare the imports exactly as the edge v1 ABI does`,
  memory_too_large: (d) =>
    `memory minimum is ${d.minPages} pages (${mib(d.minPages)}) but this function allows ${d.capPages} (${mib(d.capPages)}); a default Rust build reserves a 1 MiB stack: link with -C link-arg=-zstack-size=65536 (or raise memory_pages); for C/clang link with -Wl,-z,stack-size=65536; for AssemblyScript lower --initialMemory`,
  table_too_large: (d) =>
    `${d.what}, over the limit of ${d.limit}; tables are capped like memory so one invocation cannot exhaust the runner: use fewer or smaller tables`,
  internal: (d) => `internal pipeline error: ${d.detail}; this is a platform bug, please report it with the module`,
};

export function rejection<C extends RejectionCode>(code: C, details: RejectionDetails[C]): Rejection {
  const message = MESSAGES[code](details).replace(/\s+/g, " ").trim();
  return { code, message };
}

/** Thrown inside the pipeline only; prepareModule turns it into its result. */
export class PipelineRejection extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

export function reject<C extends RejectionCode>(code: C, details: RejectionDetails[C]): never {
  throw new PipelineRejection(rejection(code, details));
}
