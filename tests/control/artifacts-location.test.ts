// The --artifacts value (files or s3://BUCKET[/prefix]) and the S3 settings from the environment.
import { expect, test } from "bun:test";
import { describeS3, parseArtifactsLocation, s3OptionsFromEnv } from "../../control/store/artifacts-location";

test("unset or empty: files in the data dir; s3://BUCKET[/prefix]: that bucket and prefix", () => {
  expect(parseArtifactsLocation(undefined)).toEqual({ ok: true, location: { kind: "files" } });
  expect(parseArtifactsLocation("")).toEqual({ ok: true, location: { kind: "files" } });
  const s3 = (bucket: string, prefix: string) => ({
    ok: true as const,
    location: { kind: "s3" as const, bucket, prefix },
  });
  expect(parseArtifactsLocation("s3://edge-artifacts")).toEqual(s3("edge-artifacts", ""));
  expect(parseArtifactsLocation("s3://edge-artifacts/")).toEqual(s3("edge-artifacts", ""));
  expect(parseArtifactsLocation("s3://my.bucket-1/prod/eu_west.2/")).toEqual(s3("my.bucket-1", "prod/eu_west.2"));
});

test("anything else: one line naming the accepted forms, without repeating the value", () => {
  for (const value of [
    "/var/lib/edge/artifacts",
    "file:///data",
    "S3://bucket",
    "s3://",
    "s3://ab",
    "s3://Bucket",
    "s3://bucket_name",
    "s3://-bucket",
    "s3://bucket-",
    "s3://my..bucket",
    "s3://192.168.1.1",
    `s3://${"b".repeat(64)}`,
    "s3://bucket//prefix",
    "s3://bucket/a//b",
    "s3://bucket/../other",
    "s3://bucket/a/./b",
    "s3://bucket/a b",
    "s3://bucket/prefix?x=1",
    "s3://bucket:9000/prefix",
    "s3://AKIDEXAMPLE:wJalrXUtnFEMI@bucket/prefix",
  ]) {
    const result = parseArtifactsLocation(value);
    expect([value, result.ok]).toEqual([value, false]);
    const message = (result as { message: string }).message;
    expect(message).toStartWith("--artifacts: ");
    expect(message).toContain("s3://BUCKET/PREFIX");
    expect(message).not.toContain("\n");
    expect(message).not.toContain("wJalrXUtnFEMI");
  }
});

test("S3 settings: S3_* first, then AWS_* (the names Bun.s3 reads), AWS_ENDPOINT_URL last; empty is unset", () => {
  expect(
    s3OptionsFromEnv({
      S3_ENDPOINT: "http://minio:9000",
      AWS_ENDPOINT: "http://ignored",
      S3_REGION: "",
      AWS_REGION: "eu-west-3",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      S3_SECRET_ACCESS_KEY: "s3-secret",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      AWS_SESSION_TOKEN: "token",
    }),
  ).toEqual({
    endpoint: "http://minio:9000",
    region: "eu-west-3",
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "s3-secret",
    sessionToken: "token",
  });
  expect(s3OptionsFromEnv({ AWS_ENDPOINT_URL: "https://r2.example" })).toEqual({ endpoint: "https://r2.example" });
  expect(s3OptionsFromEnv({ AWS_ENDPOINT: "https://a.example", AWS_ENDPOINT_URL: "https://b.example" })).toEqual({
    endpoint: "https://a.example",
  });
  expect(s3OptionsFromEnv({})).toEqual({});
});

test("the start-up description names where and which credentials are set, never their values", () => {
  const text = JSON.stringify(
    describeS3(
      { bucket: "edge", prefix: "prod" },
      {
        endpoint: "https://user:pass@s3.example",
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "the-secret",
        sessionToken: "the-token",
      },
    ),
  );
  expect(text).toContain("s3://edge/prod");
  expect(text).toContain("https://s3.example/");
  for (const secret of ["AKIDEXAMPLE", "the-secret", "the-token", "pass"]) expect(text).not.toContain(secret);
  expect(JSON.stringify(describeS3({ bucket: "edge", prefix: "" }, {}))).toContain("none set");
});
