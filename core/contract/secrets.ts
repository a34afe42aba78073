// Function secrets as they cross between programs: the names and times the API answers (never a
// value), and the values an edge node receives on the watch stream, the only place they travel.
// A secret is env the API never shows: keys follow the env key pattern, values and totals the
// env's bounds, and a function's secret and env names never overlap (the guest sees both as env).
import { Type, type Static } from "@sinclair/typebox";
import { ENV_KEY_PATTERN, LIMITS, Timestamp } from "./records";

/** One secret's value at most (UTF-16 units, as env values); all of a function's as JSON (UTF-8) at most. */
export const SECRET_LIMITS = {
  entries: LIMITS.envEntries,
  valueChars: LIMITS.envValueBytes,
  jsonBytes: LIMITS.envJsonBytes,
} as const;

export const SecretKey = Type.String({
  pattern: ENV_KEY_PATTERN,
  description: "The secret's name: letters, digits and '_', not starting with a digit, at most 128 characters",
  error: "must be letters, digits and '_', not starting with a digit, at most 128 characters",
});

export const SecretInfo = Type.Object(
  {
    key: Type.String({ description: "The secret's name (the guest reads it like an env variable)" }),
    updated_at: Timestamp,
  },
  { additionalProperties: false, description: "A secret's name and when it was last set; its value is never returned" },
);
export type SecretInfo = Static<typeof SecretInfo>;

export const SecretList = Type.Object(
  { secrets: Type.Array(SecretInfo, { description: "By name" }) },
  { additionalProperties: false },
);
export type SecretList = Static<typeof SecretList>;

/** The values, by name: only in watch messages to edge nodes (DeployedFunction.secrets). */
export const SecretValues = Type.Record(
  Type.String({ pattern: ENV_KEY_PATTERN }),
  Type.String({ maxLength: SECRET_LIMITS.valueChars }),
  { additionalProperties: false, maxProperties: SECRET_LIMITS.entries },
);
export type SecretValues = Static<typeof SecretValues>;

/** Bytes one entry adds to the secrets' JSON text (`"KEY":"value"`, UTF-8); the whole is 2 + sum + commas. */
export function secretEntryBytes(key: string, value: string): number {
  return Buffer.byteLength(JSON.stringify(key)) + 1 + Buffer.byteLength(JSON.stringify(value));
}
