// Receiving an upload's module into a staged artifact, as a stream, within the size limit: from a
// multipart form (the `file` field, and an optional `sha256` field) or as the raw body
// (Content-Type: application/wasm). Failures are ApiErrors; the caller discards what was staged.
import { ApiError, storageError } from "../errors";
import type { StagedArtifact } from "../store/artifact-store";
import { MultipartError, MultipartTooLarge, readMultipart, type PartSink } from "./multipart-stream";

/** Room for multipart boundaries and part headers on top of the module itself. */
export const MULTIPART_OVERHEAD = 64 * 1024;
const MAX_FIELD_BYTES = 1024;

export const tooLarge = (maxBytes: number) =>
  new ApiError(413, "payload_too_large", `module exceeds the upload limit of ${maxBytes} bytes`);

const interrupted = () => new ApiError(400, "upload_interrupted", "the upload ended before the whole body arrived");

/** A failure while receiving, as the ApiError a caller sees. */
function receiveError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  // A write to the staged file failed (disk full, read-only): the server's fault, not the upload's.
  const storage = storageError(error);
  if (storage) return storage;
  if (error instanceof MultipartTooLarge) return tooLarge(maxBytes);
  if (error instanceof MultipartError) return new ApiError(400, "malformed_multipart", error.message);
  return interrupted();
}

/** Streams the form's `file` into `staged`; returns the optional `sha256` field. */
export async function receiveMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  staged: StagedArtifact,
  maxBytes: number,
): Promise<string | undefined> {
  let sawFile = false;
  let sha256: string | undefined;
  try {
    await readMultipart(
      body,
      boundary,
      (part) => {
        if (part.name === "file") {
          if (sawFile) throw ApiError.invalid("file", "was sent twice; upload one module at a time");
          sawFile = true;
          return {
            async write(chunk) {
              if (staged.size + chunk.byteLength > maxBytes) throw tooLarge(maxBytes);
              await staged.write(chunk);
            },
            end() {},
          };
        }
        if (part.name === "sha256")
          return textField("sha256", (text) => (sha256 = text.trim().toLowerCase() || undefined));
        throw ApiError.invalid(part.name, "is not a known field (send `file` and optionally `sha256`)");
      },
      maxBytes + MULTIPART_OVERHEAD,
    );
  } catch (error) {
    throw receiveError(error, maxBytes);
  }
  if (!sawFile) throw ApiError.invalid("file", "is required: send the module as the multipart field `file`");
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) throw ApiError.invalid("sha256", "must be 64 hex digits");
  return sha256;
}

/**
 * Streams the raw body into `staged`. A body that ends short of its Content-Length, or whose
 * connection drops, was interrupted; the first byte past `maxBytes` answers 413.
 */
export async function receiveRaw(
  body: ReadableStream<Uint8Array> | null,
  declaredLength: number | null,
  staged: StagedArtifact,
  maxBytes: number,
): Promise<void> {
  if (body) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (staged.size + value.byteLength > maxBytes) throw tooLarge(maxBytes);
        await staged.write(value);
      }
    } catch (error) {
      throw receiveError(error, maxBytes);
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  if (declaredLength !== null && staged.size !== declaredLength) throw interrupted();
}

function textField(name: string, done: (text: string) => void): PartSink {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    write(chunk) {
      size += chunk.byteLength;
      if (size > MAX_FIELD_BYTES) throw ApiError.invalid(name, `is longer than ${MAX_FIELD_BYTES} bytes`);
      chunks.push(Buffer.from(chunk));
    },
    end() {
      done(Buffer.concat(chunks).toString("utf8"));
    },
  };
}
