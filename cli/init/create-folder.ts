// Writes a template into a new folder (cli/init/templates.ts). The folder must be new or
// empty, so init never overwrites anyone's work.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import packageJson from "../../package.json";
import { Failure } from "../output/errors";
import { REPO_ROOT, TEMPLATE_DIR, type Template } from "./templates";

/** Writes `template` for function `name` into `dir`; returns the files written, relative to it. */
export function createFolder(dir: string, templateName: string, template: Template, name: string): string[] {
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
    throw new Failure(`${dir} exists and is not an empty folder; choose a new one`, "exists");
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [source, target] of template.copies) {
    const from = join(REPO_ROOT, source);
    mkdirSync(dirname(join(dir, target)), { recursive: true });
    cpSync(from, join(dir, target), { recursive: true, preserveTimestamps: false });
    written.push(statSync(from).isDirectory() ? `${target}/` : target);
  }
  for (const [file, search, replacement] of template.rewrites ?? []) {
    const text = readFileSync(join(dir, file), "utf8");
    // The source changed under the template: fail loudly rather than write a broken function.
    if (!text.includes(search)) throw new Error(`template ${templateName}: ${file} no longer contains ${search}`);
    writeFileSync(join(dir, file), text.replaceAll(search, replacement));
  }
  for (const [source, target] of template.own) {
    const text = readFileSync(join(TEMPLATE_DIR, templateName, source), "utf8");
    writeFileSync(join(dir, target), text.replaceAll("{{name}}", name));
    written.push(target);
  }
  for (const script of written.filter((file) => file.endsWith(".sh"))) chmodSync(join(dir, script), 0o755);
  if (templateName === "as") {
    writeFileSync(join(dir, "package.json"), `${JSON.stringify(asPackage(name), null, 2)}\n`);
    written.push("package.json");
  }
  return written;
}

/** The AssemblyScript template's package.json: the compiler at the version this checkout pins. */
function asPackage(name: string) {
  return {
    name,
    private: true,
    type: "module",
    scripts: { build: `bun --no-install build.ts build/${name}.wasm` },
    devDependencies: { assemblyscript: packageJson.devDependencies.assemblyscript },
  };
}
