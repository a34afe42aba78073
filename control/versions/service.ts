// Uploading modules as numbered versions, listing them and choosing the active one.
import { type FunctionRecord, type VersionRecord } from "../../core/contract";
import { ApiError, storageError, unwrap } from "../errors";
import type { ControlMetrics, UploadOutcome } from "../observe/metrics";
import type { ArtifactStore, StagedArtifact } from "../store/artifact-store";
import type { MetadataStore } from "../store/metadata-store";
import type { ArtifactWork } from "../../core/module/offload/artifact-work";
import { basisOf, checkedCommit } from "../module-check/checked-commit";
import { checkModule } from "../module-check/module-check";
import { MultipartError, MultipartTooLarge, multipartBoundary, readMultipart, type PartSink } from "./multipart-stream";

/** Room for multipart boundaries and part headers on top of the module itself. */
const MULTIPART_OVERHEAD = 64 * 1024;
const MAX_FIELD_BYTES = 1024;

export interface UploadRequest {
  contentType: string | null;
  contentLength: number | null;
  body: ReadableStream<Uint8Array> | null;
}

export interface VersionServiceDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  metrics: ControlMetrics;
  maxUploadBytes: number;
  work: ArtifactWork;
}

export type VersionService = ReturnType<typeof createVersionService>;

export function createVersionService({ metadata, artifacts, metrics, maxUploadBytes, work }: VersionServiceDeps) {
  const tooLarge = () =>
    new ApiError(413, "payload_too_large", `module exceeds the upload limit of ${maxUploadBytes} bytes`);

  async function getFunction(id: string): Promise<FunctionRecord> {
    const fn = await metadata.getFunction(id);
    if (!fn) throw ApiError.notFound(`no function with id "${id}"`);
    return fn;
  }

  /** Streams the form into `staged`; returns the optional sha256 field. */
  async function receive(
    request: UploadRequest,
    boundary: string,
    staged: StagedArtifact,
  ): Promise<string | undefined> {
    let sawFile = false;
    let sha256: string | undefined;
    try {
      await readMultipart(
        request.body!,
        boundary,
        (part) => {
          if (part.name === "file") {
            if (sawFile) throw ApiError.invalid("file", "was sent twice; upload one module at a time");
            sawFile = true;
            return {
              async write(chunk) {
                if (staged.size + chunk.byteLength > maxUploadBytes) throw tooLarge();
                await staged.write(chunk);
              },
              end() {},
            };
          }
          if (part.name === "sha256")
            return textField("sha256", (text) => (sha256 = text.trim().toLowerCase() || undefined));
          throw ApiError.invalid(part.name, "is not a known field (send `file` and optionally `sha256`)");
        },
        maxUploadBytes + MULTIPART_OVERHEAD,
      );
    } catch (error) {
      if (error instanceof ApiError) throw error;
      // A write to the staged file failed (disk full, read-only): the server's fault, not the upload's.
      const storage = storageError(error);
      if (storage) throw storage;
      if (error instanceof MultipartTooLarge) throw tooLarge();
      if (error instanceof MultipartError) throw new ApiError(400, "malformed_multipart", error.message);
      throw new ApiError(400, "upload_interrupted", "the upload ended before the whole body arrived");
    }
    if (!sawFile) throw ApiError.invalid("file", "is required: send the module as the multipart field `file`");
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
      throw ApiError.invalid("sha256", "must be 64 hex digits");
    return sha256;
  }

  return {
    /** Receive, hash, validate, then publish as the next version. Nothing is left behind on failure. */
    async upload(functionId: string, request: UploadRequest, activate: boolean): Promise<VersionRecord> {
      let staged: StagedArtifact | null = null;
      try {
        await getFunction(functionId); // 404 before the body is read
        const boundary = multipartBoundary(request.contentType);
        if (!boundary || !request.body)
          throw new ApiError(
            415,
            "unsupported_media_type",
            "send the module as multipart/form-data with a `file` field",
          );
        if (request.contentLength !== null && request.contentLength > maxUploadBytes + MULTIPART_OVERHEAD)
          throw tooLarge();
        staged = await artifacts.stage();
        const expected = await receive(request, boundary, staged);
        const digest = await staged.finish();
        if (expected && expected !== digest.sha256) {
          throw new ApiError(
            422,
            "sha256_mismatch",
            `sha256: the module's SHA-256 is ${digest.sha256}, not ${expected}`,
            "sha256",
          );
        }
        const bytes = await staged.read();
        // Checked under the limits the commit sees: a PATCH landing between the two makes the
        // store refuse the commit, and the next round checks against the new limits. (Refused
        // then, the published artifact is unreferenced and goes with the next start's sweep.)
        const version = await checkedCommit(async () => {
          const current = await getFunction(functionId);
          await checkModule(work, bytes, current, "module rejected", "file");
          await staged!.publish();
          return metadata.addVersion(functionId, digest, activate, basisOf(current));
        }, functionId);
        metrics.observeUpload("published", digest.size);
        return version;
      } catch (error) {
        // On a read-only data dir even the temp file can't be deleted; the next start empties tmp/.
        await staged?.discard().catch(() => {});
        metrics.observeUpload(uploadOutcome(error), staged?.size ?? 0);
        throw error;
      }
    },

    async list(functionId: string): Promise<VersionRecord[]> {
      return unwrap(await metadata.listVersions(functionId), functionId);
    },

    /** Roll back or forward; the version must pass the pipeline under the function's current limits. */
    async activate(functionId: string, version: number): Promise<FunctionRecord> {
      await getFunction(functionId);
      const record = await metadata.getVersion(functionId, version);
      if (!record) throw new ApiError(404, "version_not_found", `function "${functionId}" has no version ${version}`);
      const blob = await artifacts.get(record.sha256);
      if (!blob)
        throw new ApiError(500, "artifact_missing", `the artifact of version ${version} is missing from the store`);
      const bytes = await blob.bytes();
      return checkedCommit(async () => {
        const fn = await getFunction(functionId);
        await checkModule(
          work,
          bytes,
          fn,
          `version ${version} is rejected under the function's current settings`,
          "version",
        );
        return metadata.activateVersion(functionId, version, basisOf(fn));
      }, functionId);
    },
  };
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

function uploadOutcome(error: unknown): UploadOutcome {
  if (!(error instanceof ApiError) || error.status >= 500) return "error";
  if (error.status === 413) return "too_large";
  if (error.code === "upload_interrupted") return "aborted";
  if (error.status === 422 && error.field === "file" && error.code !== "validation_failed") return "rejected";
  return "invalid";
}
