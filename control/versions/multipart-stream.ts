// A streaming multipart/form-data reader (RFC 7578): each part's bytes go to a sink as they
// arrive, so a module is hashed and written to disk without ever being held whole in memory,
// and an oversized one is refused at the first byte past the limit. Bun's formData() would
// buffer the entire body first.

export interface PartInfo {
  name: string;
  filename?: string;
  contentType?: string;
}

export interface PartSink {
  write(chunk: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

export class MultipartError extends Error {}

/** The body went past `maxBytes` (whatever part the bytes were in). */
export class MultipartTooLarge extends Error {}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");
const DASHDASH = Buffer.from("--");
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PARTS = 16;

/** The boundary of a multipart/form-data Content-Type, or null. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = contentType.match(/;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i);
  return match ? (match[1] ?? match[2]!) : null;
}

/**
 * Reads the whole body, handing each part to the sink `onPart` returns. Throws MultipartError
 * when malformed, MultipartTooLarge past `maxBytes` in all (preamble and headers included).
 */
export async function readMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  onPart: (part: PartInfo) => PartSink | Promise<PartSink>,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<void> {
  // Every delimiter, the first included, is CRLF "--" boundary: start with a CRLF so it matches too.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const keep = delimiter.length - 1;
  let buffer: Buffer = Buffer.from(CRLF);
  let state: "preamble" | "delimiter" | "headers" | "body" | "done" = "preamble";
  let sink: PartSink | null = null;
  let parts = 0;
  let ended = false;
  let received = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      let progress = true;
      while (progress) {
        progress = false;
        if (state === "preamble") {
          const at = buffer.indexOf(delimiter);
          if (at < 0) buffer = buffer.subarray(Math.max(0, buffer.length - keep));
          else [buffer, state, progress] = [buffer.subarray(at + delimiter.length), "delimiter", true];
        } else if (state === "delimiter") {
          if (buffer.length < 2) break;
          if (buffer.subarray(0, 2).equals(DASHDASH)) {
            state = "done";
            break;
          }
          const eol = buffer.indexOf(CRLF);
          if (eol < 0 && buffer.length > 256)
            throw new MultipartError("malformed multipart body: boundary line does not end");
          if (eol < 0) break;
          if (!/^[ \t]*$/.test(buffer.subarray(0, eol).toString("latin1")))
            throw new MultipartError("malformed multipart body: unexpected bytes after a boundary");
          [buffer, state, progress] = [buffer.subarray(eol + 2), "headers", true];
        } else if (state === "headers") {
          const end = buffer.subarray(0, 2).equals(CRLF) ? 0 : buffer.indexOf(HEADER_END);
          if (end < 0 && buffer.length > MAX_HEADER_BYTES)
            throw new MultipartError("multipart part headers are too large");
          if (end < 0) break;
          if (++parts > MAX_PARTS) throw new MultipartError(`too many multipart parts (at most ${MAX_PARTS})`);
          sink = await onPart(parsePartHeaders(buffer.subarray(0, end).toString("utf8")));
          [buffer, state, progress] = [buffer.subarray(end === 0 ? 2 : end + 4), "body", true];
        } else if (state === "body") {
          const at = buffer.indexOf(delimiter);
          if (at >= 0) {
            if (at > 0) await sink!.write(buffer.subarray(0, at));
            await sink!.end();
            [buffer, state, progress, sink] = [buffer.subarray(at + delimiter.length), "delimiter", true, null];
          } else if (buffer.length > keep) {
            // Hold back what could be the start of a delimiter split across chunks.
            await sink!.write(buffer.subarray(0, buffer.length - keep));
            buffer = buffer.subarray(buffer.length - keep);
          }
        }
      }
      if (state === "done") break;
      if (ended) throw new MultipartError("multipart body ended before its closing boundary (upload interrupted?)");
      const { value, done } = await reader.read();
      if (done) ended = true;
      else if ((received += value.byteLength) > maxBytes) throw new MultipartTooLarge(`body exceeds ${maxBytes} bytes`);
      else
        buffer =
          buffer.length === 0
            ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
            : Buffer.concat([buffer, value]);
    }
  } finally {
    // Whatever follows the closing boundary (the epilogue) is ignored.
    reader.cancel().catch(() => {});
  }
}

function parsePartHeaders(text: string): PartInfo {
  let disposition = "";
  let contentType: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError("malformed multipart part header");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (!/^form-data\s*(;|$)/i.test(disposition))
    throw new MultipartError("multipart part lacks Content-Disposition: form-data");
  const name = param(disposition, "name");
  if (name === undefined) throw new MultipartError("multipart part has no field name");
  return { name, filename: param(disposition, "filename"), contentType };
}

function param(header: string, key: string): string | undefined {
  const match = header.match(new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s;]+))`, "i"));
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}
