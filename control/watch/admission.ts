// Who may be which node. Every node holds the shared read token, so the token alone must not
// make a socket some node: a node's first hello registers the SHA-256 of its own key (made and
// kept in its cache dir), and every later hello for that id must bring the same key. With the
// key, one process at a time: a second process with the same id (and key: a copied cache dir)
// is refused while the first is connected, so two nodes misconfigured with one id settle
// instead of taking turns; the same process reconnecting replaces its own stale socket.
// New ids are bounded in number (--max-nodes) and in rate per client address.
import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../../core/module/sha256";
import { WATCH_CLOSE, type HelloMessage } from "../../core/contract";
import type { NodeStore } from "../store/node-store";
import type { KeyedRateLimiter } from "./rate-limit";

export type Admission =
  | { ok: true; keySha256: string; registered: "new" | "known" | "claimed"; replaces: boolean }
  /** `reason` goes in the close frame: at most 123 bytes. */
  | { ok: false; code: number; reason: string };

export interface AdmissionDeps {
  nodes: NodeStore;
  maxNodes: number;
  /** New node ids per client address. */
  registrations: KeyedRateLimiter;
}

export async function admit(
  deps: AdmissionDeps,
  hello: HelloMessage,
  client: string,
  live: { instance: string } | undefined,
): Promise<Admission> {
  const keySha256 = sha256Hex(hello.key);
  const known = await deps.nodes.keyOf(hello.node_id);
  let registered: "new" | "known" | "claimed" = "known";
  if (known === undefined) {
    if ((await deps.nodes.count()) >= deps.maxNodes) {
      return refuse(WATCH_CLOSE.nodeLimit, `node limit reached (--max-nodes ${deps.maxNodes})`);
    }
    if (!deps.registrations.take(client))
      return refuse(WATCH_CLOSE.rateLimited, "too many new node ids from this address; retry later");
    registered = "new";
  } else if (known === null) {
    registered = "claimed"; // recorded by a release without keys: the first key to come takes it
  } else if (!sameHex(known, keySha256)) {
    return refuse(WATCH_CLOSE.keyMismatch, "node id registered with another node key");
  }
  if (live && live.instance !== hello.instance) {
    return refuse(WATCH_CLOSE.duplicate, "node id connected from another process");
  }
  return { ok: true, keySha256, registered, replaces: live !== undefined };
}

function refuse(code: number, reason: string): Admission {
  return { ok: false, code, reason };
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
