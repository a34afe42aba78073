// Hostile requests for the control-plane API fuzz: a fixed list of known attacks (malformed JSON,
// wrong types, huge strings, path traversal, NUL, wrong content types, broken multipart, bombs of
// repeated bytes) and seeded random ones built from the same pools. Every case is invalid by
// construction, so the only right answer is a 4xx; `parser` marks requests that are not valid
// HTTP, which Bun's own parser refuses before the control plane sees them.
import type { ApiCase } from "./api-cases/pools";
import { jsonBodyCases } from "./api-cases/json-bodies";
import { pathCases } from "./api-cases/paths";
import { uploadCases } from "./api-cases/uploads";

export type { ApiCase } from "./api-cases/pools";
export { randomCases } from "./api-cases/random";

/** The fixed list, against function `id` (which exists, with version 1). */
export function knownCases(id: string): ApiCase[] {
  return [...jsonBodyCases(id), ...pathCases(id), ...uploadCases(id)];
}
