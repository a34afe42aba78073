// Request and response schemas of /api/v1/functions. Field schemas come from the contract so
// the API, the store and the runner agree on every bound.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import {
  Entrypoint,
  Env,
  FunctionIdParam,
  NO_NUL,
  FunctionName,
  FunctionRecord,
  MaxBodyBytes,
  MaxConcurrency,
  MaxExecutionMs,
  MemoryPages,
  Routes,
  Runtime,
} from "../../core/contract";

const fields = {
  name: FunctionName,
  entrypoint: Entrypoint,
  runtime: Runtime,
  memory_pages: MemoryPages,
  max_execution_ms: MaxExecutionMs,
  max_concurrency: MaxConcurrency,
  max_body_bytes: MaxBodyBytes,
  env: Env,
  routes: Routes,
};

/** Elysia fills in `default`s before validation: a PATCH must not "change" what it didn't name, and a create must leave the runtime's defaults to the service. */
function noDefault<T extends TSchema>(schema: T): T {
  const { default: _, ...rest } = schema;
  return rest as T;
}

export const CreateFunctionBody = Type.Object(
  {
    name: fields.name,
    // Their defaults depend on the runtime (RUNTIME_DEFAULTS): the service fills them in.
    entrypoint: Type.Optional(noDefault(fields.entrypoint)),
    runtime: Type.Optional(fields.runtime),
    memory_pages: Type.Optional(noDefault(fields.memory_pages)),
    max_execution_ms: Type.Optional(fields.max_execution_ms),
    max_concurrency: Type.Optional(fields.max_concurrency),
    max_body_bytes: Type.Optional(fields.max_body_bytes),
    env: Type.Optional(fields.env),
    routes: Type.Optional(fields.routes),
  },
  {
    additionalProperties: false,
    description: "Only `name` is required; the rest default as shown",
    example: { name: "hello", entrypoint: "handle", runtime: "wasm", memory_pages: 16, max_execution_ms: 500 },
  },
);
export type CreateFunctionBody = Static<typeof CreateFunctionBody>;

/** PUT by name: the create body without `name` (the path names it); absent fields take their defaults. */
export const PutFunctionBody = Type.Omit(CreateFunctionBody, ["name"], {
  additionalProperties: false,
  description: "The whole spec: absent fields take their defaults (as at registration), so a PUT states every setting",
  example: { runtime: "wasm", memory_pages: 16, max_execution_ms: 500, env: { GREETING: "hi" }, routes: ["/hello"] },
});
export type PutFunctionBody = Static<typeof PutFunctionBody>;

export const UpdateFunctionBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    entrypoint: Type.Optional(noDefault(fields.entrypoint)),
    runtime: Type.Optional(noDefault(fields.runtime)),
    memory_pages: Type.Optional(noDefault(fields.memory_pages)),
    max_execution_ms: Type.Optional(noDefault(fields.max_execution_ms)),
    max_concurrency: Type.Optional(noDefault(fields.max_concurrency)),
    max_body_bytes: Type.Optional(noDefault(fields.max_body_bytes)),
    env: Type.Optional(fields.env),
    routes: Type.Optional(fields.routes),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: "Fields to change; `env` and `routes` are replaced whole",
    example: { max_execution_ms: 1000, env: { GREETING: "hi" } },
  },
);
export type UpdateFunctionBody = Static<typeof UpdateFunctionBody>;

export const FunctionParams = Type.Object({ id: FunctionIdParam });
export const NameParams = Type.Object({ name: FunctionName });

export const ListQuery = Type.Object({
  limit: Type.Optional(
    Type.String({
      pattern: "^([1-9][0-9]?|100)$",
      description: "Page size, 1 to 100",
      default: "50",
      error: "must be an integer from 1 to 100",
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 64,
      pattern: NO_NUL,
      description: "`next_cursor` of the previous page",
      error: "must be a next_cursor (no NUL character)",
    }),
  ),
  name: Type.Optional({ ...FunctionName, description: "Only the function of this name (an empty list if none)" }),
});

export const FunctionList = Type.Object(
  {
    functions: Type.Array(FunctionRecord),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: "Pass as `cursor` for the next page; null on the last page",
    }),
  },
  { additionalProperties: false },
);
export type FunctionList = Static<typeof FunctionList>;
