// The systemd units in docs/deploy.md: `systemd-analyze verify` finds nothing to say about them
// (an unknown key or a bad value is only a warning there, so any output fails), and each
// ExecStart loads with its program's own configuration, its state in the unit's own directory
// and its tokens from the unit's credentials, never the command line.
import { beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/temp-dir";
import { loadCommand, stateDir, systemdUnits } from "./deploy-files";

let units: Map<string, string>;
beforeAll(async () => {
  units = await systemdUnits();
});

/** `Key=value` lines of a unit's [Service] section, by key (a key may repeat). */
function service(unit: string): Map<string, string[]> {
  const section = unit.slice(unit.indexOf("[Service]"), unit.indexOf("[Install]"));
  const keys = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const match = line.match(/^(\w+)=(.*)$/);
    if (match) keys.set(match[1]!, [...(keys.get(match[1]!) ?? []), match[2]!]);
  }
  return keys;
}

/** The unit as systemd fills in its specifiers: %i the instance, %H the host, %d the credentials' directory. */
const filled = (unit: string) =>
  unit.replaceAll("%i", "3000").replaceAll("%H", "host").replaceAll("%d", "/run/credentials/unit");

const execStart = (unit: string) => service(filled(unit)).get("ExecStart")![0]!.split(" ");

test("docs/deploy.md has a unit for the control plane and a template for edge nodes", () => {
  expect([...units.keys()]).toEqual(["edgebase-control.service", "edgebase-edge@.service"]);
});

test("systemd-analyze verify accepts both without a word", () => {
  const dir = tempDir("systemd-units-");
  for (const [name, unit] of units) {
    // Where bun is here; the units say /usr/local/bin/bun, which verify checks exists.
    expect(unit).toContain("ExecStart=/usr/local/bin/bun ");
    const path = join(dir, name);
    writeFileSync(path, unit.replace("ExecStart=/usr/local/bin/bun ", `ExecStart=${process.execPath} `));
    const verify = Bun.spawnSync(["systemd-analyze", "verify", path], { stdout: "pipe", stderr: "pipe" });
    const output = `${verify.stdout}${verify.stderr}`.trim();
    expect({ name, code: verify.exitCode, output }).toEqual({ name, code: 0, output: "" });
  }
});

test("each ExecStart loads with its program's configuration; state in the unit's own directory", () => {
  for (const [name, unit] of units) {
    const [bun, main, ...flags] = execStart(unit);
    expect(bun).toBe("/usr/local/bin/bun");
    const loaded = loadCommand([main!, ...flags]);
    expect(loaded.program).toBe(name.startsWith("edgebase-control") ? "control" : "edge");
    const keys = service(filled(unit));
    const [base, own] = (keys.get("StateDirectory") ?? keys.get("CacheDirectory"))![0]!.split(" ");
    const root = keys.has("StateDirectory") ? "/var/lib" : "/var/cache";
    expect(own).toBe(`${base}/${name.includes("@") ? "3000" : "control"}`);
    expect(stateDir(loaded)).toBe(`${root}/${own}`);
    expect(keys.get("User")).toEqual(["edgebase"]);
    expect(keys.get("WorkingDirectory")).toEqual(["/opt/edgebase"]);
  }
});

test("tokens come from the unit's credentials: every token flag names a file LoadCredential provides", () => {
  for (const [, unit] of units) {
    const argv = execStart(unit);
    const credentials = (service(filled(unit)).get("LoadCredential") ?? []).map((entry) => entry.split(":")[0]);
    const tokenArgs = argv.filter((arg) => /token/.test(arg));
    expect(tokenArgs.length).toBeGreaterThan(0);
    for (let i = 0; i < argv.length; i++) {
      if (!/token/.test(argv[i]!) || !argv[i]!.startsWith("--")) continue;
      expect(argv[i]).toMatch(/^--(read-)?token-file$/);
      const file = argv[i + 1]!;
      expect(file).toStartWith("/run/credentials/unit/");
      expect(credentials).toContain(file.slice("/run/credentials/unit/".length));
    }
    expect(tokenArgs.length % 2).toBe(0);
  }
});
