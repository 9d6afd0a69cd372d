import validateSchema from './validate-canonical-order.generated.js';
import type { CanonicalOrder } from './canonical-order.generated.ts';
import { attributeMismatch, type AttributeDeclarations } from './attributes.ts';

/** One reason an order does not fit the canonical schema, at a JSON path like `$.lines[0].sku`. */
export interface OrderProblem {
  path: string;
  message: string;
}

export type OrderCheck = { ok: true; order: CanonicalOrder } | { ok: false; problems: OrderProblem[] };

/**
 * Checks a candidate order against the canonical schema and the merchant's declared attributes.
 *
 * @example
 * const check = validateOrder(candidate);
 * if (!check.ok) console.log(check.problems); // [{ path: '$.lines[0].quantity', message: 'must be >= 1' }]
 */
export function validateOrder(candidate: unknown, attributes: AttributeDeclarations = {}): OrderCheck {
  const problems: OrderProblem[] = [];
  if (!validateSchema(candidate)) {
    for (const error of validateSchema.errors ?? []) {
      const missing = error.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : undefined;
      const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
      const path = pointerToPath(error.instancePath) + (missing ? memberPath(missing) : extra ? memberPath(extra) : '');
      const message = missing
        ? 'is required'
        : extra
          ? 'is not a field of the canonical order'
          : error.keyword === 'enum'
            ? `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
            : (error.message ?? 'is invalid');
      problems.push({ path, message });
    }
  }
  const values = (candidate as { attributes?: Record<string, unknown> } | null)?.attributes;
  if (values && typeof values === 'object') {
    for (const [name, value] of Object.entries(values)) {
      const declaration = attributes[name];
      const problem = declaration ? attributeMismatch(value, declaration) : 'is not a declared attribute (declare it under attributes in hub.yaml)';
      if (problem) problems.push({ path: `$.attributes${memberPath(name)}`, message: problem });
    }
  }
  return problems.length === 0 ? { ok: true, order: candidate as CanonicalOrder } : { ok: false, problems };
}

/** `/lines/0/sku` → `$.lines[0].sku` */
export function pointerToPath(pointer: string): string {
  let path = '$';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : memberPath(segment);
  }
  return path;
}

function memberPath(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
