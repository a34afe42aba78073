// The body of PUT .../secrets/{key}: JSON {"value": "..."} when declared JSON, else the raw
// value as UTF-8 text. Read with a small cap (a value is at most 16384 characters), and no error
// message ever quotes any of it.
import { Value } from "@sinclair/typebox/value";
import { SECRET_LIMITS } from "../../core/contract";
import { ApiError } from "../errors";
import { SecretValueBody } from "./model";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
/** A value's 16384 characters as JSON escapes (6 bytes each) and room for the braces. */
export const MAX_SECRET_BODY_BYTES = SECRET_LIMITS.valueChars * 6 + 1024;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export async function readSecretValue(request: Request): Promise<string> {
  const bytes = await readCapped(request);
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

async function readCapped(request: Request): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_SECRET_BODY_BYTES) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_SECRET_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
