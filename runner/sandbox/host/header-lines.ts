// A block of "name<separator>value" lines as a map, repeated names joined with ", " (RFC 9110
// 5.3, RFC 3875 4.1.18): the request's header block ("name: value\n", lower-case names, see
// wire.ts) for the edge ABI's request_header and WASI's HTTP_* variables, and the CGI meta lines.
export function parseLines(text: string, separator: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf(separator);
    if (at <= 0) continue;
    const name = line.slice(0, at);
    const value = line.slice(at + separator.length);
    const prior = map.get(name);
    map.set(name, prior === undefined ? value : `${prior}, ${value}`);
  }
  return map;
}
