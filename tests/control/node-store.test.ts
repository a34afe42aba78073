import { rmSync } from "node:fs";
import { join } from "node:path";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { SqliteNodeStore } from "../../control/store/sqlite-node-store";
import { nodeStoreContract } from "./node-store.contract";
import { tempDir } from "../helpers/temp-dir";

nodeStoreContract("sqlite file shared with the metadata store", () => {
  const dir = tempDir("edge-nodes-");
  const path = join(dir, "metadata.sqlite");
  const metadata = new SqliteMetadataStore(path);
  const store = new SqliteNodeStore(path);
  return { store, cleanup: () => (store.close(), metadata.close(), rmSync(dir, { recursive: true, force: true })) };
});

nodeStoreContract("sqlite :memory:", () => {
  const store = new SqliteNodeStore(":memory:");
  return { store, cleanup: () => store.close() };
});
