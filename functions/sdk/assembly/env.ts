// The function's configured environment variables (set at deploy time, not the host's).

import { Getter, getString, utf8 } from "./buffers";

export namespace env {
  /** The variable's value, or null when it is not set. */
  export function get(name: string): string | null {
    return getString(Getter.Env, utf8(name));
  }
}
