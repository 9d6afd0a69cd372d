/**
 * String templates in Handlebars syntax. Handlebars parses; this file turns the syntax tree into
 * closures instead of letting Handlebars generate JavaScript source (which Workers forbid).
 * Output is data, not HTML: `{{x}}` and `{{{x}}}` both insert the value unescaped.
 *
 * Supported: `{{field.path}}`, `{{this}}`, `{{@root.x}}`, `{{@index}}`, `{{../x}}`, helpers
 * (`{{trim x}}`, `{{upper x}}`, `{{lower x}}`, `{{mask x 3 4}}`, `{{yuan x}}`, `{{default x "-"}}`),
 * and the blocks `{{#if}}`, `{{#unless}}` and `{{#each}}` with `{{else}}`.
 */
import Handlebars from 'handlebars';
import { fenToYuan } from '../order/money.ts';
import { maskText } from './text.ts';
import { itemScope, isMissing, scopePath, type Scope } from './scope.ts';

type AstNode = hbs.AST.Node & Record<string, unknown>;
type Render = (scope: Scope) => string;
type Evaluate = (scope: Scope) => unknown;

export type TemplateResult = { render: (scope: Scope) => string } | { error: string; line: number; column: number };

export type ReadHook = (absolutePath: string) => void;

class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const HELPERS: Record<string, { arity: [number, number]; apply: (args: unknown[]) => unknown }> = {
  trim: { arity: [1, 1], apply: ([v]) => text(v).trim() },
  upper: { arity: [1, 1], apply: ([v]) => text(v).toUpperCase() },
  lower: { arity: [1, 1], apply: ([v]) => text(v).toLowerCase() },
  yuan: { arity: [1, 1], apply: ([v]) => (Number.isSafeInteger(v) ? fenToYuan(v as number) : '') },
  default: { arity: [2, 2], apply: ([v, fallback]) => (isMissing(v) ? fallback : v) },
  mask: { arity: [1, 3], apply: ([v, head = 3, tail = 4]) => maskText(text(v), Number(head), Number(tail)) },
};

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/**
 * @example
 * const t = compileTemplate('{{receiver_state}} {{receiver_city}}');
 * if ('render' in t) t.render(rootScope({ receiver_state: '浙江省', receiver_city: '杭州市' })); // '浙江省 杭州市'
 */
export function compileTemplate(source: string, onRead?: ReadHook, insideEach = false): TemplateResult {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (e) {
    const message = (e as Error).message;
    const line = Number(/line (\d+)/.exec(message)?.[1] ?? 1);
    const column = Number((e as { column?: number }).column ?? 0);
    return { error: message.split('\n').slice(-1)[0] ?? message, line, column };
  }
  try {
    return { render: compileProgram(program, onRead, insideEach ? 1 : 0) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.message, line: e.line, column: e.column };
    throw e;
  }
}

function compileProgram(program: hbs.AST.Program, onRead: ReadHook | undefined, eachDepth: number): Render {
  const parts = program.body.map((statement) => compileStatement(statement as AstNode, onRead, eachDepth)).filter((r) => r !== null);
  if (parts.length === 0) return () => '';
  if (parts.length === 1) return parts[0]!;
  return (scope) => {
    let out = '';
    for (const part of parts) out += part(scope);
    return out;
  };
}

function fail(node: hbs.AST.Node, message: string): never {
  throw new TemplateError(message, node.loc?.start.line ?? 1, node.loc?.start.column ?? 0);
}

function compileStatement(node: AstNode, onRead: ReadHook | undefined, eachDepth: number): Render | null {
  switch (node.type) {
    case 'ContentStatement': {
      const value = node.value as string;
      return () => value;
    }
    case 'CommentStatement':
      return null;
    case 'MustacheStatement': {
      const evaluate = compileCall(node as unknown as hbs.AST.MustacheStatement, onRead, eachDepth);
      return (scope) => text(evaluate(scope));
    }
    case 'BlockStatement':
      return compileBlock(node as unknown as hbs.AST.BlockStatement, onRead, eachDepth);
    default:
      return fail(node, `${node.type} is not supported in mapping templates`);
  }
}

function compileCall(node: { path: hbs.AST.PathExpression | hbs.AST.Literal; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash }, onRead: ReadHook | undefined, eachDepth: number): Evaluate {
  if (node.hash && node.hash.pairs.length > 0) fail(node.hash, 'named arguments (key=value) are not supported');
  const path = node.path as hbs.AST.PathExpression;
  const helper = path.type === 'PathExpression' && !path.data && path.parts.length === 1 && Object.hasOwn(HELPERS, path.parts[0]!) ? HELPERS[path.parts[0]!] : undefined;
  if (helper) {
    const [min, max] = helper.arity;
    if (node.params.length < min || node.params.length > max) {
      fail(path, `${path.original} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${node.params.length}`);
    }
    const args = node.params.map((p) => compileExpression(p, onRead, eachDepth));
    return (scope) => helper.apply(args.map((a) => a(scope)));
  }
  if (node.params.length > 0) {
    fail(path, `unknown helper "${path.original}" (helpers: ${Object.keys(HELPERS).join(', ')})`);
  }
  return compileExpression(node.path as hbs.AST.Expression, onRead, eachDepth);
}

