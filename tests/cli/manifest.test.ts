// edgebase.toml as the CLI reads it (cli/manifest/): the contract's schema, and every refusal
// naming the file, the key and its line, unknown keys included.
import { describe, expect, test } from "bun:test";
import { manifestSpec } from "../../core/contract/manifest";
import { parseManifest } from "../../cli/manifest/load-manifest";
import { lineOfKey } from "../../cli/manifest/toml-lines";

const VALID = `# a comment
name = "hello"
runtime = "wasi"
module = "build/hello.wasm"
routes = ["/hello", "/hello/*"]
memory_pages = 32
max_execution_ms = 1000
max_concurrency = 8
max_body_bytes = 65536

[build]
command = "sh build.sh"
watch = [
  "src/**/*.rs",
  "Cargo.toml",
]

[env]
GREETING = "hi"
`;

/** The refusal's message for `text`, or "accepted". */
function refusal(text: string): string {
  try {
    parseManifest(text, "edgebase.toml");
    return "accepted";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("a valid manifest", () => {
  test("parses to the settings, and states them whole as the PUT body", () => {
    const manifest = parseManifest(VALID);
    expect(manifest).toMatchObject({ name: "hello", build: { watch: ["src/**/*.rs", "Cargo.toml"] } });
    expect(manifestSpec(manifest, "wasi")).toEqual({
      runtime: "wasi",
      routes: ["/hello", "/hello/*"],
      memory_pages: 32,
      max_execution_ms: 1000,
      max_concurrency: 8,
      max_body_bytes: 65536,
      env: { GREETING: "hi" },
    });
  });

  test("only name and module are required; absent settings stay absent (the server's defaults), env is {}", () => {
    const manifest = parseManifest('name = "x"\nmodule = "x.wasm"\n');
    expect(manifestSpec(manifest, "wasm")).toEqual({ runtime: "wasm", env: {} });
  });
});

describe("unknown keys are errors naming the key and its line", () => {
  test("at the top, in [build], in [build] as an inline table, as a dotted key", () => {
    expect(refusal(VALID.replace("memory_pages = 32", "memory_page = 32"))).toBe(
      'edgebase.toml:6: unknown key "memory_page" (docs/cli.md lists the keys)',
    );
    expect(refusal(VALID.replace('command = "sh build.sh"', 'comand = "sh build.sh"'))).toStartWith(
      'edgebase.toml:12: unknown key "build.comand"',
    );
    expect(refusal('name = "x"\nmodule = "x.wasm"\nbuild = { command = "make", wach = ["*.c"] }\n')).toStartWith(
      'edgebase.toml:3: unknown key "build.wach"',
    );
    expect(refusal('name = "x"\nmodule = "x.wasm"\n\nbuild.shell = "bash"\n')).toStartWith(
      'edgebase.toml:4: unknown key "build.shell"',
    );
    expect(refusal(`${VALID}\n[deploy]\nregion = "eu"\n`)).toStartWith('edgebase.toml:21: unknown key "deploy"');
  });

  test("a key inside a multi-line array or string is not mistaken for one", () => {
    const text = 'name = "x"\nmodule = "x.wasm"\nnote = """\nname = 1\n"""\n';
    expect(refusal(text)).toStartWith('edgebase.toml:3: unknown key "note"');
    expect(lineOfKey('a = [\n  "b = 1",\n]\nb = 2\n', ["b"])).toBe(4);
  });
});

describe("invalid values name the key, its line and the contract's reason", () => {
  test("name, memory_pages, runtime, a route, an env name, a watch glob", () => {
    expect(refusal(VALID.replace('name = "hello"', 'name = "Hello"'))).toBe(
      "edgebase.toml:2: name: must be a lower-case slug: a-z, 0-9 and '-', starting with a letter or digit, at most 63 characters",
    );
    expect(refusal(VALID.replace("memory_pages = 32", "memory_pages = 20000"))).toBe(
      "edgebase.toml:6: memory_pages: Expected integer to be less or equal to 16384",
    );
    expect(refusal(VALID.replace('runtime = "wasi"', 'runtime = "wasix"'))).toStartWith(
      "edgebase.toml:3: runtime: must be wasm",
    );
    expect(refusal(VALID.replace('"/hello/*"]', '"hello/*"]'))).toStartWith(
      "edgebase.toml:5: routes.1: must be an absolute path",
    );
    expect(refusal(VALID.replace('GREETING = "hi"', '"1BAD" = "hi"'))).toStartWith("edgebase.toml:19: env.1BAD:");
    expect(refusal(VALID.replace('"Cargo.toml",', "3,"))).toStartWith("edgebase.toml:13: build.watch.1:");
  });

  test("a route no node could serve, a missing module, bad TOML", () => {
    expect(refusal(VALID.replace('"/hello/*"]', '"/healthz"]'))).toStartWith(
      "edgebase.toml:5: routes.1: /healthz is answered by every edge node",
    );
    expect(refusal('name = "x"\n')).toStartWith("edgebase.toml: module: must be the path of the built .wasm");
    expect(refusal('name = "x"\nmodule = \n')).toBe(
      "edgebase.toml:2: not valid TOML: Missing value after '='; values must be on the same line",
    );
    // After a multi-line array (a prefix cut inside it fails with another message).
    expect(refusal(`${VALID}what is this\n`)).toStartWith("edgebase.toml:20: not valid TOML: Expected '='");
  });
});
