// The upload path under mutated WASM: thousands of bit flips and truncations of real modules
// (the built samples and the guest fixtures) go through the control plane's upload. Each is
// refused with a 422 naming a reason, or accepted; every accepted one is then deployed to an
// edge node as its own function and invoked, and the node must answer every one of them (any
// status: it is a mutant) without crashing.
import { afterAll, expect, test } from "bun:test";
import { Prng } from "../pipeline/prng";
import { n, report } from "./helpers/report";
import { guest, sample } from "../fixtures/guests";
import { get } from "../helpers/fetch-text";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";
import { metric } from "../helpers/metrics-text";

const SEED = Number(process.env.WASM_FUZZ_SEED ?? 0x3a5f);
const CASES = 3000;
/** Accepted mutants deployed and invoked (a random sample when more are accepted). */
const DEPLOY = 400;

let control: ControlProcess | undefined;
let edge: ServerProcess | undefined;
afterAll(async () => {
  await edge?.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

const CORPUS = [
  "echo",
  "memory-bomb",
  "recursion",
  "loop-forever",
  "oob-pointer",
  "status-and-headers",
  "logs",
  "env-get",
  "huge-response",
  "body-echo",
  "fresh-state",
  "time-random",
] as const;

function mutate(rng: Prng, input: Uint8Array): Uint8Array {
  let bytes = [...input];
  for (let k = rng.chance(0.6) ? 1 : 2 + rng.int(3); k > 0; k--) {
    const at = 8 + rng.int(Math.max(1, bytes.length - 8));
    switch (rng.pick([0, 0, 0, 0, 1, 1, 2, 2, 3, 4])) {
      case 0:
        bytes[at] ^= 1 << rng.int(8);
        break; // bit flip
      case 1:
        bytes[at] = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xff, rng.int(256)]);
        break;
      case 2:
        bytes = bytes.slice(0, rng.chance(0.2) ? rng.int(9) : at);
        break; // truncation, sometimes into the header
      case 3:
        bytes.splice(at, 0, ...Array.from({ length: 1 + rng.int(4) }, () => rng.int(256)));
        break;
      default:
        bytes.splice(at, 1 + rng.int(8));
    }
  }
  return new Uint8Array(bytes);
}

async function upload(c: ControlProcess, id: string, bytes: Uint8Array, activate: boolean): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([bytes]), "mutant.wasm");
  return c.api(`/api/v1/functions/${id}/upload${activate ? "" : "?activate=false"}`, { method: "POST", body: form });
}

test(`${CASES} mutated modules (seed ${SEED}) are refused with a reason or accepted, and every accepted one runs on an edge node without crashing it`, async () => {
  control = await startControlProcess(tempDir("rel-wasmfuzz-control-"));
  const sink = await control.createFunction({ name: "sink" });
  const corpus = [sample("hello_world"), sample("echo"), ...CORPUS.map((name) => guest(name))];
  const rng = new Prng(SEED);
  const codes = new Map<string, number>();
  const wrong: string[] = [];
  const accepted = new Map<string, Uint8Array>();
  for (let i = 0; i < CASES; i++) {
    const mutant = mutate(rng, rng.pick(corpus));
    const response = await upload(control, sink.id, mutant, false);
    const body = (await response.json()) as { sha256?: string; error?: { code: string; message: string } };
    const code = response.status === 201 ? "accepted" : `${response.status} ${body.error?.code}`;
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (response.status === 201) accepted.set(body.sha256!, mutant);
    else if (response.status !== 422 || !body.error?.code || (body.error.message ?? "").length < 20)
      wrong.push(`case ${i}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  }

  // Deploy a sample of the distinct accepted mutants, each as a function with a short time limit.
  const picked = [...accepted.values()].sort(() => rng.next() / 2 ** 32 - 0.5).slice(0, DEPLOY);
  edge = await startEdgeProcess(control.url, tempDir("rel-wasmfuzz-edge-"), "wasmfuzz", ["--workers", "2"]);
  for (const [i, bytes] of picked.entries()) {
    const fn = await control.createFunction({ name: `m${i}`, max_execution_ms: 100 });
    const response = await upload(control, fn.id, bytes, true);
    if (response.status !== 201) wrong.push(`deploy m${i}: ${response.status} ${await response.text()}`);
  }
  const revision = await control.revision();
  await until(
    "the node applied every deploy",
    async () => (await metric(edge!.url, "edge_applied_revision")) >= revision,
    60_000,
  );
  const problems = ((await (await fetch(`${edge.url}/healthz`)).json()) as { problems: unknown[] }).problems;

  const statuses = new Map<number, number>();
  const unanswered: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < picked.length) {
        const i = next++;
        const { status, text } = await get(`${edge!.url}/m${i}`, {
          method: "POST",
          body: "fuzz",
          headers: { "x-echo": "1" },
          signal: AbortSignal.timeout(15_000),
        });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 0 || status === 404) unanswered.push(`m${i}: ${status} ${text.slice(0, 100)}`);
      }
    }),
  );
  const restarts = await metric(edge.url, "wasm_worker_restarts");
  const alive = edge.alive() && (await get(`${edge.url}/healthz`)).status === 200;

  const summary = [...codes]
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${count}x ${code}`)
    .join(", ");
  const answered = [...statuses]
    .sort()
    .map(([status, count]) => `${count}x ${status}`)
    .join(", ");
  console.log(
    `WASM fuzz: ${summary}; ${accepted.size} distinct accepted, ${picked.length} deployed and invoked: ${answered}; ${problems.length} node problems, ${restarts} workers replaced`,
  );
  report({
    scenario: "Mutated WASM",
    tried: `bit flips, byte changes, insertions, deletions and truncations of the samples and ${CORPUS.length} guest fixtures, uploaded; accepted ones deployed to an edge node and invoked`,
    amount: `${n(CASES)} uploads (seed ${SEED}): ${n(CASES - (codes.get("accepted") ?? 0))} refused with a reason, ${n(codes.get("accepted") ?? 0)} accepted; ${picked.length} deployed and invoked (${answered})`,
    lost: `${wrong.length} uploads answered without a reason, ${unanswered.length} mutants unanswered, ${problems.length} refused by the node, ${alive ? 0 : 1} crashes; ${restarts} workers replaced`,
  });

  expect(wrong).toEqual([]);
  expect(problems).toEqual([]);
  expect(unanswered).toEqual([]);
  expect(alive).toBe(true);
  expect(accepted.size).toBeGreaterThan(100); // the mutations reach both sides
  expect(codes.size).toBeGreaterThan(5);
}, 240_000);
