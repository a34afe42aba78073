// The benchmark workload: one host call per request, no heap allocation
// (Response.write encodes through the SDK's static scratch buffer).

import { Response } from "../../sdk/assembly";

export function handle(): void {
  Response.write("Hello, World!");
}
