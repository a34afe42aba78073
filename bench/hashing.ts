// Artifact hashing throughput: SHA-256 of 50 MiB with @noble/hashes (what edge nodes verified
// artifacts with until they moved to Bun.CryptoHasher), node:crypto (what the control plane
// hashes uploads with while streaming them) and Bun.CryptoHasher (what edge nodes use).
// Run alone: bun bench/hashing.ts
import { createHash, randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { median } from "./http-subject";

export interface HashRate {
  name: string;
  medianMs: number;
  mibPerSecond: number;
}

const SIZE_MIB = 50;

const hashers: { name: string; runs: number; hex(bytes: Uint8Array): string }[] = [
  { name: "@noble/hashes sha256", runs: 3, hex: (b) => bytesToHex(sha256(b)) },
  { name: "node:crypto createHash", runs: 7, hex: (b) => createHash("sha256").update(b).digest("hex") },
  { name: "Bun.CryptoHasher", runs: 7, hex: (b) => new Bun.CryptoHasher("sha256").update(b).digest("hex") },
];

export function hashing(): HashRate[] {
  const bytes = new Uint8Array(randomBytes(SIZE_MIB * 1048576));
  const expected = createHash("sha256").update(bytes).digest("hex");
  return hashers.map(({ name, runs, hex }) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const digest = hex(bytes);
      times.push(performance.now() - t0);
      if (digest !== expected) throw new Error(`${name}: wrong digest`);
    }
    const medianMs = median(times);
    return { name, medianMs, mibPerSecond: SIZE_MIB / (medianMs / 1000) };
  });
}

if (import.meta.main) {
  for (const r of hashing())
    console.log(`${r.name}: ${SIZE_MIB} MiB in ${r.medianMs.toFixed(1)} ms, ${r.mibPerSecond.toFixed(0)} MiB/s`);
}
