/** JSON Schema pieces the route definitions share. */
import type { JsonSchema, QueryParam } from './route.ts';

export const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({ type: 'object', properties, required });
export const list = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
export const str: JsonSchema = { type: 'string' };
export const int: JsonSchema = { type: 'integer' };
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
export const anything: JsonSchema = {};

/** A page of a list: the items and the cursor of the next page (null on the last). */
export const page = (key: string, item: JsonSchema): JsonSchema => object({ [key]: list(item), next: nullable(str) });

export const paging: Record<string, QueryParam> = {
  cursor: { description: 'the `next` of the previous page', schema: { type: 'string' } },
  limit: { description: 'page size (default 50)', schema: { type: 'integer', minimum: 1, maximum: 500 } },
};

export const commandResult: JsonSchema = object({ ok: { type: 'boolean' }, detail: anything }, ['ok']);
