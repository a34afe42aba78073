// The database URL's password stays off the command line and out of the logs, whether it is in
// the user part (postgres://u:PW@h/db) or the query (postgres://u@h/db?password=PW, which
// Bun.sql sends as libpq does).
import { expect, test } from "bun:test";
import { loadControlConfig } from "../../../control/config";
import { startControl } from "../../../control/start-control";
import { redactUrl } from "../../../control/store/postgres/database";
import { createLogger } from "../../../core/observe/log";
import { CONTROL_TOKENS } from "../../helpers/control-api";
import { freshSchema, postgresSuite } from "../../helpers/postgres";
import { tempDir } from "../../helpers/temp-dir";

const { base, run } = await postgresSuite();

test("--database-url with a password in the query is refused on the command line, without echoing it", () => {
  for (const url of ["postgres://u@h/db?password=hunter2", "postgres://u@h/db?sslmode=disable&PassWord=hunter2"]) {
    const loaded = loadControlConfig(["--database-url", url], CONTROL_TOKENS);
    expect(loaded).toMatchObject({ ok: false, message: expect.stringContaining("carries a password") });
    expect(JSON.stringify(loaded)).not.toContain("hunter2");
  }
  // From the environment it is taken.
  const fromEnv = loadControlConfig([], {
    ...CONTROL_TOKENS,
    EDGE_CONTROL_DATABASE_URL: "postgres://u@h/db?password=x",
  });
  expect(fromEnv.ok).toBe(true);
});

test("redactUrl hides the password in the user part and in the query", () => {
  expect(redactUrl("postgres://u:hunter2@h:5432/db?password=hunter2&sslmode=require")).toBe(
    "postgres://u:***@h:5432/db?password=***&sslmode=require",
  );
});

run("a control plane given ?password= in EDGE_CONTROL_DATABASE_URL never logs it", async () => {
  const schema = await freshSchema(base!);
  const url = new URL(schema.url);
  url.searchParams.set("password", "hunter2"); // trust auth here: sent, never asked for
  const lines: string[] = [];
  const loaded = loadControlConfig(["--port", "0", "--host", "127.0.0.1", "--data-dir", tempDir("edge-dburl-")], {
    ...CONTROL_TOKENS,
    EDGE_CONTROL_DATABASE_URL: url.toString(),
  });
  if (loaded.ok !== true) throw new Error(JSON.stringify(loaded));
  const control = await startControl(
    loaded.config,
    createLogger("debug", {}, (line) => lines.push(line)),
    {
      environment: {},
    },
  );
  await control.stop();
  await schema.drop();
  expect(lines.some((line) => line.includes("metadata in PostgreSQL"))).toBe(true);
  expect(lines.filter((line) => line.includes("hunter2"))).toEqual([]);
});
