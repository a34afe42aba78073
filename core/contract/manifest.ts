// The function manifest, `edgebase.toml`: what `edge build`, `edge dev` and `edge deploy` read
// (docs/cli.md). Its settings are the function record's own fields with the contract's schemas,
// so a manifest that validates here states a spec the control plane accepts; `module` and
// `[build]` are the CLI's. TOML has no null: an absent limit means the control plane's default.
import { Type, type Static } from "@sinclair/typebox";
import "./formats";
import { Entrypoint, Env, FunctionName, LIMITS, MaxExecutionMs, MemoryPages, Routes, Runtime } from "./records";

export const MANIFEST_FILE = "edgebase.toml";

export const ManifestBuild = Type.Object(
  {
    command: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: "Shell command (sh -c) run in the manifest's folder to build the module",
      }),
    ),
    watch: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
        maxItems: 64,
        description:
          "Globs of the sources, relative to the manifest: `edge dev` rebuilds when one changes, `edge deploy` when one is newer than the module",
      }),
    ),
  },
  { additionalProperties: false },
);

export const Manifest = Type.Object(
  {
    name: FunctionName,
    runtime: Type.Optional(Runtime),
    module: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: "Path of the built .wasm, relative to the manifest",
      error: "must be the path of the built .wasm, relative to edgebase.toml",
    }),
    entrypoint: Type.Optional(Entrypoint),
    routes: Type.Optional(Routes),
    memory_pages: Type.Optional(MemoryPages),
    max_execution_ms: Type.Optional(MaxExecutionMs),
    max_concurrency: Type.Optional(Type.Integer({ ...LIMITS.maxConcurrency, description: "See the function record" })),
    max_body_bytes: Type.Optional(Type.Integer({ ...LIMITS.maxBodyBytes, description: "See the function record" })),
    build: Type.Optional(ManifestBuild),
    env: Type.Optional(Env),
  },
  { additionalProperties: false, description: "edgebase.toml" },
);
export type Manifest = Static<typeof Manifest>;

/** The manifest's function settings as the body of `PUT /api/v1/functions/by-name/{name}`. */
export function manifestSpec(manifest: Manifest, runtime: NonNullable<Manifest["runtime"]>): Record<string, unknown> {
  const spec: Record<string, unknown> = { runtime, env: manifest.env ?? {} };
  for (const key of [
    "entrypoint",
    "routes",
    "memory_pages",
    "max_execution_ms",
    "max_concurrency",
    "max_body_bytes",
  ] as const)
    if (manifest[key] !== undefined) spec[key] = manifest[key];
  return spec;
}
