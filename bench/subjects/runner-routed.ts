// The same hello-world served by an edge node: a control plane with one function `hello`
// (routes /hello and /hello/*) holding build/hello_world.wasm, and the node routing /hello to it.
// Each round starts a node with an empty cache, so its start time includes the snapshot, the
// artifact download and verification, and the compile.
import { readFileSync } from "node:fs";
import { startControlProcess, type ControlProcess } from "../../tests/helpers/control-process";
import { edgeNodeSubject } from "../edge/edge-node";
import type { Subject } from "../http-subject";

export interface RoutedSubject {
  subject: Subject;
  control: ControlProcess;
}

export async function runnerRouted(modulePath: string): Promise<RoutedSubject> {
  const control = await startControlProcess();
  const { id } = await control.createFunction({ name: "hello" });
  await control.upload(id, new Uint8Array(readFileSync(modulePath)));
  return { subject: edgeNodeSubject("runner-routed", control.url, "/hello"), control };
}
