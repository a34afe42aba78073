// `edge dev [DIR]`: serve the function locally with the real runner under the manifest's limits,
// rebuilt and swapped in on every source change without dropping a request (cli/dev/).
import { DevLoop } from "../dev/dev-loop";
import { DevProxy } from "../dev/proxy";
import { loadManifest } from "../manifest/load-manifest";
import { Failure, UsageError } from "../output/errors";
import type { Command } from "../command";

export const dev: Command = {
  name: "dev",
  args: "[DIR]",
  summary: "Serve the function in DIR locally with the real runner; rebuild and swap on every change",
  details: `Builds, checks the module as deploy would, and serves it on http://HOST:PORT/ through a local proxy in front
of a runner (bun runner/main.ts with the manifest's runtime, limits and env). It watches [build] watch and
edgebase.toml; on a change it rebuilds, starts a new runner, switches the proxy to it, and stops the old one
once its requests are done. Build and pipeline errors are printed; the last good module keeps serving.`,
  flags: {
    port: { type: "string", short: "p", help: "-p, --port N          local port (default 3000; 0 picks a free one)" },
    host: { type: "string", help: "--host H              local address (default 127.0.0.1)" },
  },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals, env, out }) {
    const port = Number(values.port ?? 3000);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port: "${values.port}" is not a port`);
    const host = (values.host as string | undefined) ?? "127.0.0.1";
    const target = positionals[0] ?? ".";
    const loaded = loadManifest(target);
    let proxy: DevProxy;
    try {
      proxy = new DevProxy(port, host);
    } catch (error) {
      throw new Failure(
        `cannot listen on ${host}:${port}: ${(error as Error).message}; choose another --port`,
        "listen",
      );
    }
    const say = (line: string) => process.stderr.write(`[dev] ${line}\n`);
    const loop = new DevLoop(loaded, proxy, { target, env, say, log: (line) => console.log(line), pollMs: 250 });
    out.progress(`edge dev: serving ${loaded.manifest.name} at http://${host}:${proxy.server.port}/`);
    await loop.start();
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const)
        process.once(signal, () => {
          say(`${signal}: stopping`);
          void loop.stop().then(resolve);
        });
    });
  },
};
