// What the secrets tests share: a key and its file, requests that set and delete secrets, and a
// search for a value in the bytes of files (the SQLite file, its WAL, the state file).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp-dir";

/** A secrets key as `openssl rand -hex 32` writes it. */
export const SECRETS_KEY = "5f1c0a2b9d8e7f60718293a4b5c6d7e8f9011223344556677889900aabbccdde";
export const OTHER_SECRETS_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/** A file holding `key` (mode 0600, with the newline `openssl ... > file` leaves). */
export function secretsKeyFile(key = SECRETS_KEY): string {
  const path = join(tempDir("edge-secrets-key-"), "secrets.key");
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return path;
}

type Api = (path: string, init?: RequestInit & { token?: string }) => Promise<Response>;

/** PUT a secret's value (raw body, or JSON when `json`). */
export function putSecret(api: Api, fn: string, key: string, value: string, json = false): Promise<Response> {
  return api(`${fn}/secrets/${key}`, {
    method: "PUT",
    headers: json ? { "content-type": "application/json" } : { "content-type": "text/plain" },
    body: json ? JSON.stringify({ value }) : value,
  });
}

/** The files of a SQLite database that can hold its pages: the file, its WAL, its shared memory index. */
export function sqliteFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
}

/** The files among `files` whose bytes contain `text` (as UTF-8). */
export function filesContaining(files: string[], text: string): string[] {
  const needle = Buffer.from(text, "utf8");
  return files.filter((file) => readFileSync(file).includes(needle));
}
