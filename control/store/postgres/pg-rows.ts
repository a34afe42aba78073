// PostgreSQL hands BIGINT columns back as strings (they may pass 2^53); the values stored here
// (sizes, revisions) never do, so rows are made to look like the SQLite ones the shared
// rows.ts reads. Booleans come back as booleans.
const BIGINT_COLUMNS = ["size", "artifact_size", "change_revision", "applied_revision", "revision"] as const;

export function fromPg<T extends object>(row: T): T {
  const out = { ...row } as Record<string, unknown>;
  for (const column of BIGINT_COLUMNS) if (typeof out[column] === "string") out[column] = Number(out[column]);
  return out as T;
}
