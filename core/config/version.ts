// What `--version` prints for every program: the package's version and the Bun running it, on
// one line (e.g. `runner 0.1.0 (edgebase-functions; bun 1.4.5)`), so a bug report names both.
import packageJson from "../../package.json";

export function versionText(program: string): string {
  return `${program} ${packageJson.version} (${packageJson.name}; bun ${Bun.version})`;
}
