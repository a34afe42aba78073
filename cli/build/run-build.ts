// Runs a manifest's [build] command: `sh -c COMMAND` in the manifest's folder, its output passed
// through to our stderr as it comes (stdout stays the result's, for --json), its last line kept
// so a failure's one-line reason is the toolchain's own ("no rustc with a WASI target...").
import { dirname } from "node:path";
import { Failure } from "../output/errors";
import type { LoadedManifest } from "../manifest/load-manifest";

/** The repository's pinned AssemblyScript compiler, lent to the AssemblyScript template's build.ts. */
function lentCompiler(): Record<string, string> {
  try {
    return { EDGEBASE_ASC: Bun.resolveSync("assemblyscript/asc", import.meta.dir) };
  } catch {
    return {};
  }
}

export interface BuildRun {
  command: string;
  ms: number;
}

export async function runBuild(
  loaded: LoadedManifest,
  env: Record<string, string | undefined>,
  write: (text: string) => void = (text) => process.stderr.write(text),
): Promise<BuildRun | null> {
  const command = loaded.manifest.build?.command;
  if (!command) return null;
  const started = performance.now();
  // The bun running us comes first on PATH, so a build command's `bun` is this one.
  const path = `${dirname(process.execPath)}:${env.PATH ?? "/usr/bin:/bin"}`;
  const child = Bun.spawn(["sh", "-c", command], {
    cwd: loaded.dir,
    env: { ...env, ...lentCompiler(), PATH: path },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let last = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      write(text);
      const lines = text.split("\n").filter((line) => line.trim() !== "");
      if (lines.length > 0) last = lines[lines.length - 1]!.trim();
    }
  };
  const [code] = await Promise.all([child.exited, pump(child.stdout), pump(child.stderr)]);
  if (code !== 0)
    throw new Failure(`build failed: \`${command}\` exited with ${code}${last ? `: ${last}` : ""}`, "build_failed");
  return { command, ms: Math.round(performance.now() - started) };
}
