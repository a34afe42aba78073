// `bun tests/helpers/s3-server-main.ts DIR BUCKET`: s3rver (an S3-compatible server on files in
// DIR) on 127.0.0.1 and a port of the system's choosing, with BUCKET made; prints
// `s3rver listening on http://127.0.0.1:PORT` once it serves. Started by tests/helpers/s3-server.ts.
//
// s3rver was written for Node; two of Node's ways it relies on differ under Bun, so this
// process (and only it) gets them back: Node's readdirSync lists names sorted (libuv sorts
// them), which s3rver's paging of a listing assumes; and Node's OpenSSL called DES-CBC "des",
// the name s3rver makes its continuation tokens with, which Bun's BoringSSL knows as "des-cbc".
import crypto from "node:crypto";
import fs from "node:fs";

const readdirSync = fs.readdirSync;
Object.assign(fs, {
  readdirSync: (...args: Parameters<typeof fs.readdirSync>) => {
    const names: unknown[] = readdirSync(...args);
    return typeof names[0] === "string" ? (names as string[]).sort() : names;
  },
});
const desCbc = (algorithm: string) => (algorithm === "des" ? "des-cbc" : algorithm);
const { createCipheriv, createDecipheriv } = crypto;
Object.assign(crypto, {
  createCipheriv: (algorithm: string, ...rest: [crypto.CipherKey, crypto.BinaryLike | null]) =>
    createCipheriv(desCbc(algorithm), ...rest),
  createDecipheriv: (algorithm: string, ...rest: [crypto.CipherKey, crypto.BinaryLike | null]) =>
    createDecipheriv(desCbc(algorithm), ...rest),
});

const [directory, bucket] = Bun.argv.slice(2);
if (!directory || !bucket) throw new Error("usage: s3-server-main.ts DIR BUCKET");
// After the shims: s3rver takes fs and crypto as they are when it loads.
const { default: S3rver } = await import("s3rver");
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const { port } = await server.run();
process.stderr.write(`s3rver listening on http://127.0.0.1:${port}\n`);
// SIGTERM ends it as it is: close() would wait for the clients' keep-alive connections.
