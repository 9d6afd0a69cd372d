/**
 * What the static check knows about an expression's result before any payload is seen:
 * its type and, for literals and lookup tables, its exact values and where they are written.
 */
import type { MappingProblem, Position } from './errors.ts';
import { closest, isMoney, jsonType, resolveRef, typesOf, type SchemaRef } from './schema.ts';

export interface Literal {
  value: unknown;
  position: Position;
}

export type Shape =
  | { t: 'any' }
  | { t: 'string' | 'integer' | 'number' | 'boolean' | 'null'; literals?: Literal[] }
  | { t: 'array'; items: Shape }
  | { t: 'object' }
  | { t: 'union'; of: Shape[] };

export const ANY: Shape = { t: 'any' };
export const STRING: Shape = { t: 'string' };
export const INTEGER: Shape = { t: 'integer' };
export const BOOLEAN: Shape = { t: 'boolean' };

export function literalShape(value: unknown, position: Position): Shape {
  const t = jsonType(value);
  if (t === 'array') return { t: 'array', items: ANY };
  if (t === 'object') return { t: 'object' };
  return { t: t as 'string', literals: [{ value, position }] };
}

export function union(shapes: Shape[]): Shape {
  // Unknown members stay in the union: the known ones (a literal default, a lookup table) are
  // still checked, and a money field only warns when no member is known to be money.
  const flat = shapes.flatMap((s) => (s.t === 'union' ? s.of : [s]));
  if (flat.every((s) => s.t === 'any')) return ANY;
  return flat.length === 1 ? flat[0]! : { t: 'union', of: flat };
}

function shapeName(shape: Shape): string {
  if (shape.t === 'union') return shape.of.filter((s) => s.t !== 'any').map(shapeName).join(' or ');
  if (shape.t === 'array') return 'a list';
  if (shape.t === 'object') return 'an object';
  return shape.t === 'integer' ? 'an integer' : `a ${shape.t}`;
}

/**
 * Checks that an expression's shape fits the target schema: type, enum values, patterns.
 * `label` is the target field (`lines[].unitPrice`), `position` where the expression is written.
 */
export function checkShape(shape: Shape, target: SchemaRef, label: string, position: Position, problems: MappingProblem[]): void {
  if (shape.t === 'union') {
    for (const member of shape.of) if (member.t !== 'any') checkShape(member, target, label, position, problems);
    return;
  }
  if (shape.t === 'any') {
    if (isMoney(target)) {
      problems.push({
        severity: 'warning',
        position,
        message: `${label} is money in fen (an integer); this passes the source value through unchanged: use money: (unit: yuan or fen) to convert it`,
      });
    }
    return;
  }
  const node = resolveRef(target).node;
  const allowed = typesOf(target);
  if (allowed && !allowed.has(shape.t) && !(shape.t === 'integer' && allowed.has('number'))) {
    const want = [...allowed].join(' or ');
    const hint = allowed.has('string') && (shape.t === 'integer' || shape.t === 'number') ? ': wrap it in string:' : '';
    const where = shape.t !== 'array' && shape.t !== 'object' && shape.literals?.[0] ? shape.literals[0].position : position;
    problems.push({ severity: 'error', position: where, message: `${label} expects ${want}, but this gives ${shapeName(shape)}${hint}` });
    return;
  }
  if (shape.t === 'array' || shape.t === 'object' || !shape.literals) return;
  const allowedValues = node.enum ?? (node.const !== undefined ? [node.const] : undefined);
  for (const literal of shape.literals) {
    if (allowedValues && !allowedValues.some((v) => v === literal.value)) {
      const suggestion = typeof literal.value === 'string' ? closest(literal.value, allowedValues.map(String)) : undefined;
      problems.push({
        severity: 'error',
        position: literal.position,
        message: `${label}: ${JSON.stringify(literal.value)} is not one of ${allowedValues.map((v) => JSON.stringify(v)).join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      });
    } else if (typeof literal.value === 'string' && node.pattern && !new RegExp(node.pattern, 'u').test(literal.value)) {
      problems.push({ severity: 'error', position: literal.position, message: `${label}: ${JSON.stringify(literal.value)} does not match ${node.pattern}` });
    } else if (typeof literal.value === 'string' && node.minLength !== undefined && literal.value.length < node.minLength) {
      problems.push({ severity: 'error', position: literal.position, message: `${label} must not be empty` });
    }
  }
}
