/**
 * Just enough JSON Schema navigation for the static check: follow local `$ref`s, find a
 * property's schema, name a schema's type. Target schemas are kept plain (no oneOf trees) so
 * this stays small.
 */
export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  description?: string;
  [key: string]: unknown;
};

export interface SchemaRef {
  root: JsonSchema;
  node: JsonSchema;
}

export function resolveRef(ref: SchemaRef): SchemaRef {
  let node = ref.node;
  for (let hops = 0; node.$ref && hops < 16; hops++) {
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(node.$ref);
    const target = match ? ref.root[match[1] as '$defs' | 'definitions']?.[match[2]!] : undefined;
    if (!target) break;
    // Annotations beside a $ref (description) are kept; the referenced shape wins for validation.
    node = { ...target, ...withoutRef(node) };
  }
  return { root: ref.root, node };
}

function withoutRef(node: JsonSchema): JsonSchema {
  const { $ref: _ref, ...rest } = node;
  return rest;
}

/** Names the money refs: `#/$defs/money` (or any def called money). */
export function isMoney(ref: SchemaRef): boolean {
  return typeof ref.node.$ref === 'string' && /\/money$/.test(ref.node.$ref);
}

export function typesOf(ref: SchemaRef): Set<string> | undefined {
  const node = resolveRef(ref).node;
  if (node.type) return new Set(Array.isArray(node.type) ? node.type : [node.type]);
  const values = node.enum ?? (node.const !== undefined ? [node.const] : undefined);
  if (values) return new Set(values.map(jsonType));
  return undefined;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export type PropertyLookup = { kind: 'known'; schema: SchemaRef } | { kind: 'open'; schema?: SchemaRef } | { kind: 'unknown'; known: string[] };

export function propertyOf(ref: SchemaRef, key: string): PropertyLookup {
  const node = resolveRef(ref).node;
  const property = node.properties?.[key];
  if (property) return { kind: 'known', schema: { root: ref.root, node: property } };
  const extra = node.additionalProperties;
  if (extra === false) return { kind: 'unknown', known: Object.keys(node.properties ?? {}) };
  if (extra && typeof extra === 'object') return { kind: 'open', schema: { root: ref.root, node: extra } };
  return { kind: 'open' };
}

export function requiredOf(ref: SchemaRef): string[] {
  return resolveRef(ref).node.required ?? [];
}

export function itemsOf(ref: SchemaRef): SchemaRef | undefined {
  const items = resolveRef(ref).node.items;
  return items ? { root: ref.root, node: items } : undefined;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
