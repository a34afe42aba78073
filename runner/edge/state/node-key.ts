// The node's own key (<cache-dir>/node-key, mode 0600): made at its first start, sent in every
// hello. The control plane registers it with the node id the first time and refuses that id
// to anyone without it afterwards, so holding the shared read token is not enough to act as
// this node. Losing the file means the control plane must forget the node (DELETE
// /api/v1/nodes/{id}, or --node-retention-s) before the id can be used again.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { NodeKey } from "../../../core/contract";
import { createSecretFile } from "../../../core/lifecycle/secret-file";

const NODE_KEY_FILE = "node-key";
const KEY_PATTERN = new RegExp(NodeKey.pattern!);

export async function loadNodeKey(dir: string): Promise<string> {
  const path = join(dir, NODE_KEY_FILE);
  for (let attempt = 0; ; attempt++) {
    const existing = await readFile(path, "utf8").then(
      (text) => text.trim(),
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return null;
        throw error;
      },
    );
    // Empty: another process has just created it and is writing it.
    if (existing === "" && attempt < 20) {
      await Bun.sleep(50);
      continue;
    }
    if (existing !== null) {
      if (!KEY_PATTERN.test(existing))
        throw new Error(
          `${path} holds no usable node key; delete it, and forget this node on the control plane (DELETE /api/v1/nodes/{id}) so it can register again`,
        );
      return existing;
    }
    const key = randomBytes(32).toString("base64url");
    try {
      // A second process starting on the same cache dir gets EEXIST and reads the first one's key.
      await createSecretFile(path, key);
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
