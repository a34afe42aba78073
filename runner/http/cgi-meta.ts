// What a WASI function's CGI variables need that only the HTTP side knows: which route matched
// (SCRIPT_NAME, X_MATCHED_ROUTE), the client's address and the port it reached. Sent to the
// worker as "NAME=value\n" lines (RequestParts.cgi); the worker makes the rest from the request
// (runner/sandbox/host/wasi/cgi-environment.ts). Edge ABI functions never pay for it.
import { matchedRoute, scriptNameOf } from "../../core/contract";
import type { Connections } from "./connection";

/** Every path, in single-module mode. */
const ALL = "/*";

export function cgiMeta(
  request: Request,
  routes: readonly string[] | undefined,
  path: string,
  server: Connections,
): string {
  const route = (routes ? matchedRoute(routes, path) : null) ?? ALL;
  const remote = server.requestIP?.(request)?.address ?? "";
  const port = server.port ?? "";
  // Values are the server's own or a route pattern: none holds a newline.
  return `SCRIPT_NAME=${scriptNameOf(route)}\nX_MATCHED_ROUTE=${route}\nREMOTE_ADDR=${remote}\nSERVER_PORT=${port}\nSERVER_PROTOCOL=HTTP/1.1\n`;
}
