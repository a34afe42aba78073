// A WASI function's environment: the CGI/1.1 variables of its request (RFC 3875, with WAGI's
// X_FULL_URL, X_MATCHED_ROUTE and X_RAW_PATH_INFO), then the function's own env. Never the
// host's. Where names collide, the host's CGI variables win over the function's env, and the
// function's env over variables made from request headers: a client cannot set what the
// platform or the operator set.
import type { InvocationContext } from "../../invocation-context";
import { parseLines } from "../header-lines";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Request headers not passed as HTTP_*: the body's own (CONTENT_TYPE and CONTENT_LENGTH carry
 * them) and Proxy, whose HTTP_PROXY would tell HTTP clients in the guest to use a proxy the
 * caller chose ("httpoxy").
 */
const NOT_PASSED = new Set(["content-type", "content-length", "proxy"]);

export function cgiEnvironment(ctx: InvocationContext): Uint8Array[] {
  const { request, fn } = ctx;
  const meta = parseLines(request.cgi ? decoder.decode(request.cgi) : "", "=");
  const uri = decoder.decode(request.uri);
  const query = uri.indexOf("?");
  const rawPath = query < 0 ? uri : uri.slice(0, query);
  const scriptName = meta.get("SCRIPT_NAME") ?? "";
  const rawPathInfo = rawPath.startsWith(scriptName) ? rawPath.slice(scriptName.length) : rawPath;
  const headers = parseLines(decoder.decode(request.headers), ": ");
  const host = headers.get("host") ?? `${meta.get("SERVER_NAME") ?? "localhost"}:${meta.get("SERVER_PORT") ?? "80"}`;

  const vars = new Map<string, string>([
    ["GATEWAY_INTERFACE", "CGI/1.1"],
    ["SERVER_SOFTWARE", "EdgeBase"],
    ["REQUEST_METHOD", decoder.decode(request.method)],
    ["SCRIPT_NAME", scriptName],
    ["PATH_INFO", percentDecode(rawPathInfo)],
    ["X_RAW_PATH_INFO", rawPathInfo],
    ["QUERY_STRING", query < 0 ? "" : uri.slice(query + 1)],
    ["CONTENT_LENGTH", String(request.body?.byteLength ?? 0)],
    ["CONTENT_TYPE", headers.get("content-type") ?? ""],
    ["SERVER_NAME", meta.get("SERVER_NAME") ?? hostName(host)],
    ["SERVER_PORT", meta.get("SERVER_PORT") ?? "80"],
    ["SERVER_PROTOCOL", meta.get("SERVER_PROTOCOL") ?? "HTTP/1.1"],
    ["REMOTE_ADDR", meta.get("REMOTE_ADDR") ?? ""],
    ["REMOTE_HOST", meta.get("REMOTE_ADDR") ?? ""],
    ["X_FULL_URL", `http://${host}${uri}`],
    ["X_MATCHED_ROUTE", meta.get("X_MATCHED_ROUTE") ?? "/*"],
  ]);
  const fromHeaders = new Map<string, string>();
  for (const [name, value] of headers) {
    // Names with "_" are dropped (as nginx does): "x_user" and "x-user" would both be HTTP_X_USER,
    // so a client could pass one for the other past a proxy that checks the other.
    if (NOT_PASSED.has(name) || name.includes("_")) continue;
    fromHeaders.set(`HTTP_${name.toUpperCase().replaceAll("-", "_")}`, value);
  }
  const entries: Uint8Array[] = [];
  for (const [name, value] of vars) entries.push(encoder.encode(`${name}=${value}`));
  for (const [name, value] of fromHeaders) {
    if (!vars.has(name) && !Object.hasOwn(fn.env, name)) entries.push(encoder.encode(`${name}=${value}`));
  }
  for (const [name, entry] of encodedEnv(fn.env)) if (!vars.has(name)) entries.push(entry);
  return entries;
}

/** A function's env as environ entries, encoded once per loaded function (it may be 1 MiB). */
const encoded = new WeakMap<Readonly<Record<string, string>>, [string, Uint8Array][]>();

export function encodedEnv(env: Readonly<Record<string, string>>): [string, Uint8Array][] {
  let entries = encoded.get(env);
  if (!entries) {
    entries = Object.entries(env).map(([name, value]) => [name, encoder.encode(`${name}=${value}`)]);
    encoded.set(env, entries);
  }
  return entries;
}

function hostName(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1) || host;
  const colon = host.lastIndexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * %XX decoded as UTF-8; a malformed escape or sequence is kept as it was (not an error), and so
 * is %00: an environment entry ends at its first NUL, so a decoded one would cut PATH_INFO short
 * ("/admin%00.txt" read as "/admin"). A request target never holds a NUL of its own.
 */
function percentDecode(path: string): string {
  if (!path.includes("%")) return path;
  return decodeEscapes(path).replaceAll("\0", "%00");
}

function decodeEscapes(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
