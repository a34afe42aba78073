// Where a function's secrets are opened and join its entry: only here, on the way to an edge
// node's socket. The store hands the entry's JSON without them and the sealed values beside it
// (store/metadata-store.ts `sealed`); the values are added to the entry's text as `secrets`
// (core/contract/watch.ts DeployedFunction), by name, and go nowhere else.
import type { SecretBox } from "../store/secret-box";

export interface FeedEntry {
  functionId: string;
  json: string;
  bytes: number;
  sealed: string | null;
}

/** The entry as sent: its JSON with the secrets opened into it, and its size. */
export type OpenSecrets = (entry: FeedEntry) => { json: string; bytes: number };

export function secretsOpener(box: SecretBox | null): OpenSecrets {
  return (entry) => {
    if (entry.sealed === null) return entry;
    // Never reached when the control plane started: it refuses to start with secrets it cannot open.
    if (!box) throw new Error("a function has secrets, and the control plane has no secrets key");
    const sealed = JSON.parse(entry.sealed) as Record<string, string>;
    const values: Record<string, string> = {};
    for (const key of Object.keys(sealed).sort())
      values[key] = box.open(entry.functionId, key, Buffer.from(sealed[key]!, "hex"));
    // The entry is one JSON object: its last character is the closing brace.
    const added = `,"secrets":${JSON.stringify(values)}`;
    return { json: `${entry.json.slice(0, -1)}${added}}`, bytes: entry.bytes + Buffer.byteLength(added) };
  };
}
