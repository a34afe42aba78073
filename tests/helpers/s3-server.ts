// A real S3-compatible server for tests: s3rver in its own process (s3-server-main.ts) on
// 127.0.0.1 and an ephemeral port, keeping objects in a temp dir, with one bucket. s3rver takes
// any secret for its access key id S3RVER and does not check signatures (it refuses other key ids).
import { join } from "node:path";
import { spawnServer } from "./server-process";
import { tempDir } from "./temp-dir";

export interface S3Server {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Where s3rver keeps the bucket's files. */
  dir: string;
  /** A control plane's environment for artifacts under `prefix` of this bucket. */
  controlEnv(prefix: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = "edge-artifacts"): Promise<S3Server> {
  const dir = tempDir("edge-s3-");
  const proc = await spawnServer(
    [join(import.meta.dir, "s3-server-main.ts"), dir, bucket],
    /s3rver listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  return {
    endpoint: proc.url,
    bucket,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    region: "us-east-1",
    dir,
    controlEnv: (prefix) => ({
      EDGE_CONTROL_ARTIFACTS: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: proc.url,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
    }),
    async stop() {
      await proc.stop();
    },
  };
}
