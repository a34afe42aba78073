// The same odd API calls and watch hellos against a control plane on SQLite and one on
// PostgreSQL: both answer alike. PostgreSQL's text holds no NUL and its jsonb refuses the
// \u0000 and lone surrogates JSON text may carry, where SQLite takes them; none of that may
// turn into a 500 (or a node closed with 1011) on one backend only.
import { afterAll, beforeAll, expect } from "bun:test";
import { freshSchema, type TestSchema, postgresSuite } from "../../helpers/postgres";
import { putSecret, SECRETS_KEY } from "../../helpers/secrets";
import { startTestControl, type TestControl } from "../../helpers/test-control";
import { watch } from "../../edge/watch-socket";

const { base, run } = await postgresSuite();

let schema: TestSchema;
const controls: Record<"sqlite" | "postgres", TestControl> = {} as never;
beforeAll(async () => {
  if (!base) return;
  schema = await freshSchema(base);
  // databaseUrl undefined: SQLite, also in the suite's PostgreSQL pass (the test names its database).
  controls.sqlite = await startTestControl({ secretsKey: SECRETS_KEY, databaseUrl: undefined });
  controls.postgres = await startTestControl({ secretsKey: SECRETS_KEY, databaseUrl: schema.url });
});
afterAll(async () => {
  for (const control of Object.values(controls)) await control.stop();
  await schema?.drop();
});

/** Status and error code (or the answer's fields named) of a call on each backend. */
async function onBoth(call: (control: TestControl) => Promise<Response>): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  for (const [store, control] of Object.entries(controls)) {
    const response = await call(control);
    const body = (await response.json().catch(() => null)) as { error?: { code: string } } | null;
    answers[store] = [response.status, body?.error?.code ?? null];
  }
  return answers;
}

run("a NUL in a function id or a cursor: 422 validation_failed on both, never a 500", async () => {
  for (const path of [
    "/api/v1/functions/%00",
    "/api/v1/functions/a%00b/versions",
    "/api/v1/functions/%00/secrets",
    "/api/v1/artifacts/%00/1",
    "/api/v1/functions?cursor=%00",
    "/api/v1/nodes?cursor=x%00",
  ]) {
    const status = [422, "validation_failed"];
    expect({ path, ...(await onBoth((control) => control.api(path))) } as Record<string, unknown>).toEqual({
      path,
      sqlite: status,
      postgres: status,
    });
  }
});

run("a secret set on a function whose env holds \\u0000 and a lone surrogate: 201 on both", async () => {
  const env = { NUL: "a\u0000b", HALF: "\ud800" };
  const answers = await onBoth(async (control) => {
    const fn = await control.createFunction({ name: "odd-env", env });
    return putSecret((path, init) => control.api(`/api/v1/functions/${path}`, init), fn.id, "KEY", "value");
  });
  expect(answers).toEqual({ sqlite: [201, null], postgres: [201, null] });
  // The env rule still holds: a secret may not take an env name.
  const taken = await onBoth(async (control) => {
    const { functions } = (await (await control.api("/api/v1/functions?name=odd-env")).json()) as {
      functions: { id: string }[];
    };
    return putSecret((path, init) => control.api(`/api/v1/functions/${path}`, init), functions[0]!.id, "NUL", "v");
  });
  expect(taken).toEqual({ sqlite: [409, "env_secret_conflict"], postgres: [409, "env_secret_conflict"] });
});

run("a hello with a NUL in its address or a revision past 2^53: refused as a bad message on both", async () => {
  for (const fields of [{ address: "http://a\u0000b" }, { version: "1\u0000" }, { revision: 2 ** 64 }]) {
    const closes: Record<string, unknown> = {};
    for (const [store, control] of Object.entries(controls)) {
      const socket = await watch(control.url);
      socket.hello({ node_id: "odd-node", ...fields });
      closes[store] = (await socket.closed).code;
    }
    expect({ fields, ...closes } as Record<string, unknown>).toEqual({ fields, sqlite: 1008, postgres: 1008 });
  }
});
