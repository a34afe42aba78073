// The templates of `edge init`. A template's sources are the repository's own examples and SDK,
// copied as they are (functions/examples/*, functions/sdk, functions/hello-world), so a template
// builds exactly what the examples build and the tests of those examples cover it too; what only
// a template has (edgebase.toml, README.md, .gitignore, the AssemblyScript build script) is in
// cli/templates/<template>/, with {{name}} for the function's name.
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dir, "..", "..");
export const TEMPLATE_DIR = join(REPO_ROOT, "cli", "templates");

export interface Template {
  language: string;
  /** [source, destination]: a file or a whole folder, from the repository root to the new folder. */
  copies: readonly (readonly [string, string])[];
  /** Files of cli/templates/<name>/ and where they go; {{name}} is replaced. */
  own: readonly (readonly [string, string])[];
  /** Text replacements in copied files: [destination, from, to]; `from` must be there. */
  rewrites?: readonly (readonly [string, string, string])[];
}

const OWN = [
  ["edgebase.toml", "edgebase.toml"],
  ["README.md", "README.md"],
  ["gitignore", ".gitignore"],
] as const;
const example = (name: string, files: readonly string[]) =>
  files.map((file) => [`functions/examples/${name}/${file}`, file] as const);

export const TEMPLATES: Record<string, Template> = {
  as: {
    language: "AssemblyScript (edge v1 ABI)",
    copies: [
      ["functions/hello-world/assembly/index.ts", "assembly/index.ts"],
      ["functions/sdk", "sdk"],
    ],
    own: [...OWN, ["build.ts", "build.ts"]],
    // The function sits one folder closer to the SDK than in the repository.
    rewrites: [["assembly/index.ts", '"../../sdk/assembly"', '"../sdk/assembly"']],
  },
  rust: {
    language: "Rust (edge v1 ABI, no_std)",
    copies: example("rust-hello", ["src/lib.rs", "Cargo.toml", "build.sh"]),
    own: OWN,
  },
  "rust-wasi": {
    language: "Rust (WASI, served as CGI)",
    copies: example("rust-wagi", ["src/main.rs", "build.sh"]),
    own: OWN,
  },
  "c-wasi": {
    language: "C (WASI with wasi-libc, served as CGI)",
    copies: example("c-wagi", ["wagi.c", "build.sh"]),
    own: OWN,
  },
  c: {
    language: "C (edge v1 ABI, no libc)",
    copies: example("c-hello", ["hello.c", "build.sh"]),
    own: OWN,
  },
};

export const TEMPLATE_NAMES = Object.keys(TEMPLATES);
