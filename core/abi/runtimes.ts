// The two kinds of guest a function can be: which ABI its module is written against.
// wasm: the edge v1 ABI (edge-v1.ts), called at an export per request; wasi: a WASI preview 1
// command (wasi-preview1.ts), run from `_start` per request as a CGI program (docs/wasi.md).
export const RUNTIMES = ["wasm", "wasi"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
