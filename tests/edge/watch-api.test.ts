// The control plane's watch stream and node list, spoken to with a plain WebSocket: auth,
// snapshot then changes, resume within the kept history, snapshot when it is gone, and the
// node reports that GET /api/v1/nodes shows.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ServerMessage } from "../../control/contract";
import { startTestControl, type TestControl } from "../control/helpers";
import { controlApi, READ_TOKEN, until, versionModule, type ControlApi } from "./helpers";

interface TestSocket {
  messages: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  /** The next message not yet taken (skipping heartbeats). */
  next(): Promise<ServerMessage>;
  send(message: unknown): void;
  close(): void;
}

function watch(control: TestControl, query = "", token: string | null = READ_TOKEN): Promise<TestSocket> {
  const url = `${control.url.replace("http", "ws")}/api/v1/watch${query}`;
  const socket = new WebSocket(url, (token ? { headers: { authorization: `Bearer ${token}` } } : {}) as unknown as string[]);
  const messages: ServerMessage[] = [];
  let taken = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (socket.onclose = (e) => resolve({ code: e.code, reason: e.reason })));
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as ServerMessage;
    if (message.type !== "heartbeat") messages.push(message);
  };
  return new Promise((resolve, reject) => {
    socket.onopen = () =>
      resolve({
        messages,
        closed,
        async next() {
          await until("a watch message", () => messages.length > taken, 5_000);
          return messages[taken++]!;
        },
        send: (message) => socket.send(JSON.stringify(message)),
        close: () => socket.close(),
      });
    socket.onerror = (event) => reject(new Error((event as ErrorEvent).message));
  });
}

let control: TestControl;
let api: ControlApi;
beforeEach(async () => {
  control = await startTestControl({ changeRetention: 5 });
  api = controlApi(control.url);
});
afterEach(() => control.stop());

describe("GET /api/v1/watch", () => {
  test("needs a token; the read-only token is enough", async () => {
    await expect(watch(control, "", null)).rejects.toThrow("401");
    await expect(watch(control, "", "wrong-token-0123456789")).rejects.toThrow("401");
    const socket = await watch(control, "", READ_TOKEN);
    expect((await socket.next()).type).toBe("snapshot");
    socket.close();
  });

  test("a snapshot of every function with its active version, then each change with its artifact", async () => {
    const fn = await api.createFunction({ name: "one" });
    const v1 = await api.upload(fn.id, versionModule("v1"));
    const socket = await watch(control);
    const snapshot = await socket.next();
    expect(snapshot).toMatchObject({ type: "snapshot", revision: 2, functions: [{ function: { id: fn.id, name: "one", active_version: 1 }, artifact: { version: 1, sha256: v1.sha256 } }] });

    const v2 = await api.upload(fn.id, versionModule("v2"), false);
    await api.activate(fn.id, 2);
    await api.remove(fn.id);
    const kinds: [string, number | undefined, string | undefined][] = [];
    while (kinds.length < 3) {
      const message = await socket.next();
      if (message.type !== "changes") throw new Error(`unexpected ${message.type}`);
      for (const change of message.changes) kinds.push([change.kind, change.revision, change.artifact?.sha256]);
    }
    expect(kinds).toEqual([
      ["version.created", 3, v1.sha256], // uploaded without activating: still serving v1
      ["version.activated", 4, v2.sha256],
      ["function.deleted", 5, undefined],
    ]);
    socket.close();
  });

  test("resumes after `since` within the same history; otherwise starts over with a snapshot", async () => {
    const fn = await api.createFunction({ name: "one" });
    const first = await watch(control);
    const snapshot = await first.next();
    if (snapshot.type !== "snapshot") throw new Error("expected a snapshot");
    first.close();
    await api.upload(fn.id, versionModule("v1"));

    const resumed = await watch(control, `?since=${snapshot.revision}&history=${snapshot.history_id}`);
    expect(await resumed.next()).toMatchObject({ type: "changes", changes: [{ revision: 2, kind: "version.created" }] });
    resumed.close();

    for (const query of [`?since=${snapshot.revision}&history=another-history`, `?since=99&history=${snapshot.history_id}`, "?since=0"]) {
      const socket = await watch(control, query);
      expect(await socket.next()).toMatchObject({ type: "snapshot", revision: 2 });
      socket.close();
    }
  });

  test("a node further behind than the kept history (retention 5 here) gets a snapshot", async () => {
    const fn = await api.createFunction({ name: "one" });
    const socket = await watch(control);
    const snapshot = await socket.next();
    if (snapshot.type !== "snapshot") throw new Error("expected a snapshot");
    socket.close();
    // Revisions 2..9; only the newest 5 are kept, so revision 1's successor is gone.
    for (let i = 0; i < 8; i++) await api.patch(fn.id, { max_execution_ms: 100 + i });
    const late = await watch(control, `?since=${snapshot.revision}&history=${snapshot.history_id}`);
    expect(await late.next()).toMatchObject({ type: "snapshot", revision: 9, functions: [{ function: { max_execution_ms: 107 } }] });
    late.close();
  });

  test("hello and applied reports show in GET /api/v1/nodes; disconnecting is recorded", async () => {
    const socket = await watch(control);
    await socket.next();
    socket.send({ type: "hello", node_id: "edge-1", address: "http://10.0.0.1:3000", version: "0.1.0", revision: 0 });
    await until("node listed", async () => (await api.nodes()).nodes.length === 1);
    socket.send({ type: "applied", revision: 0, problems: [{ function_id: "f", version: 2, reason: "sha256 mismatch" }] });
    await until("problems listed", async () => (await api.nodes()).nodes[0]!.problems.length === 1);
    expect(await api.nodes()).toMatchObject({ revision: 0, nodes: [{ id: "edge-1", address: "http://10.0.0.1:3000", version: "0.1.0", applied_revision: 0, connected: true }] });

    // A second connection of the same node replaces the first.
    const again = await watch(control);
    again.send({ type: "hello", node_id: "edge-1", address: "http://10.0.0.1:3000", version: "0.1.0", revision: 0 });
    expect((await socket.closed).code).toBe(4001);
    expect((await api.nodes()).nodes[0]!.connected).toBe(true);
    again.close();
    await until("disconnect recorded", async () => !(await api.nodes()).nodes[0]!.connected);
    expect((await api.api("/api/v1/nodes", { token: "wrong-token-0123456789" })).status).toBe(401);
  });

  test("a message that isn't hello or applied closes the socket with 1008", async () => {
    const socket = await watch(control);
    socket.send({ type: "hello", node_id: "bad id with spaces" });
    expect((await socket.closed).code).toBe(1008);
  });
});
