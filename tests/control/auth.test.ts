// Where the admin token comes from, how it is stored, and how bearer tokens are compared.
import { expect, test } from "bun:test";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requiredRole, tokenRole } from "../../control/auth/bearer";
import { resolveAdminToken } from "../../control/auth/tokens";
import { tempDir } from "../helpers/temp-dir";

test("no configured token: one is generated once, saved with mode 0600, and reused", async () => {
  const dir = tempDir();
  const first = await resolveAdminToken(undefined, dir);
  expect(first.source).toBe("generated");
  expect(first.token).toMatch(/^ebc_[A-Za-z0-9_-]{43}$/);
  const path = join(dir, "admin-token");
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(readFileSync(path, "utf8").trim()).toBe(first.token);
  const second = await resolveAdminToken(undefined, dir);
  expect(second).toEqual({ token: first.token, source: "file", path, warning: undefined });
  rmSync(dir, { recursive: true, force: true });
});

test("a configured token wins and writes nothing; a loose or empty token file is reported", async () => {
  const dir = tempDir();
  expect(await resolveAdminToken("configured-token-0123456789", dir)).toEqual({
    token: "configured-token-0123456789",
    source: "config",
  });
  expect(() => statSync(join(dir, "admin-token"))).toThrow();
  writeFileSync(join(dir, "admin-token"), "loose-token-0123456789\n", { mode: 0o644 });
  expect((await resolveAdminToken(undefined, dir)).warning).toContain("chmod 600");
  writeFileSync(join(dir, "admin-token"), "\n");
  await expect(resolveAdminToken(undefined, dir)).rejects.toThrow("no usable token");
  rmSync(dir, { recursive: true, force: true });
});

test("bearer tokens map to roles; anything else is no role", () => {
  const tokens = { admin: "admin-token-0123456789", read: "read-token-0123456789" };
  expect(tokenRole(tokens, "Bearer admin-token-0123456789")).toBe("admin");
  expect(tokenRole(tokens, "bearer   read-token-0123456789 ")).toBe("read");
  for (const header of [
    null,
    "",
    "Bearer",
    "Bearer admin-token-012345678",
    "Bearer admin-token-0123456789x",
    "Basic admin-token-0123456789",
    "Bearer a b",
  ]) {
    expect(tokenRole(tokens, header)).toBeNull();
  }
  expect(tokenRole({ admin: "admin-token-0123456789" }, "Bearer read-token-0123456789")).toBeNull();
});

test("deny by default under /api: reads need a token, everything else the admin token", () => {
  expect(requiredRole("GET", "/api/v1/functions")).toBe("read");
  expect(requiredRole("GET", "/api/v1/artifacts/x/1")).toBe("read");
  expect(requiredRole("POST", "/api/v1/functions")).toBe("admin");
  expect(requiredRole("DELETE", "/api/anything-new")).toBe("admin");
  expect(requiredRole("GET", "/healthz")).toBeNull();
  expect(requiredRole("GET", "/swagger")).toBeNull();
});
