import { expect, test } from "bun:test";
import {
  MultipartError,
  MultipartTooLarge,
  multipartBoundary,
  readMultipart,
  type PartInfo,
} from "../../control/versions/multipart-stream";

async function encode(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const request = new Request("http://x/", { method: "POST", body: form });
  // Read the header first: Bun picks the boundary when the body is serialized.
  const boundary = multipartBoundary(request.headers.get("content-type"))!;
  return { bytes: new Uint8Array(await request.arrayBuffer()), boundary };
}

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>, boundary: string) {
  const parts: (PartInfo & { data: Buffer })[] = [];
  await readMultipart(stream, boundary, (info) => {
    const chunks: Buffer[] = [];
    return {
      write: (c) => void chunks.push(Buffer.from(c)),
      end: () => void parts.push({ ...info, data: Buffer.concat(chunks) }),
    };
  });
  return parts;
}

test("parts arrive whole however the body is split into chunks", async () => {
  const file = new Uint8Array(5000).map((_, i) => (i * 7) % 256);
  // Bytes that look like the start of a boundary must not confuse the reader.
  file.set(new TextEncoder().encode("\r\n--\r\n-"), 100);
  const form = new FormData();
  form.append("file", new Blob([file]), "m.wasm");
  form.append("sha256", "abc");
  const { bytes, boundary } = await encode(form);
  for (const size of [1, 2, 3, 7, 64, 1000, bytes.length]) {
    const parts = await collect(chunked(bytes, size), boundary);
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ["file", "m.wasm"],
      ["sha256", undefined],
    ]);
    expect(new Uint8Array(parts[0]!.data)).toEqual(file);
    expect(parts[1]!.data.toString()).toBe("abc");
  }
});

test("boundary is read from the Content-Type, quoted or not", () => {
  expect(multipartBoundary("multipart/form-data; boundary=abc")).toBe("abc");
  expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b"')).toBe("a b");
  expect(multipartBoundary("application/json")).toBeNull();
  expect(multipartBoundary("multipart/form-data")).toBeNull();
  expect(multipartBoundary(null)).toBeNull();
});

test("a body cut short or malformed is a MultipartError", async () => {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(1000)]), "m.wasm");
  const { bytes, boundary } = await encode(form);
  await expect(collect(chunked(bytes.slice(0, 600), 100), boundary)).rejects.toBeInstanceOf(MultipartError);
  const noDisposition = new TextEncoder().encode(
    `--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--\r\n`,
  );
  await expect(collect(chunked(noDisposition, 10), boundary)).rejects.toBeInstanceOf(MultipartError);
  await expect(collect(chunked(new TextEncoder().encode("no boundary at all"), 4), boundary)).rejects.toBeInstanceOf(
    MultipartError,
  );
});

test("past maxBytes in all, wherever the bytes are, is MultipartTooLarge", async () => {
  const boundary = "b";
  const preamble = new TextEncoder().encode("x".repeat(5000) + `\r\n--${boundary}--\r\n`);
  await expect(
    readMultipart(chunked(preamble, 512), boundary, () => ({ write() {}, end() {} }), 4096),
  ).rejects.toBeInstanceOf(MultipartTooLarge);
  await readMultipart(chunked(preamble, 512), boundary, () => ({ write() {}, end() {} }), 8192);
});
