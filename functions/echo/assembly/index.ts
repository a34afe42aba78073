// Shows the SDK and serves as a test fixture: the response body lists what the request
// carried, one "key: value" line each, followed by the request body as received.

import { Request, Response, log, env } from "../../sdk/assembly";

export function handle(): void {
  const method = Request.method();
  const uri = Request.uri();
  const echo = Request.header("x-echo");
  const greeting = env.get("GREETING");

  Response.status(200);
  Response.header("x-echo-function", "echo");
  Response.write("method: " + method + "\n");
  Response.write("uri: " + uri + "\n");
  Response.write("path: " + Request.path() + "\n");
  Response.write("query: " + Request.query() + "\n");
  if (echo !== null) Response.write("x-echo: " + echo + "\n");
  Response.write("greeting: " + (greeting !== null ? greeting : "(unset)") + "\n");
  Response.write("\n");
  Response.writeBytes(Request.body());

  log.info("echo " + method + " " + uri);
}
