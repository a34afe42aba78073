// A function record's ETag: a SHA-256 of every field in a fixed order, so it changes whenever the
// record does (a changed updated_at included) and is the same for the same record, however it was
// read. The store compares it inside a write's transaction (If-Match); the API sends it.
import type { FunctionRecord } from "../../core/contract";
import { sha256Hex } from "../../core/module/sha256";

/** The strong ETag, quoted: `"<32 hex digits>"`. */
export function functionEtag(fn: FunctionRecord): string {
  const fields = [
    fn.id,
    fn.name,
    fn.entrypoint,
    fn.runtime,
    fn.memory_pages,
    fn.max_execution_ms,
    fn.max_concurrency ?? null,
    fn.max_body_bytes ?? null,
    fn.env,
    fn.routes,
    fn.active_version,
    fn.created_at,
    fn.updated_at,
  ];
  return `"${sha256Hex(JSON.stringify(fields)).slice(0, 32)}"`;
}
