// Uploading modules as numbered versions, listing them and choosing the active one.
import type { FunctionRecord, VersionRecord } from "../../core/contract";
import { ApiError, unwrap } from "../errors";
import type { ControlMetrics, UploadOutcome } from "../observe/metrics";
import type { ArtifactStore, StagedArtifact } from "../store/artifact-store";
import type { MetadataStore } from "../store/metadata-store";
import type { ArtifactWork } from "../../core/module/offload/artifact-work";
import { basisOf, checkedCommit } from "../module-check/checked-commit";
import { checkModule } from "../module-check/module-check";
import type { ArtifactLock } from "../store/artifact-locks";
import type { VersionList } from "./model";
import { multipartBoundary } from "./multipart-stream";
import { MULTIPART_OVERHEAD, receiveMultipart, receiveRaw, tooLarge } from "./receive";
import type { Retention } from "./retention";

const WASM_TYPE = /^application\/wasm\s*(;|$)/i;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface UploadRequest {
  contentType: string | null;
  contentLength: number | null;
  /** The `x-content-sha256` header: the SHA-256 the client says it sent. */
  sha256: string | null;
  body: ReadableStream<Uint8Array> | null;
}

export interface UploadOptions {
  activate: boolean;
  /** Same bytes as the active version: answer that version, make nothing. */
  ifChanged: boolean;
}

export interface VersionServiceDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  metrics: ControlMetrics;
  maxUploadBytes: number;
  work: ArtifactWork;
  locks: ArtifactLock;
  retention: Retention;
}

export type VersionService = ReturnType<typeof createVersionService>;

