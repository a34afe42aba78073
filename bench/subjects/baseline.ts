// The engine's limit for the hello-world work, with no isolation: one Bun.serve that
// instantiates the module in-process per request and answers with what it wrote.
// To be the best in-process can do, it uses the same tricks as the runner's workers: the
// pipeline-prepared module (memory imported) and one reused, zeroed memory, and the bench starts
// it with the engine options the runner sets for itself (one GC marker). Not a product.
// With "reset" it keeps one instance and restores it between requests the way the runner's
// workers do (sandbox/reusable-instances.ts): the engine's limit for that way of working.
// Usage: bun bench/subjects/baseline.ts <module.wasm> <port> [reset]
import { readFileSync } from "node:fs";
import { prepareModule } from "../../core/pipeline";

const [path, portArg, mode] = Bun.argv.slice(2);
// The module exactly as the runner prepares it (with the reset entry, which a new instance
// per request does not need but the runner's module has).
const prepared = prepareModule(
  new Uint8Array(readFileSync(path)),
  { memoryPages: 16, entrypoint: "handle" },
  { resetEntry: true },
);
if (!prepared.ok) throw new Error(prepared.rejection.message);
const module = new WebAssembly.Module(prepared.bytes);
const memory = new WebAssembly.Memory({ initial: prepared.memory.minPages, maximum: prepared.memory.maxPages });
const bytes = () => new Uint8Array(memory.buffer);
let out: Uint8Array[] = [];
const imports = {
  env: { memory },
  edge: {
    response_write(ptr: number, len: number) {
      out.push(bytes().slice(ptr >>> 0, (ptr >>> 0) + (len >>> 0)));
    },
  },
  edge_sandbox: { interrupt: () => 10_000, stack_overflow: () => 0 },
};
const reset = mode === "reset";
if (reset && !prepared.reusable) throw new Error("the module is not reusable");
const kept = reset ? new WebAssembly.Instance(module, imports as Bun.WebAssembly.Imports) : null;
const image = bytes().slice();
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(portArg ?? 0),
  fetch() {
    out = [];
    const instance = kept ?? new WebAssembly.Instance(module, imports as Bun.WebAssembly.Imports);
    (instance.exports.handle as () => void)();
    if (kept) bytes().set(image);
    else bytes().fill(0);
    return new Response(out.length === 1 ? out[0] : Buffer.concat(out), {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
});
console.log(`baseline listening at http://127.0.0.1:${server.port}/`);
