// The body of PUT .../secrets/{key}: JSON {"value": "..."} when declared JSON, else the raw
// value as UTF-8 text. Read with a small cap (a value is at most 16384 characters), and no error
// message ever quotes any of it.
import { Value } from "@sinclair/typebox/value";
import { SECRET_LIMITS } from "../../core/contract";
import { ApiError } from "../errors";
import { readCapped } from "../json-body";
import { SecretValueBody } from "./model";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
/** A value's 16384 characters as JSON escapes (6 bytes each) and room for the braces. */
export const MAX_SECRET_BODY_BYTES = SECRET_LIMITS.valueChars * 6 + 1024;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export async function readSecretValue(request: Request): Promise<string> {
  const bytes = await readCapped(request, MAX_SECRET_BODY_BYTES, tooLarge);
  if (JSON_TYPE.test(request.headers.get("content-type") ?? "")) return fromJson(text(bytes));
  if (bytes.byteLength === 0)
    throw ApiError.invalid(
      "value",
      'the body is empty: send the value as the body, or JSON {"value": ""} for an empty value',
    );
  return checked(text(bytes));
}

function fromJson(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ApiError(
      400,
      "malformed_body",
      'the body is not JSON; send {"value": "..."}, or the raw value with another Content-Type',
    );
  }
  if (!Value.Check(SecretValueBody, parsed)) {
    const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
    const value = isObject ? (parsed as { value?: unknown }).value : undefined;
    if (typeof value === "string") checked(value);
    throw ApiError.invalid("value", 'send {"value": "<the value>"} and nothing else: a JSON object with one string');
  }
  return checked(parsed.value);
}

function checked(value: string): string {
  if (value.length > SECRET_LIMITS.valueChars)
    throw ApiError.invalid("value", `is ${value.length} characters; at most ${SECRET_LIMITS.valueChars}`);
  return value;
}

function text(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw ApiError.invalid("value", "is not UTF-8 text");
  }
}

const tooLarge = () =>
  new ApiError(
    413,
    "payload_too_large",
    `a secret's body is at most ${MAX_SECRET_BODY_BYTES} bytes (a value is at most ${SECRET_LIMITS.valueChars} characters)`,
  );
