/**
 * What an expression sees while it runs: the item in hand (`$`), the whole input (`$root`),
 * the output built so far (`$out`) and, inside `each`, the item's index (`$index`).
 */
export interface Scope {
  cur: unknown;
  root: unknown;
  out: Record<string, unknown>;
  index: number;
  /** The position of what this item becomes in the output list (differs from index under where:). */
  outIndex: number;
  /** A lone object walked as a list of one: its path has no [0]. */
  wrapped: boolean;
  parent: Scope | null;
  /** The absolute path of the list `cur` belongs to (`$.orders.order`), worked out only for error messages. */
  via: ((parent: Scope) => string) | null;
}

export function rootScope(input: unknown): Scope {
  return { cur: input, root: input, out: {}, index: -1, outIndex: -1, wrapped: false, parent: null, via: null };
}

export function itemScope(parent: Scope, item: unknown, index: number, via: ((parent: Scope) => string) | null, outIndex = index, wrapped = false): Scope {
  return { cur: item, root: parent.root, out: parent.out, index, outIndex, wrapped, parent, via };
}

/** The absolute JSON path of the scope's current item: `$.orders.order[2]`. */
export function scopePath(scope: Scope): string {
  if (!scope.parent) return '$';
  const list = scope.via ? scope.via(scope.parent) : scopePath(scope.parent);
  return scope.wrapped ? list : `${list}[${scope.index}]`;
}

/** The index chain of nested `each` scopes, outermost first, to name output paths like `lines[1]`. */
export function scopeIndexes(scope: Scope): number[] {
  const indexes: number[] = [];
  for (let s: Scope | null = scope; s && s.parent; s = s.parent) indexes.unshift(s.outIndex);
  return indexes;
}

/** Null, undefined and the empty string all mean "the platform did not send it". */
export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}
