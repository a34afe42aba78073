// Retention deleting an artifact while another function's upload of the same bytes publishes it:
// the per-hash lock (control/versions/artifact-locks.ts) makes the upload wait, so its version
// never refers to a file that was deleted under it. The version service on real SQLite and files,
// with the artifact store's delete held open at the moment that matters.
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createControlMetrics } from "../../control/observe/metrics";
import type { ArtifactStore } from "../../control/store/artifact-store";
import { FileArtifactStore } from "../../control/store/file-artifact-store";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { ArtifactLocks } from "../../control/store/artifact-locks";
import { createRetention } from "../../control/versions/retention";
import { createVersionService } from "../../control/versions/service";
import { inlineWork } from "../../core/module/offload/artifact-work";
import { createLogger } from "../../core/observe/log";
import { validModule } from "../fixtures/guests";
import { functionSpec } from "../helpers/function-spec";
import { sha256 } from "../helpers/sha256";
import { tempDir } from "../helpers/temp-dir";

const dir = tempDir("edge-retention-race-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const asUpload = (bytes: Uint8Array) => ({
  contentType: "application/wasm",
  contentLength: bytes.length,
  sha256: null,
  body: new Blob([bytes]).stream(),
});

test("an upload of bytes retention is deleting waits for the delete, then publishes them anew", async () => {
  const metadata = new SqliteMetadataStore(":memory:");
  const files = await FileArtifactStore.open(dir);
  const deleting = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  const artifacts: ArtifactStore = {
    stage: () => files.stage(),
    get: (sha) => files.get(sha),
    list: () => files.list(),
    stats: () => files.stats(),
    async delete(sha) {
      deleting.resolve();
      await gate.promise;
      return files.delete(sha);
    },
  };
  const locks = new ArtifactLocks();
  const logger = createLogger("error");
  const retention = createRetention({ metadata, artifacts, locks, logger, keepVersions: 1 });
  const metrics = createControlMetrics({
    artifacts: () => files.stats(),
    functions: async () => 0,
    revision: async () => 0,
    watchConnections: () => 0,
  });
  const service = createVersionService({
    metadata,
    artifacts,
    metrics,
    maxUploadBytes: 1 << 20,
    work: inlineWork,
    locks,
    retention,
  });
  const a = await metadata.createFunction(functionSpec("a"));
  const b = await metadata.createFunction(functionSpec("b"));
  if (!a.ok || !b.ok) throw new Error("create");
  const shared = validModule("shared");
  const options = { activate: true, ifChanged: false };
  await service.upload(a.value.id, asUpload(shared), options);
  // A's second upload makes version 1 go; its artifact's delete is held open.
  const second = service.upload(a.value.id, asUpload(validModule("second")), options);
  await deleting.promise;
  const other = service.upload(b.value.id, asUpload(shared), options);
  // B's upload must not finish while the delete of its bytes is under way.
  const early = await Promise.race([other.then(() => "finished"), Bun.sleep(300).then(() => "waiting")]);
  gate.resolve();
  await Promise.all([second, other]);
  expect(early).toBe("waiting");
  expect(await metadata.artifactReferenced(sha256(shared))).toBe(true);
  expect(await files.get(sha256(shared))).not.toBeNull();
  expect(locks.size).toBe(0);
  metadata.close();
});
