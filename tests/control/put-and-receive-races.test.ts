// Two races the API tests cannot time by hand, made to happen on purpose: a PUT that read "no
// such function" while another request created it, and a raw body that ends short of its
// Content-Length without an error from the stream.
import { expect, test } from "bun:test";
import { createFunctionService } from "../../control/functions/service";
import { MemoryArtifactStore } from "../../control/store/memory-artifact-store";
import { NotifyingMetadataStore } from "../../control/store/notifying-metadata-store";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { receiveRaw } from "../../control/versions/receive";
import { inlineWork } from "../../core/module/offload/artifact-work";
import { functionSpec } from "../helpers/function-spec";

/** A store whose first lookup by name misses: another PUT creates the function in between. */
class LateStore extends NotifyingMetadataStore {
  missedOnce = false;
  override async getFunctionByName(name: string) {
    if (!this.missedOnce) {
      this.missedOnce = true;
      await this.createFunction(functionSpec(name, { max_execution_ms: 77 }));
      return null;
    }
    return super.getFunctionByName(name);
  }
}

test("a PUT that finds its name taken on create compares with the function now there: updated, not 409", async () => {
  const metadata = new LateStore(new SqliteMetadataStore(":memory:"));
  const service = createFunctionService({ metadata, artifacts: new MemoryArtifactStore(), work: inlineWork });
  const result = await service.put("late", { max_execution_ms: 88 });
  expect(metadata.missedOnce).toBe(true);
  expect(result.created).toBe(false);
  expect(result.record).toMatchObject({ name: "late", max_execution_ms: 88 });
  expect(await metadata.countFunctions()).toBe(1);
  metadata.close();
});

test("a raw body shorter than its Content-Length is an interrupted upload (400), whatever the stream said", async () => {
  const staged = await new MemoryArtifactStore().stage();
  const body = new Blob([new Uint8Array(10)]).stream();
  const error = await receiveRaw(body, 100, staged, 1000).catch((e: unknown) => e);
  expect(error).toMatchObject({ status: 400, code: "upload_interrupted" });
  const whole = await new MemoryArtifactStore().stage();
  await receiveRaw(new Blob([new Uint8Array(10)]).stream(), 10, whole, 1000);
  expect(whole.size).toBe(10);
});
