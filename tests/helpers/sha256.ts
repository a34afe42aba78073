// The SHA-256 a test expects an artifact to have, as lowercase hex.
import { createHash } from "node:crypto";

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
