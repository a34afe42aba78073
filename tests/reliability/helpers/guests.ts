// Guest modules for the reliability suite: its own hostile fixtures (tests/reliability/guests),
// the shared ones (tests/fixtures/guests) and the built samples (build/*.wasm).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { guest } from "../../helpers/guests";
import { wat } from "../../fixtures/wat";
import { REPO_ROOT } from "./processes";

const OWN = join(import.meta.dir, "..", "guests");

/** tests/reliability/guests/<name>.wat if there is one, else tests/fixtures/guests/<name>.wat. */
export function hostile(name: string): Uint8Array {
  const own = join(OWN, `${name}.wat`);
  return existsSync(own) ? wat(readFileSync(own, "utf8")) : guest(name);
}

/** build/<name>.wasm, built from functions/ by `bun install`. */
export function sample(name: "hello_world" | "echo"): Uint8Array {
  return new Uint8Array(readFileSync(join(REPO_ROOT, "build", `${name}.wasm`)));
}
