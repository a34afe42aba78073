// A WASI function's stdout as an HTTP response (CGI/1.1, RFC 3875 section 6): header lines
// ending in LF or CRLF, a blank line, then the body. `Status: 404 Not Found` (or `Status: 404`)
// sets the status; `Location` without a Status is a 302; Content-Type is passed on (text/plain
// when a body has none); other headers follow the edge ABI's rules (valid names, no control
// characters, 200..599, framing headers are the runner's). Anything else is not a response.
import type { GuestResponse } from "../../protocol";
import { FORBIDDEN_VALUE, MANAGED, MAX_HEADERS, TOKEN } from "../header-rules";

const LF = 0x0a;

export type CgiResult = { ok: true; response: GuestResponse } | { ok: false; tooLarge: boolean; reason: string };

const HOW = "a CGI response is header lines (e.g. Content-Type: text/plain), a blank line, then the body";

function invalid(reason: string): CgiResult {
  return { ok: false, tooLarge: false, reason: `${reason}; ${HOW}` };
}

/** `headerLimit`: bytes the header block may take; `bodyLimit`: bytes the body may take. */
export function cgiResponse(output: Uint8Array | null, headerLimit: number, bodyLimit: number): CgiResult {
  if (!output || output.byteLength === 0) return invalid("the function wrote nothing to stdout");
  const headers: [string, string][] = [];
  let status: number | null = null;
  let location = false;
  let hasType = false;
  let at = 0;
  for (let line = 1; ; line++) {
    const end = output.indexOf(LF, at);
    if (end < 0 || end > headerLimit)
      return end < 0 && output.byteLength <= headerLimit
        ? invalid(`no blank line after the header lines (${line === 1 ? "no line ends" : `${line - 1} lines`})`)
        : { ok: false, tooLarge: true, reason: `CGI header lines over ${headerLimit} bytes` };
    const stop = end > at && output[end - 1] === 0x0d ? end - 1 : end;
    const text = Buffer.from(output.subarray(at, stop)).toString("latin1");
    at = end + 1;
    if (text.length === 0) {
      if (line === 1) return invalid("the output starts with a blank line: there are no header lines");
      break;
    }
    const colon = text.indexOf(":");
    const name = colon > 0 ? text.slice(0, colon) : "";
    if (!TOKEN.test(name)) return invalid(`line ${line} is not a header line (${JSON.stringify(text.slice(0, 64))})`);
    const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (FORBIDDEN_VALUE.test(value))
      return invalid(`the value of header "${name}" on line ${line} contains a control character`);
    const lower = name.toLowerCase();
    if (lower === "status") {
      if (status !== null) return invalid(`Status is given twice (line ${line})`);
      const match = /^([0-9]{3})(?:[ \t].*)?$/.exec(value);
      const code = match ? Number(match[1]) : 0;
      if (code < 200 || code > 599)
        return invalid(`Status ${JSON.stringify(value.slice(0, 32))} on line ${line} is not a status from 200 to 599`);
      status = code;
      continue;
    }
    if (MANAGED.has(lower)) continue;
    if (lower === "location") location = true;
    if (lower === "content-type") hasType = true;
    if (headers.length >= MAX_HEADERS)
      return { ok: false, tooLarge: true, reason: `more than ${MAX_HEADERS} CGI header lines` };
    headers.push([lower, value]);
  }
  const bodyBytes = output.byteLength - at;
  if (bodyBytes > bodyLimit) return { ok: false, tooLarge: true, reason: `response body over ${bodyLimit} bytes` };
  const body = bodyBytes > 0 ? output.subarray(at) : null;
  let lines = "";
  for (const [name, value] of headers) lines += `${name}: ${value}\n`;
  if (body && !hasType) lines += "content-type: text/plain; charset=utf-8\n";
  return { ok: true, response: { status: status ?? (location ? 302 : 200), headers: lines, body } };
}
