// The request being handled. Every accessor asks the host again (no caching), so a
// function pays only for what it reads; keep a value in a local if it is read often.

import { Getter, getBytes, getString, utf8 } from "./buffers";

export namespace Request {
  /** "GET", "POST", ... */
  export function method(): string {
    return getString(Getter.Method)!;
  }

  /** Path and query as received, e.g. "/items?id=7". */
  export function uri(): string {
    return getString(Getter.Uri)!;
  }

  /** The uri up to the first "?". */
  export function path(): string {
    const uri = getString(Getter.Uri)!;
    const q = uri.indexOf("?");
    return q < 0 ? uri : uri.substring(0, q);
  }

  /** The raw query after the first "?", or "" when there is none. */
  export function query(): string {
    const uri = getString(Getter.Uri)!;
    const q = uri.indexOf("?");
    return q < 0 ? "" : uri.substring(q + 1);
  }

  /** A header by case-insensitive name, repeats joined by ", "; null when absent. */
  export function header(name: string): string | null {
    return getString(Getter.Header, utf8(name));
  }

  /** All headers by lower-case name, repeats joined by ", " as header() does. */
  export function headers(): Map<string, string> {
    const out = new Map<string, string>();
    const text = getString(Getter.Headers)!;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      const colon = text.indexOf(":", start);
      if (colon > start && colon < end) {
        const name = text.substring(start, colon);
        const value = text.substring(colon + 1, end).trimStart();
        out.set(name, out.has(name) ? out.get(name) + ", " + value : value);
      }
      start = end + 1;
    }
    return out;
  }

  /** The body bytes (empty when there is no body). */
  export function body(): Uint8Array {
    return Uint8Array.wrap(getBytes(Getter.Body)!);
  }

  /** The body decoded as UTF-8. */
  export function text(): string {
    return getString(Getter.Body)!;
  }
}