function compileExpression(node: hbs.AST.Expression, onRead: ReadHook | undefined, eachDepth: number): Evaluate {
  switch (node.type) {
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral': {
      const value = (node as hbs.AST.StringLiteral).value;
      return () => value;
    }
    case 'SubExpression':
      return compileCall(node as hbs.AST.SubExpression, onRead, eachDepth);
    case 'PathExpression':
      return compileLookup(node as hbs.AST.PathExpression, onRead, eachDepth);
    default:
      return fail(node, `${node.type} is not supported in mapping templates`);
  }
}

function compileLookup(path: hbs.AST.PathExpression, onRead: ReadHook | undefined, eachDepth: number): Evaluate {
  if (path.data) {
    const [head, ...rest] = path.parts;
    if (head === 'index' && eachDepth === 0) fail(path, '@index only has a value inside each: or {{#each}}');
    if (head === 'index' && rest.length === 0) return (scope) => (scope.index >= 0 ? scope.index : undefined);
    if (head !== 'root') fail(path, `@${head} is not available (use @root or @index)`);
    const walk = walker(rest);
    if (onRead) return (scope) => (onRead(`$.${rest.join('.')}`), walk(scope.root));
    return (scope) => walk(scope.root);
  }
  const depth = path.depth;
  const parts = path.parts;
  const walk = walker(parts);
  const start = (scope: Scope): Scope => {
    let s = scope;
    for (let i = 0; i < depth && s.parent; i++) s = s.parent;
    return s;
  };
  if (onRead) {
    return (scope) => {
      const s = start(scope);
      onRead(`${scopePath(s)}${parts.length ? '.' + parts.join('.') : ''}`);
      return walk(s.cur);
    };
  }
  return depth === 0 ? (scope) => walk(scope.cur) : (scope) => walk(start(scope).cur);
}

function walker(parts: string[]): (value: unknown) => unknown {
  return (value) => {
    let v = value;
    for (const part of parts) {
      if (typeof v !== 'object' || v === null) return undefined;
      v = Object.hasOwn(v, part) ? (v as Record<string, unknown>)[part] : undefined;
    }
    return v ?? undefined;
  };
}

function compileBlock(node: hbs.AST.BlockStatement, onRead: ReadHook | undefined, eachDepth: number): Render {
  const name = node.path.original;
  if (node.params.length !== 1) fail(node.path, `{{#${name}}} takes one argument`);
  const param = node.params[0]!;
  const isEach = name === 'each';
  // The list #each walks is not itself read field by field: the fields its body reads are.
  const subject = compileExpression(param, isEach ? undefined : onRead, eachDepth);
  const body = compileProgram(node.program, onRead, eachDepth + (isEach ? 1 : 0));
  const otherwise = node.inverse ? compileProgram(node.inverse, onRead, eachDepth) : () => '';
  switch (name) {
    case 'if':
      return (scope) => (truthy(subject(scope)) ? body(scope) : otherwise(scope));
    case 'unless':
      return (scope) => (truthy(subject(scope)) ? otherwise(scope) : body(scope));
    case 'each': {
      const via = param.type === 'PathExpression' ? describeLookup(param as hbs.AST.PathExpression) : null;
      return (scope) => {
        const list = subject(scope);
        if (!Array.isArray(list) || list.length === 0) return otherwise(scope);
        let out = '';
        for (let i = 0; i < list.length; i++) out += body(itemScope(scope, list[i], i, via));
        return out;
      };
    }
    default:
      return fail(node.path, `unknown block {{#${name}}} (blocks: if, unless, each)`);
  }
}

/** The same truth as the mapping language's if: (an empty list is false too). */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value === true) return true;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '' && value !== '0' && value !== 'false';
  return typeof value === 'object' && value !== null;
}

/** The absolute source path a template path reads, for error messages and coverage. */
function describeLookup(path: hbs.AST.PathExpression): (scope: Scope) => string {
  if (path.data) return () => `$${path.parts.slice(1).map((p) => `.${p}`).join('')}`;
  return (scope) => {
    let s = scope;
    for (let i = 0; i < path.depth && s.parent; i++) s = s.parent;
    return `${scopePath(s)}${path.parts.map((p) => `.${p}`).join('')}`;
  };
}
