// What a guest's response headers may be, for both ABIs: the edge ABI's response_header
// (response.ts) and a WASI function's CGI output (wasi/cgi-response.ts) follow the same rules.

/** A header name: an HTTP token (RFC 9110 tchar), at least one. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A value may hold visible ASCII, spaces, tabs and obs-text; no other control character
// (CR and LF would split the header, the rest make clients reject the whole response).
export const FORBIDDEN_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Framing headers belong to the runner; a guest setting them would corrupt the response. */
export const MANAGED = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "trailer",
]);
/** Response headers are bounded like the body, so a guest cannot grow them without limit. */
export const MAX_HEADERS = 100;
export const MAX_HEADER_BYTES = 64 * 1024;
