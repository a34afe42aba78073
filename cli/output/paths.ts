// Paths as a person reads them: relative to the current folder when inside it, else absolute.
import { isAbsolute, relative } from "node:path";

export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
