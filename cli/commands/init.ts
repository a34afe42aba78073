// `edge init [--template T] DIR`: a new function folder from a template (cli/init/templates.ts).
import { basename, resolve } from "node:path";
import { NAME_PATTERN } from "../../core/contract/records";
import { createFolder } from "../init/create-folder";
import { TEMPLATE_NAMES, TEMPLATES } from "../init/templates";
import { UsageError } from "../output/errors";
import type { Command } from "../command";

export const init: Command = {
  name: "init",
  args: "DIR",
  summary: "Make a new function folder: edgebase.toml, source, build script, README",
  details: `Templates: ${TEMPLATE_NAMES.map((name) => `${name} (${TEMPLATES[name]!.language})`).join(", ")}.
The function is named after DIR unless --name says otherwise.`,
  flags: {
    template: { type: "string", short: "t", help: `-t, --template T      ${TEMPLATE_NAMES.join("|")} (default as)` },
    name: { type: "string", help: "--name NAME           the function's name (default: DIR's name)" },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, out }) {
    const templateName = (values.template as string | undefined) ?? "as";
    const template = TEMPLATES[templateName];
    if (!template)
      throw new UsageError(`unknown template "${templateName}"; choose one of ${TEMPLATE_NAMES.join(", ")}`);
    const dir = resolve(positionals[0]!);
    const name = (values.name as string | undefined) ?? slug(basename(dir));
    if (!new RegExp(NAME_PATTERN).test(name))
      throw new UsageError(
        `"${name}" is not a function name (a-z, 0-9 and '-', starting with a letter or digit, at most 63): give --name`,
      );
    const files = createFolder(dir, templateName, template, name);
    out.result({ dir, name, template: templateName, files }, [
      `created ${dir}: function ${name}, ${template.language}`,
      ...files.map((file) => `  ${file}`),
      `next: edge build ${positionals[0]}, edge dev ${positionals[0]}, edge deploy ${positionals[0]}`,
    ]);
  },
};

/** A folder's name as a function name: lower case, other characters as '-'. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}
