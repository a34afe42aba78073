// Reads a folder's edgebase.toml: Bun's TOML parser, then the contract's schema
// (core/contract/manifest.ts). Every refusal is one line naming the file, the key and its line:
// an unknown key is an error (a typo such as `memory_page` would otherwise be silently ignored).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { Manifest, MANIFEST_FILE } from "../../core/contract/manifest";
import { unservableRoute } from "../../core/contract/route-pattern";
import { envJsonBytes, LIMITS } from "../../core/contract/records";
import { Failure } from "../output/errors";
import { lineOfKey, syntaxErrorLine } from "./toml-lines";

export interface LoadedManifest {
  manifest: Manifest;
  /** The folder holding edgebase.toml; relative paths in it are from here. */
  dir: string;
  file: string;
  /** The module's absolute path. */
  modulePath: string;
}

/** The manifest of `target` (a folder, or an edgebase.toml), or a Failure naming what is wrong. */
export function loadManifest(target: string): LoadedManifest {
  const file = existsSync(target) && statSync(target).isDirectory() ? join(target, MANIFEST_FILE) : target;
  if (!existsSync(file)) throw new Failure(`no ${MANIFEST_FILE} in ${resolve(dirname(file))} (edge init makes one)`);
  const text = readFileSync(file, "utf8");
  const manifest = parseManifest(text, file);
  const dir = resolve(dirname(file));
  return { manifest, dir, file, modulePath: resolve(dir, manifest.module) };
}

/** The validated manifest in `text`; `file` names it in messages. */
export function parseManifest(text: string, file = MANIFEST_FILE): Manifest {
  let data: unknown;
  try {
    data = Bun.TOML.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const line = syntaxErrorLine(text, message);
    throw new Failure(
      `${file}${line ? `:${line}` : ""}: not valid TOML: ${message.replace(/^TOML Parse error:\s*/, "")}`,
    );
  }
  const at = (path: string[]) => {
    const line = lineOfKey(text, path);
    return `${file}${line ? `:${line}` : ""}`;
  };
  const unknown = unknownKeys(Manifest, data, []);
  if (unknown) throw new Failure(`${at(unknown)}: unknown key "${unknown.join(".")}" (docs/cli.md lists the keys)`);
  const first = Value.Errors(Manifest, data).First();
  if (first) {
    const path = first.path.split("/").slice(1);
    const reason = (first.schema as { error?: string }).error ?? first.message;
    const key = path.length > 0 ? path.join(".") : "the manifest";
    throw new Failure(`${at(path)}: ${key}: ${reason}`);
  }
  const manifest = data as Manifest;
  const bad = (manifest.routes ?? []).findIndex((route) => unservableRoute(route) !== null);
  if (bad >= 0) {
    const route = manifest.routes![bad]!;
    throw new Failure(`${at(["routes"])}: routes.${bad}: ${route} ${unservableRoute(route)}`);
  }
  if (manifest.env && envJsonBytes(manifest.env) > LIMITS.envJsonBytes)
    throw new Failure(`${at(["env"])}: env: ${envJsonBytes(manifest.env)} bytes as JSON, over the 1 MiB limit`);
  return manifest;
}

/** The path of the first key `schema` does not declare (object schemas with fixed properties only). */
function unknownKeys(schema: TSchema, value: unknown, path: string[]): string[] | null {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!properties || typeof value !== "object" || value === null || Array.isArray(value)) return null;
  for (const [key, inner] of Object.entries(value)) {
    const declared = properties[key];
    if (!declared) return [...path, key];
    const deeper = unknownKeys(declared, inner, [...path, key]);
    if (deeper) return deeper;
  }
  return null;
}