export function createVersionService(deps: VersionServiceDeps) {
  const { metadata, artifacts, metrics, maxUploadBytes, work, locks, retention } = deps;

  async function getFunction(id: string): Promise<FunctionRecord> {
    const fn = await metadata.getFunction(id);
    if (!fn) throw ApiError.notFound(`no function with id "${id}"`);
    return fn;
  }

  const noVersion = (id: string, version: number) =>
    new ApiError(404, "version_not_found", `function "${id}" has no version ${version}`);

  /** Streams the body into `staged` by its content type; returns the SHA-256 the client expects, if it said. */
  async function receive(request: UploadRequest, staged: StagedArtifact): Promise<string | undefined> {
    const header = request.sha256?.trim().toLowerCase();
    if (header !== undefined && !SHA256_HEX.test(header))
      throw ApiError.invalid("x-content-sha256", "must be 64 hex digits");
    if (WASM_TYPE.test(request.contentType ?? "")) {
      await receiveRaw(request.body, request.contentLength, staged, maxUploadBytes);
      return header;
    }
    const field = await receiveMultipart(
      request.body!,
      multipartBoundary(request.contentType)!,
      staged,
      maxUploadBytes,
    );
    if (header !== undefined && field !== undefined && header !== field)
      throw ApiError.invalid("sha256", "differs from the x-content-sha256 header");
    return header ?? field;
  }

  /** The active version, when its bytes are these. */
  async function activeWithHash(functionId: string, sha256: string): Promise<VersionRecord | null> {
    const fn = await getFunction(functionId);
    const active = fn.active_version === null ? null : await metadata.getVersion(functionId, fn.active_version);
    return active?.sha256 === sha256 ? active : null;
  }

  return {
    /** The id of the function named `name` (404 otherwise), for the by-name routes. */
    async idOf(name: string): Promise<string> {
      const fn = await metadata.getFunctionByName(name);
      if (!fn) throw ApiError.notFound(`no function named "${name}"`);
      return fn.id;
    },

    /**
     * Receive, hash, validate, then publish as the next version (`created`), or with `ifChanged`
     * answer the active version when the bytes are its own. Nothing is left behind on failure.
     */
    async upload(
      functionId: string,
      request: UploadRequest,
      options: UploadOptions,
    ): Promise<{ version: VersionRecord; created: boolean }> {
      let staged: StagedArtifact | null = null;
      try {
        await getFunction(functionId); // 404 before the body is read
        const raw = WASM_TYPE.test(request.contentType ?? "");
        if (!request.body && !raw) throw unsupported();
        if (!raw && !multipartBoundary(request.contentType)) throw unsupported();
        const overhead = raw ? 0 : MULTIPART_OVERHEAD;
        if (request.contentLength !== null && request.contentLength > maxUploadBytes + overhead)
          throw tooLarge(maxUploadBytes);
        staged = await artifacts.stage();
        const expected = await receive(request, staged);
        const digest = await staged.finish();
        if (expected && expected !== digest.sha256) {
          const field = request.sha256 !== null && expected === request.sha256.trim().toLowerCase();
          throw new ApiError(
            422,
            "sha256_mismatch",
            `${field ? "x-content-sha256" : "sha256"}: the module's SHA-256 is ${digest.sha256}, not ${expected}`,
            field ? "x-content-sha256" : "sha256",
          );
        }
        if (options.ifChanged) {
          const same = await activeWithHash(functionId, digest.sha256);
          if (same) {
            await staged.discard();
            metrics.observeUpload("unchanged", digest.size);
            return { version: same, created: false };
          }
        }
        const bytes = await staged.read();
        // Checked under the limits the commit sees: a PATCH landing between the two makes the
        // store refuse the commit, and the next round checks against the new limits. (Refused
        // then, the published artifact is unreferenced and goes with the next start's sweep.)
        const version = await checkedCommit(async () => {
          const current = await getFunction(functionId);
          await checkModule(work, bytes, current, "module rejected", "file");
          // Under the hash's lock: retention cannot delete the file between its link and this version.
          return locks.run(digest.sha256, async () => {
            await staged!.publish();
            return metadata.addVersion(functionId, digest, options.activate, basisOf(current));
          });
        }, functionId);
        metrics.observeUpload("published", digest.size);
        await retention.prune(functionId);
        return { version, created: true };
      } catch (error) {
        // On a read-only data dir even the temp file can't be deleted; the next start empties tmp/.
        await staged?.discard().catch(() => {});
        metrics.observeUpload(uploadOutcome(error), staged?.size ?? 0);
        throw error;
      }
    },

    async list(functionId: string, limit: number, cursor: number | undefined): Promise<VersionList> {
      const page = unwrap(await metadata.listVersions(functionId, { limit, after: cursor }), functionId);
      return { versions: page.items, next_cursor: page.next === null ? null : String(page.next) };
    },

    async get(functionId: string, version: number): Promise<VersionRecord> {
      const record = await metadata.getVersion(functionId, version);
      if (record) return record;
      await getFunction(functionId);
      throw noVersion(functionId, version);
    },

    /** Roll back or forward; the version must pass the pipeline under the function's current limits. */
    async activate(functionId: string, version: number): Promise<FunctionRecord> {
      await getFunction(functionId);
      const record = await metadata.getVersion(functionId, version);
      if (!record) throw noVersion(functionId, version);
      const blob = await artifacts.get(record.sha256);
      if (!blob) {
        // Retention may have removed the version (and its file) since it was read.
        if (!(await metadata.getVersion(functionId, version))) throw noVersion(functionId, version);
        throw new ApiError(500, "artifact_missing", `the artifact of version ${version} is missing from the store`);
      }
      const bytes = await blob.bytes();
      const fn = await checkedCommit(async () => {
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
      // The version active before may be past the retention count now.
      await retention.prune(functionId);
      return fn;
    },
  };
}

const unsupported = () =>
  new ApiError(
    415,
    "unsupported_media_type",
    "send the module as the body with Content-Type: application/wasm, or as multipart/form-data with a `file` field",
  );

function uploadOutcome(error: unknown): UploadOutcome {
  if (!(error instanceof ApiError) || error.status >= 500) return "error";
  if (error.status === 413) return "too_large";
  if (error.code === "upload_interrupted") return "aborted";
  if (error.status === 422 && error.field === "file" && error.code !== "validation_failed") return "rejected";
  return "invalid";
}
