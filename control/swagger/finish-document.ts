// The last touches to the OpenAPI document @elysiajs/swagger generates: it declares 3.1 (the
// schemas use 3.1's JSON Schema: `const`, `type: "null"`), and every schema that is one of the
// named components (the app's models) becomes a $ref to it, in paths and inside other components.

type Json = unknown;
type Document = { openapi?: string; paths?: Json; components?: { schemas?: Record<string, Json> } };

export function finishDocument<T extends Document>(generated: T): T {
  const schemas = generated.components?.schemas ?? {};
  const names = new Map(Object.entries(schemas).map(([name, schema]) => [JSON.stringify(schema), name]));
  const named = (node: Json, self?: string): Json => {
    if (Array.isArray(node)) return node.map((item) => named(item));
    if (node === null || typeof node !== "object") return node;
    const name = names.get(JSON.stringify(node));
    if (name !== undefined && name !== self) return { $ref: `#/components/schemas/${name}` };
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, named(value)]));
  };
  const components = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, named(schema, name)]));
  return {
    ...generated,
    openapi: "3.1.0",
    paths: named(generated.paths),
    components: { ...generated.components, schemas: components },
  };
}
