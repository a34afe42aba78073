// A person's path through Swagger UI, in Debian's headless Chromium with the network cut off
// except for the control plane itself: open /swagger, Authorize with the admin token, register
// a function with "Try it out", upload its .wasm through the file picker, and check the API.
// Needs /usr/bin/chromium (`bun run test` installs it as root); without it this test fails, it does not skip.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tempDir } from "../helpers/temp-dir";
import { validModule } from "../fixtures/guests";

const CHROMIUM = "/usr/bin/chromium";

let control: TestControl;
let browser: BrowserContext;
let profile: string;
beforeAll(async () => {
  control = await startTestControl();
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: apt-get update && apt-get install -y chromium (as root; bun run test does it)`,
    );
  profile = tempDir("edge-chromium-");
  // A fresh profile per run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await control.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function execute(
  page: Page,
  operationId: string,
  tag: string,
  fill: (operation: ReturnType<Page["locator"]>) => Promise<void>,
) {
  const operation = page.locator(`#operations-${tag}-${operationId}`);
  await operation.locator(".opblock-summary").click();
  await operation.locator("button.try-out__btn").click();
  await fill(operation);
  await operation.locator("button.execute").click();
  const status = operation.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor();
  const body = await operation
    .locator(".live-responses-table .response-col_description .microlight")
    .first()
    .innerText();
  return { status: (await status.innerText()).trim(), body: JSON.parse(body) as Record<string, unknown> };
}

test("register a function and upload its module from /swagger, offline", async () => {
  const page = await browser.newPage();
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())));
  page.on("pageerror", (error) => void errors.push(String(error)));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(control.url)) return route.continue();
    foreign.push(url);
    return route.abort();
  });

  await page.goto(`${control.url}/swagger`);
  await page.waitForSelector(".swagger-ui .info .title", { timeout: 15_000 });
  expect(await page.locator(".swagger-ui .info .title").innerText()).toContain("EdgeBase Functions control plane");

  await page.click("button.authorize");
  await page.fill(".modal-ux input", TOKEN);
  await page.click(".modal-ux .auth-btn-wrapper button.authorize");
  await page.click(".modal-ux button.btn-done");

  const created = await execute(page, "createFunction", "functions", async (operation) => {
    await operation
      .locator("textarea.body-param__text")
      .fill(JSON.stringify({ name: "from-swagger", max_execution_ms: 250 }));
  });
  expect(created.status).toBe("201");
  expect(created.body).toMatchObject({ name: "from-swagger", max_execution_ms: 250, memory_pages: 16 });
  const id = String(created.body.id);

  const module = validModule("swagger");
  const uploaded = await execute(page, "uploadModule", "versions", async (operation) => {
    await operation.locator("input[placeholder='id']").fill(id);
    await operation
      .locator("input[type=file]")
      .setInputFiles({ name: "hello.wasm", mimeType: "application/wasm", buffer: Buffer.from(module) });
  });
  expect(uploaded.status).toBe("201");
  expect(uploaded.body).toMatchObject({ function_id: id, version: 1, size: module.length, active: true });

  // The API has what the page did.
  const fn = (await (await control.api(`/api/v1/functions/${id}`)).json()) as Record<string, unknown>;
  expect(fn).toMatchObject({ name: "from-swagger", max_execution_ms: 250, active_version: 1 });
  const download = await control.api(`/api/v1/artifacts/${id}/1`);
  expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(module))).toBe(true);

  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
  await page.close();
});

test("without Authorize, Swagger UI shows the API's 401 in the error shape", async () => {
  const page = await browser.newPage();
  await page.goto(`${control.url}/swagger`);
  await page.waitForSelector(".swagger-ui .info .title", { timeout: 15_000 });
  const refused = await execute(page, "createFunction", "functions", async (operation) => {
    await operation.locator("textarea.body-param__text").fill(JSON.stringify({ name: "anonymous" }));
  });
  expect(refused.status).toBe("401");
  expect(refused.body).toMatchObject({ error: { code: "unauthorized" } });
  await page.close();
});
