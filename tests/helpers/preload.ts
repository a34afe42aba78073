// Loaded before every `bun test` run (bunfig.toml [test] preload): after the last test of the
// run, the servers the tests started and left running are killed and the temp dirs removed.
// bun test fires no "exit" event, so the helpers' exit handlers alone would leave both behind.
import { afterAll } from "bun:test";
import { killServers } from "./server-process";
import { removeTempDirs } from "./temp-dir";

afterAll(async () => {
  await killServers();
  removeTempDirs();
});
