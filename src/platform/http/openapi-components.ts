/**
 * Names for response schemas in the OpenAPI document. A route keeps its TypeBox schema inline (so the
 * handler's reply stays typed and Ajv sees a plain schema) and only marks it, as a schema option:
 * `Type.Object({ … }, component('Account'))`. When the document is built, each marked schema moves to
 * `components.schemas` and the operations `$ref` it, so clients generated from the document
 * (web/src/api/schema.gen.ts) get one type per name instead of an anonymous copy per operation.
 */
const NAME = 'x-component';

/** Schema options that name a response schema `components.schemas[name]` in the OpenAPI document. */
export function component(name: string): { [NAME]: string } {
  return { [NAME]: name };
}

interface Document {
  paths?: Record<string, Record<string, unknown> | undefined>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * Moves the marked schemas under the operations' responses into `components.schemas` and refers to them.
 * Request bodies stay inline: the API-surface test reads their fields straight from the operation.
 * One name is one schema: two different schemas under the same name stop the document from being built.
 */
export function hoistNamedSchemas<D extends object>(document: D): D {
  const doc = document as Document;
  doc.components ??= {};
  doc.components.schemas ??= {};
  const schemas = doc.components.schemas;
  const hoisted = new Map<string, string>();

  const visit = (node: unknown, hoist: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => visit(item, hoist));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) if (key !== NAME) out[key] = visit(value, hoist);
    const name = (node as Record<string, unknown>)[NAME];
    if (!hoist || typeof name !== 'string') return out;
    const json = JSON.stringify(out);
    const known = hoisted.get(name);
    if (known === undefined && name in schemas) {
      throw new Error(`OpenAPI: the schema name ${name} is already a shared schema`);
    }
    if (known !== undefined && known !== json) {
      throw new Error(`OpenAPI: two different response schemas are named ${name}`);
    }
    hoisted.set(name, json);
    schemas[name] = out;
    return { $ref: `#/components/schemas/${name}` };
  };

  for (const item of Object.values(doc.paths ?? {})) {
    if (!item) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (operation === null || typeof operation !== 'object') continue;
      const { responses, ...rest } = operation as { responses?: unknown };
      // Elsewhere (a body, a parameter) the mark is only dropped.
      item[method] = {
        ...(visit(rest, false) as object),
        ...(responses ? { responses: visit(responses, true) } : {}),
      };
    }
  }
  return document;
}
