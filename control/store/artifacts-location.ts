// Where artifacts are kept, from the `--artifacts` value, and the S3 credentials from the
// environment. Absent or empty: files in the data dir. `s3://BUCKET[/prefix]`: objects under
// <prefix>/sha256/<hex> in that bucket. Errors never repeat the value: it could hold a secret
// (s3://KEY:SECRET@bucket is refused, not echoed).

export type ArtifactsLocation = { kind: "files" } | { kind: "s3"; bucket: string; prefix: string };

export const ARTIFACTS_FORMS =
  "leave it unset for files in the data dir, or give s3://BUCKET or s3://BUCKET/PREFIX (BUCKET: 3-63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit; PREFIX: segments of A-Z, a-z, 0-9, '.', '_', '-' joined by '/', none empty, '.' or '..')";

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

export function parseArtifactsLocation(
  value: string | undefined,
): { ok: true; location: ArtifactsLocation } | { ok: false; message: string } {
  if (value === undefined || value === "") return { ok: true, location: { kind: "files" } };
  const fail = (why: string) => ({ ok: false as const, message: `--artifacts: ${why}; ${ARTIFACTS_FORMS}` });
  if (!value.startsWith("s3://")) return fail("not an s3:// URL");
  const rest = value.slice("s3://".length);
  if (/[@?#:\s\\]/.test(rest)) return fail("credentials, a port, a query or spaces have no place in it");
  const slash = rest.indexOf("/");
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  // One trailing slash is allowed: s3://bucket/ and s3://bucket/edge/ mean what they look like.
  const path = slash === -1 ? "" : rest.slice(slash + 1).replace(/\/$/, "");
  if (!BUCKET.test(bucket) || bucket.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(bucket))
    return fail("the bucket name is not a valid S3 bucket name");
  if (path === "") return { ok: true, location: { kind: "s3", bucket, prefix: "" } };
  for (const segment of path.split("/"))
    if (!SEGMENT.test(segment) || segment === "." || segment === "..")
      return fail("the prefix has an empty, '.' or '..' segment, or a character outside A-Z a-z 0-9 . _ -");
  return { ok: true, location: { kind: "s3", bucket, prefix: path } };
}

/** What S3ArtifactStore needs besides the bucket and prefix; undefined: Bun's own default (region us-east-1, AWS's endpoint). */
export interface S3Options {
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

/**
 * The names Bun.s3 itself reads (S3_* first, then AWS_*), so a setup that works with Bun's own
 * client works here; AWS_ENDPOINT_URL (the AWS CLI's and SDKs' name) comes last. Empty values
 * count as unset. Never logged: the secret and the session token are credentials.
 */
export function s3OptionsFromEnv(env: Record<string, string | undefined>): S3Options {
  const first = (...names: string[]) => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return value;
    }
    return undefined;
  };
  const options: S3Options = {
    endpoint: first("S3_ENDPOINT", "AWS_ENDPOINT", "AWS_ENDPOINT_URL"),
    region: first("S3_REGION", "AWS_REGION"),
    accessKeyId: first("S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
    secretAccessKey: first("S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    sessionToken: first("S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as S3Options;
}

/** For a start-up log line: where, and which credentials are set, without their values. */
export function describeS3(location: { bucket: string; prefix: string }, options: S3Options): Record<string, string> {
  return {
    artifacts: `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`,
    endpoint: options.endpoint === undefined ? "(AWS, from the region)" : withoutUserinfo(options.endpoint),
    region: options.region ?? "(default)",
    credentials: options.accessKeyId
      ? `access key id set${options.sessionToken ? ", session token set" : ""}`
      : "none set (requests will be refused)",
  };
}

function withoutUserinfo(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    return url.href;
  } catch {
    return "(not a URL)";
  }
}

/** The bucket and prefix as one string, the same for every control plane that shares them. */
export function s3Where(location: { bucket: string; prefix: string }): string {
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`;
}
