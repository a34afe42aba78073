// Hostile input to the control-plane API: every answer is a 4xx in the product's error shape
// (`{"error":{"code","message","field"?}}`), never a 5xx, and nothing is written: the revision,
// the functions, the versions, the artifact files and tmp/ are exactly as before.
import { afterAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { knownCases, randomCases, type ApiCase } from "./helpers/api-cases";
import { n, report } from "./helpers/report";
import { rawExchange, type RawAnswer } from "../helpers/raw-http";
import { paddedModule } from "../fixtures/guests";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { tempDir } from "../helpers/temp-dir";
import { TOKEN } from "../helpers/control-api";

const SEED = Number(process.env.API_FUZZ_SEED ?? 0xa91f);
const RANDOM = 3000;

let control: ControlProcess | undefined;
afterAll(() => control?.stop("SIGKILL"));

/** The error contract: 4xx, JSON, exactly {error: {code, message, field?}} with strings. */
function productError(answer: RawAnswer): boolean {
  if (answer.status < 400 || answer.status > 499 || !answer.headers["content-type"]?.startsWith("application/json"))
    return false;
  try {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    const error = body.error as Record<string, unknown> | undefined;
    if (Object.keys(body).length !== 1 || !error) return false;
    const keys = Object.keys(error).sort().join(",");
    return (
      (keys === "code,message" || keys === "code,field,message") &&
      Object.values(error).every((v) => typeof v === "string")
    );
  } catch {
    return false;
  }
}

async function state(c: ControlProcess, id: string) {
  const health = (await (await fetch(`${c.url}/healthz`)).json()) as { revision: number };
  const functions = await (await c.api("/api/v1/functions?limit=100")).text();
  const versions = await (await c.api(`/api/v1/functions/${id}/versions`)).text();
  const artifacts = readdirSync(join(c.dataDir, "artifacts"))
    .flatMap((d) => readdirSync(join(c.dataDir, "artifacts", d)))
    .sort();
  return { revision: health.revision, functions, versions, artifacts, tmp: readdirSync(join(c.dataDir, "tmp")) };
}

test(`control-plane API fuzz: known attacks and ${RANDOM} random cases (seed ${SEED}) all get a 4xx in the error shape, and nothing is written`, async () => {
  control = await startControlProcess(tempDir("rel-apifuzz-"), { logLevel: "info" });
  const fn = await control.createFunction({ name: "target", env: { SECRET: "s" } });
  const form = new FormData();
  form.append("file", new Blob([paddedModule("target", 100)]), "m.wasm");
  expect((await control.api(`/api/v1/functions/${fn.id}/upload`, { method: "POST", body: form })).status).toBe(201);
  const before = await state(control, fn.id);
  const rssBefore = control.rssMb();

  const cases: ApiCase[] = [...knownCases(fn.id), ...randomCases(fn.id, SEED, RANDOM)];
  const wrong: string[] = [];
  const codes = new Map<string, number>();
  const parserAnswers = new Map<string, number>();
  let rssMax = rssBefore;
  for (const [i, c] of cases.entries()) {
    const answer = await rawExchange(
      control.url,
      c.method,
      c.path,
      { authorization: `Bearer ${TOKEN}`, ...c.headers },
      c.body,
    );
    if (c.parser) {
      // Not HTTP: Bun refuses it before the app, with a bare status or by closing.
      parserAnswers.set(String(answer.status), (parserAnswers.get(String(answer.status)) ?? 0) + 1);
      if (answer.status >= 200 && answer.status < 400)
        wrong.push(`${c.name}: ${answer.status} ${answer.body.slice(0, 100)}`);
      continue;
    }
    if (!productError(answer)) wrong.push(`${c.name}: ${answer.status} ${answer.body.slice(0, 200)}`);
    else {
      const code = `${answer.status} ${(JSON.parse(answer.body) as { error: { code: string } }).error.code}`;
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    if (i % 100 === 0) rssMax = Math.max(rssMax, control.rssMb());
  }
  rssMax = Math.max(rssMax, control.rssMb());
  const after = await state(control, fn.id);
  const alive = control.alive() && (await fetch(`${control.url}/healthz`)).status === 200;
  const serverErrors = control.lines().filter((line) => line.includes('"level":"error"'));

  const summary = [...codes]
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${count}x ${code}`)
    .join(", ");
  console.log(
    `API fuzz: ${n(cases.length)} requests; ${summary}; refused by the HTTP parser: ${[...parserAnswers].map(([s, c]) => `${c}x ${s}`).join(", ")}; RSS ${rssBefore.toFixed(0)} -> max ${rssMax.toFixed(0)} MiB`,
  );
  report({
    scenario: "API fuzz",
    tried:
      "malformed JSON, wrong types, huge strings (10 MB name, 1 MB env key), path traversal and NUL in names and ids, wrong content types, broken multipart, bombs of repeated bytes (40-60 MiB, gzip of 512 MiB), seeded random mixes",
    amount: `${n(cases.length)} requests (${RANDOM} random, seed ${SEED}); control plane RSS ${rssBefore.toFixed(0)} -> max ${rssMax.toFixed(0)} MiB`,
    lost: `${wrong.length} answers other than a 4xx in the error shape, ${serverErrors.length} server errors logged; ${JSON.stringify(after) === JSON.stringify(before) ? "nothing" : "something"} written`,
  });

  expect(wrong).toEqual([]);
  expect(serverErrors).toEqual([]);
  expect(after).toEqual(before);
  expect(alive).toBe(true);
}, 180_000);
