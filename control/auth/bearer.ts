// Bearer-token checks for /api/*: deny by default. Reads (GET/HEAD, including artifact
// downloads) take the admin or the read-only token; everything else takes the admin token.
// Runs on request, before routing and body parsing, so an unauthenticated upload is refused
// without reading it.
import { timingSafeEqual } from "node:crypto";
import { sha256Digest } from "../../core/module/sha256";
import { pathOf, requestTarget } from "../../core/http/request-target";
import { ApiError } from "../errors";

export type Role = "admin" | "read";

export interface Tokens {
  admin: string;
  read?: string;
}

/** Compares SHA-256 digests, so the comparison takes the same time whatever the lengths. */
export function tokenRole(tokens: Tokens, authorization: string | null): Role | null {
  const match = authorization?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  if (!match) return null;
  const presented = sha256Digest(match[1]!);
  const isAdmin = timingSafeEqual(presented, sha256Digest(tokens.admin));
  const isRead = tokens.read !== undefined && timingSafeEqual(presented, sha256Digest(tokens.read));
  return isAdmin ? "admin" : isRead ? "read" : null;
}

export function requiredRole(method: string, path: string): Role | null {
  if (!path.startsWith("/api/")) return null;
  return method === "GET" || method === "HEAD" ? "read" : "admin";
}

/** An onRequest hook: throws ApiError 401/403 when the request lacks the role its route needs. */
export function bearerAuth(tokens: Tokens) {
  return ({ request }: { request: Request }): void => {
    // The path as Elysia routes it: from the request target, whatever the Host says.
    const needed = requiredRole(request.method, pathOf(requestTarget(request) ?? "/"));
    if (!needed) return;
    const role = tokenRole(tokens, request.headers.get("authorization"));
    if (!role) throw new ApiError(401, "unauthorized", "missing or invalid token: send Authorization: Bearer <token>");
    if (needed === "admin" && role !== "admin")
      throw new ApiError(403, "forbidden", "the read-only token cannot change anything; use the admin token");
  };
}
