/**
 * Paths into the source (or the output built so far):
 *
 *   $.receiver_name            a field of the item in hand
 *   $.orders.order[0].title    nested fields and array positions
 *   $.orders.order[*].payment  every element (the result is an array)
 *   $root.tid                  the whole input, from inside `each`
 *   $parent.skuId              the enclosing item, from inside a nested `each` / `where`
 *   $out.lines[*].amount       the output built so far
 *   $index                     the position of the item in hand inside `each`
 */
import { scopePath, type Scope } from './scope.ts';

export type PathRoot = '$' | '$root' | '$parent' | '$out' | '$index';
export type Segment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' };

export interface ParsedPath {
  root: PathRoot;
  segments: Segment[];
  text: string;
}

export class PathSyntaxError extends Error {
  override name = 'PathSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parsePath(text: string): ParsedPath {
  const rootMatch = /^\$(root|parent|out|index)?/.exec(text);
  if (!rootMatch) throw new PathSyntaxError('a path starts with $, $root, $parent, $out or $index', 0);
  const root = rootMatch[0] as PathRoot;
  const segments: Segment[] = [];
  let i = rootMatch[0].length;
  if (root === '$' && /^[A-Za-z_]/.test(text.slice(i))) {
    throw new PathSyntaxError(`unknown path root "${text.match(/^\$\w*/)![0]}": use $, $root, $parent, $out or $index`, 0);
  }
  while (i < text.length) {
    const ch = text[i];
    if (ch === '.') {
      const m = /^[^.[\]\s]+/.exec(text.slice(i + 1));
      if (!m) throw new PathSyntaxError('expected a field name after "."', i + 1);
      if (FORBIDDEN_KEYS.has(m[0])) throw new PathSyntaxError(`"${m[0]}" cannot be read`, i + 1);
      segments.push({ kind: 'key', key: m[0] });
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const m = /^\[(\*|\d+|"((?:[^"\\]|\\.)*)")\]/.exec(text.slice(i));
      if (!m) throw new PathSyntaxError('expected [n], [*] or ["name"]', i);
      if (m[1] === '*') segments.push({ kind: 'all' });
      else if (m[2] !== undefined) {
        const key = JSON.parse(`"${m[2]}"`) as string;
        if (FORBIDDEN_KEYS.has(key)) throw new PathSyntaxError(`"${key}" cannot be read`, i + 2);
        segments.push({ kind: 'key', key });
      }
      else segments.push({ kind: 'index', index: Number(m[1]) });
      i += m[0].length;
    } else {
      throw new PathSyntaxError(`unexpected "${ch}" in path`, i);
    }
  }
  if (root === '$index' && segments.length > 0) throw new PathSyntaxError('$index has no fields', rootMatch[0].length);
  return { root, segments, text };
}

export type Reader = (scope: Scope) => unknown;

/** Compiles a parsed path into a closure; null and absent both read as undefined. */
export function compileReader(path: ParsedPath): Reader {
  if (path.root === '$index') return (scope) => (scope.index >= 0 ? scope.index : undefined);
  const start = startOf(path.root);
  const walk = compileSegments(path.segments);
  return (scope) => walk(start(scope));
}

function startOf(root: PathRoot): (scope: Scope) => unknown {
  if (root === '$root') return (scope) => scope.root;
  if (root === '$parent') return (scope) => scope.parent?.cur;
  if (root === '$out') return (scope) => scope.out;
  return (scope) => scope.cur;
}

function compileSegments(segments: Segment[]): (value: unknown) => unknown {
  const wildcard = segments.findIndex((s) => s.kind === 'all');
  if (wildcard === -1) return compilePlain(segments);
  const before = compilePlain(segments.slice(0, wildcard));
  const after = compileSegments(segments.slice(wildcard + 1));
  const flatten = segments.slice(wildcard + 1).some((s) => s.kind === 'all');
  return (value) => {
    const list = before(value);
    if (!Array.isArray(list)) return undefined;
    const out: unknown[] = [];
    for (const item of list) {
      const v = after(item);
      if (v === undefined) continue;
      if (flatten && Array.isArray(v)) for (const x of v) out.push(x);
      else out.push(v);
    }
    return out;
  };
}

function compilePlain(segments: Segment[]): (value: unknown) => unknown {
  const keys = segments.map((s) => (s.kind === 'key' ? s.key : s.kind === 'index' ? s.index : 0));
  // Unrolled for the usual depths: this is the innermost loop of every mapping.
  if (keys.length === 0) return (v) => (v === null ? undefined : v);
  if (keys.length === 1) {
    const [a] = keys as [string | number];
    return (v) => (typeof v === 'object' && v !== null ? own((v as Record<string | number, unknown>)[a]) : undefined);
  }
  if (keys.length === 2) {
    const [a, b] = keys as [string | number, string | number];
    return (v) => {
      if (typeof v !== 'object' || v === null) return undefined;
      const x = (v as Record<string | number, unknown>)[a];
      return typeof x === 'object' && x !== null ? own((x as Record<string | number, unknown>)[b]) : undefined;
    };
  }
  return (v) => {
    let x = v;
    for (const key of keys) {
      if (typeof x !== 'object' || x === null) return undefined;
      x = (x as Record<string | number, unknown>)[key];
    }
    return own(x);
  };
}

/** JSON holds no functions: a function is an inherited member (toString, constructor), not a field. */
function own(value: unknown): unknown {
  return typeof value === 'function' ? undefined : (value ?? undefined);
}

/** The absolute source path a relative path read from, for error messages. */
export function describeRead(path: ParsedPath, scope: Scope): string {
  if (path.root === '$root') return `$${path.text.slice('$root'.length)}`;
  if (path.root === '$parent') return `${scope.parent ? scopePath(scope.parent) : '$'}${path.text.slice('$parent'.length)}`;
  if (path.root === '$out') return path.text;
  if (path.root === '$index') return `${scopePath(scope)} (index)`;
  return `${scopePath(scope)}${path.text.slice(1)}`;
}
