/**
 * The expression compiler: a positioned YAML node becomes a closure `(scope) => value` plus the
 * shape the static check knows about it. Everything is decided here, once; running a compiled
 * mapping only calls closures. Nothing turns text into code (no eval, no new Function).
 */
import { beijingToIso, epochToIso, isoTime, isoToBeijing } from '../order/time.ts';
import { fenToFen, fenToYuan, yuanToFen } from '../order/money.ts';
import { CoverageRecorder, normalisePath } from './coverage.ts';
import { MappingRuntimeError, type MappingProblem, type Position } from './errors.ts';
import { compileReader, describeRead, parsePath, PathSyntaxError } from './path.ts';
import { isMissing, itemScope, scopeIndexes, type Scope } from './scope.ts';
import { closest, isMoney, itemsOf, propertyOf, requiredOf, resolveRef, typesOf, type SchemaRef } from './schema.ts';
import { ANY, BOOLEAN, checkShape, INTEGER, literalShape, STRING, union, type Literal, type Shape } from './shape.ts';
import { shift, type MapNode, type ScalarNode, type SeqNode, type SourceNode } from './yaml-source.ts';
import { compileTemplate } from './template.ts';
import { maskText, textOf } from './text.ts';

export type Run = (scope: Scope) => unknown;

export interface Compiled {
  run: Run;
  shape: Shape;
  /** The absolute source path this expression read, when it read exactly one. */
  describe?: (scope: Scope) => string;
}

/** Where an expression's result goes: its label (`lines[].unitPrice`) and schema, if the target has one. */
export interface Target {
  label: string;
  schema?: SchemaRef;
}

export interface Table {
  name: string;
  position: Position;
  entries: Map<string, Literal>;
}

export interface CompileContext {
  problems: MappingProblem[];
  tables: Map<string, Table>;
  usedTables: Set<string>;
  /** Top-level output fields already produced, which `$out` may read. */
  outFields: Set<string>;
  coverage?: CoverageRecorder;
  /** Inside `each` (for $index and the source-field coverage paths). */
  eachDepth: number;
  /** Compiling the list operand of each / any / all: reading a list is not reading its elements' fields. */
  listOperand?: boolean;
}

export function error(ctx: CompileContext, position: Position, message: string): null {
  ctx.problems.push({ severity: 'error', position, message });
  return null;
}

export function runtimeError(position: Position, target: Target, scope: Scope, reason: string, describe?: (s: Scope) => string): MappingRuntimeError {
  let label = target.label;
  for (const index of scopeIndexes(scope)) label = label.replace('[]', `[${index}]`);
  return new MappingRuntimeError(position, label, describe?.(scope), reason);
}

// ---------------------------------------------------------------------------------------------
// Entry point

export function compileExpression(node: SourceNode, ctx: CompileContext, target: Target): Compiled | null {
  const compiled = compileNode(node, ctx, target);
  if (compiled && target.schema) checkShape(compiled.shape, target.schema, target.label, node.position, ctx.problems);
  return compiled;
}

function compileNode(node: SourceNode, ctx: CompileContext, target: Target): Compiled | null {
  if (node.kind === 'scalar') return compileScalar(node, ctx, target);
  if (node.kind === 'seq') return compileList(node, ctx, target);
  const operator = node.entries.find((e) => Object.hasOwn(OPERATORS, e.key));
  if (!operator) return compileObject(node, ctx, target);
  const spec = OPERATORS[operator.key]!;
  const options = new Map(node.entries.map((e) => [e.key, e]));
  let ok = true;
  for (const entry of node.entries) {
    if (entry === operator || entry.key === 'default' || spec.options.includes(entry.key)) continue;
    const other = Object.hasOwn(OPERATORS, entry.key) ? `; "${operator.key}" and "${entry.key}" are both operators, nest one inside the other` : '';
    const suggestion = closest(entry.key, spec.options.concat('default'));
    error(
      ctx,
      entry.keyPosition,
      `unknown option "${entry.key}" for ${operator.key}:${other || (suggestion ? ` (did you mean "${suggestion}"?)` : spec.options.length ? ` (options: ${spec.options.join(', ')}, default)` : ' (it takes only default)')}`,
    );
    ok = false;
  }
  const fallbackEntry = options.get('default');
  const args: OperatorArgs = {
    name: operator.key,
    node,
    operand: operator.value,
    position: operator.keyPosition,
    option: (name) => options.get(name)?.value,
    optionPosition: (name) => options.get(name)?.keyPosition ?? operator.keyPosition,
    hasDefault: fallbackEntry !== undefined,
    ctx,
    target,
  };
  let compiled = spec.compile(args);
  if (!compiled || !ok) return null;
  if (ctx.coverage) compiled = instrument(compiled, ctx.coverage, `${operator.key} for ${target.label}`, operator.keyPosition);
  if (fallbackEntry) {
    const fallback = compileNode(fallbackEntry.value, ctx, target);
    if (!fallback) return null;
    const primary = compiled.run;
    const alternative = fallback.run;
    let fallbackRun: Run | undefined;
    const describePrimary = compiled.describe;
    const describeFallback = fallback.describe;
    if (ctx.coverage) fallbackRun = instrument(fallback, ctx.coverage, `default for ${target.label}`, fallbackEntry.value.position).run;
    const alt = fallbackRun ?? alternative;
    compiled = {
      run: (s) => {
        const v = primary(s);
        return isMissing(v) ? alt(s) : v;
      },
      shape: union([compiled.shape, fallback.shape]),
      // Errors name the source the value came from: the primary path, or the default's.
      describe: (s) => (isMissing(primary(s)) ? describeFallback?.(s) : describePrimary?.(s)) ?? '',
    };
  }
  return compiled;
}

function branch(compiled: Compiled, ctx: CompileContext, label: string, position: Position): Compiled {
  return ctx.coverage ? instrument(compiled, ctx.coverage, label, position) : compiled;
}

function instrument(compiled: Compiled, coverage: CoverageRecorder, label: string, position: Position): Compiled {
  const rule = coverage.register(label, position);
  const inner = compiled.run;
  return {
    ...compiled,
    run: (s) => {
      rule.hits++;
      return inner(s);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scalars: literals, paths ($...), templates ({{...}})

function compileScalar(node: ScalarNode, ctx: CompileContext, target: Target): Compiled | null {
  const value = node.value;
  if (typeof value === 'string' && value.startsWith('$')) return compilePath(value, node.textPosition, ctx);
  if (typeof value === 'string' && value.includes('{{')) return compileTemplateAt(value, node, ctx, target);
  return constant(value === null ? undefined : value, node.position);
}

export function constant(value: unknown, position: Position): Compiled {
  return { run: () => value, shape: value === undefined ? ANY : literalShape(value, position) };
}

export function compilePath(text: string, position: Position, ctx: CompileContext): Compiled | null {
  let path;
  try {
    path = parsePath(text);
  } catch (e) {
    if (e instanceof PathSyntaxError) return error(ctx, shift(position, e.offset), `bad path ${JSON.stringify(text)}: ${e.message}`);
    throw e;
  }
  if ((path.root === '$index' || path.root === '$parent') && ctx.eachDepth === 0) {
    return error(ctx, position, `${path.root} only has a value inside each:, any:, all: or where:`);
  }
  if (path.root === '$out') {
    const first = path.segments[0];
    if (!first || first.kind !== 'key' || !ctx.outFields.has(first.key)) {
      const name = first?.kind === 'key' ? first.key : '';
      return error(ctx, position, `$out can only read top-level output fields produced above this one${name ? `, and "${name}" is not one of them` : ''}`);
    }
  }
  const read = compileReader(path);
  const describe = (s: Scope) => describeRead(path, s);
  const coverage = ctx.coverage;
  if (coverage && path.root !== '$out' && path.root !== '$index' && !ctx.listOperand) {
    return {
      run: (s) => {
        coverage.reads.add(normalisePath(describeRead(path, s)));
        return read(s);
      },
      shape: ANY,
      describe,
    };
  }
  return { run: read, shape: path.root === '$index' ? INTEGER : ANY, describe };
}

function compileTemplateAt(text: string, node: ScalarNode, ctx: CompileContext, target: Target): Compiled | null {
  const coverage = ctx.coverage;
  const result = compileTemplate(text, coverage ? (path) => coverage.reads.add(normalisePath(path)) : undefined, ctx.eachDepth > 0);
  if ('error' in result) {
    return error(ctx, result.line === 1 ? shift(node.textPosition, result.column) : node.position, `template: ${result.error}`);
  }
  const compiled: Compiled = { run: result.render, shape: STRING };
  return coverage ? instrument(compiled, coverage, `template for ${target.label}`, node.position) : compiled;
}

// ---------------------------------------------------------------------------------------------
// Construction: lists and objects

function compileList(node: SeqNode, ctx: CompileContext, target: Target): Compiled | null {
  const itemSchema = target.schema ? itemsOf(target.schema) : undefined;
  const items = node.items.map((item, i) => compileExpression(item, ctx, { label: `${target.label}[${i}]`, ...(itemSchema ? { schema: itemSchema } : {}) }));
  if (items.some((i) => i === null)) return null;
  const runs = (items as Compiled[]).map((i) => i.run);
  return {
    run: (s) => {
      const out: unknown[] = [];
      for (const run of runs) {
        const v = run(s);
        if (v !== undefined) out.push(v);
      }
      return out;
    },
    shape: { t: 'array', items: union((items as Compiled[]).map((i) => i.shape).concat(items.length ? [] : [ANY])) },
  };
}

/**
 * A map without an operator builds an object: each key is a target field. Fields run in the
 * order written; an absent optional field is left out, an absent required one is an error
 * that names the rule and the source path.
 */
export function compileObject(node: MapNode, ctx: CompileContext, target: Target, options: { topLevel?: boolean } = {}): Compiled | null {
  const schema = target.schema;
  const types = schema ? typesOf(schema) : undefined;
  if (schema && types && !types.has('object')) {
    return error(ctx, node.position, `${target.label || 'output'} expects ${[...types].join(' or ')}, but this builds an object`);
  }
  const keys: string[] = [];
  const runs: Run[] = [];
  const required: boolean[] = [];
  const positions: Position[] = [];
  const describes: Array<((s: Scope) => string) | undefined> = [];
  const labels: Target[] = [];
  let ok = true;
  const requiredKeys = schema ? requiredOf(schema) : [];
  for (const entry of node.entries) {
    const label = target.label ? `${target.label}.${entry.key}` : entry.key;
    let fieldSchema: SchemaRef | undefined;
    if (schema) {
      const lookup = propertyOf(schema, entry.key);
      if (lookup.kind === 'unknown') {
        const suggestion = closest(entry.key, lookup.known);
        const hint = resolveRef(schema).node['x-unknown-field-hint'];
        const known = lookup.known.length ? `its fields are ${lookup.known.join(', ')}` : 'it has no fields';
        error(
          ctx,
          entry.keyPosition,
          `${label} is not a field of ${target.label || 'the target'}${suggestion ? ` (did you mean "${suggestion}"?)` : `; ${known}`}${typeof hint === 'string' ? `; ${hint}` : ''}`,
        );
        ok = false;
        continue;
      }
      fieldSchema = lookup.schema;
    }
    const fieldTarget: Target = { label, ...(fieldSchema ? { schema: fieldSchema } : {}) };
    if (entry.value.kind === 'scalar' && entry.value.value === null && requiredKeys.includes(entry.key)) {
      error(ctx, entry.value.position, `${label} is required, but it is mapped to nothing`);
      ok = false;
      continue;
    }
    const compiled = compileExpression(entry.value, ctx, fieldTarget);
    if (options.topLevel) ctx.outFields.add(entry.key);
    if (!compiled) {
      ok = false;
      continue;
    }
    keys.push(entry.key);
    runs.push(compiled.run);
    required.push(requiredKeys.includes(entry.key));
    positions.push(entry.value.position);
    describes.push(compiled.describe);
    labels.push(fieldTarget);
  }
  for (const name of requiredKeys) {
    if (!node.entries.some((e) => e.key === name)) {
      const what = schema && propertyOf(schema, name).kind === 'known' ? describeField(propertyOf(schema, name) as { schema: SchemaRef }) : '';
      error(ctx, node.position, `${target.label ? `${target.label}.` : ''}${name} is required by the target schema but not mapped${what}`);
      ok = false;
    }
  }
  if (!ok) return null;
  const count = keys.length;
  const build = (s: Scope, o: Record<string, unknown>): Record<string, unknown> => {
    for (let i = 0; i < count; i++) {
      const v = runs[i]!(s);
      if (v !== undefined) o[keys[i]!] = v;
      else if (required[i]) throw runtimeError(positions[i]!, labels[i]!, s, 'is required, but the source has no value', describes[i]);
    }
    return o;
  };
  const run: Run = options.topLevel
    ? (s) => build(s, s.out)
    : (s) => build(s, {});
  return { run, shape: { t: 'object' } };
}

function describeField(lookup: { schema: SchemaRef }): string {
  const node = resolveRef(lookup.schema).node;
  const money = isMoney(lookup.schema) ? ' (money in fen)' : '';
  return node.description ? ` (${node.description.replace(/\.$/, '')}${money})` : money;
}

// ---------------------------------------------------------------------------------------------
// Operators

export interface OperatorArgs {
  name: string;
  node: MapNode;
  operand: SourceNode;
  position: Position;
  option(name: string): SourceNode | undefined;
  optionPosition(name: string): Position;
  hasDefault: boolean;
  ctx: CompileContext;
  target: Target;
}

export interface OperatorSpec {
  /** Keys allowed beside the operator key (besides `default`, which every operator takes). */
  options: string[];
  compile(args: OperatorArgs): Compiled | null;
}

/** Compiles an operand whose value is not checked against the target (it feeds an operator). */
function operand(node: SourceNode, ctx: CompileContext, label: string): Compiled | null {
  return compileNode(node, ctx, { label });
}

/** Compiles the list an each / any / all walks; the elements' fields count as read only where a rule reads them. */
function listOperand(node: SourceNode, ctx: CompileContext, label: string): Compiled | null {
  const outer = ctx.listOperand;
  ctx.listOperand = true;
  try {
    return operand(node, ctx, label);
  } finally {
    ctx.listOperand = outer;
  }
}

function operands(node: SourceNode, ctx: CompileContext, label: string, op: string, count?: number): Compiled[] | null {
  if (node.kind !== 'seq') return error(ctx, node.position, `${op}: expects a list${count ? ` of ${count}` : ''}, like ${op}: [$.a, $.b]`);
  if (count !== undefined && node.items.length !== count) return error(ctx, node.position, `${op}: expects exactly ${count} items, got ${node.items.length}`);
  const compiled = node.items.map((item) => operand(item, ctx, label));
  return compiled.some((c) => c === null) ? null : (compiled as Compiled[]);
}

function enumOption<T extends string>(args: OperatorArgs, name: string, allowed: readonly T[], fallback: T): T | null {
  const node = args.option(name);
  if (!node) return fallback;
  if (node.kind === 'scalar' && allowed.includes(node.value as T)) return node.value as T;
  const got = node.kind === 'scalar' ? JSON.stringify(node.value) : 'a ' + (node.kind === 'map' ? 'map' : 'list');
  return error(args.ctx, node.position, `${name}: must be one of ${allowed.join(', ')}, not ${got}`);
}

/** Truth for `if`, `not`, `and`, `or` and `where`. */
export function truthy(value: unknown): boolean {
  if (value === true) return true;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '' && value !== '0' && value !== 'false';
  return false;
}

/** Numbers and their decimal text compare equal: platforms send 4 and "4" for the same code. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isMissing(a) && isMissing(b)) return true;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' && tb === 'string') || (ta === 'string' && tb === 'number')) return String(a) === String(b);
  return false;
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[+-]?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A one-operand operator over the operand's value, with missing values passed through. */
function unary(
  args: OperatorArgs,
  shape: Shape,
  convert: (value: unknown, fail: (reason: string) => never, s: Scope) => unknown,
): Compiled | null {
  const inner = operand(args.operand, args.ctx, args.target.label);
  if (!inner) return null;
  const read = inner.run;
  const describe = inner.describe;
  const { position, target } = args;
  return {
    run: (s) => {
      const v = read(s);
      if (v === undefined || v === null) return undefined;
      return convert(v, (reason) => {
        throw runtimeError(position, target, s, reason, describe);
      }, s);
    },
    shape,
    ...(describe ? { describe } : {}),
  };
}

const MONEY_UNITS = ['yuan', 'fen'] as const;
const TIME_FORMATS = ['beijing', 'epoch-seconds', 'epoch-millis', 'iso'] as const;

export const OPERATORS: Record<string, OperatorSpec> = {
  value: {
    options: [],
    compile: ({ operand: node, ctx, target }) => compileNode(node, ctx, target),
  },

  const: {
    options: [],
    compile: ({ operand: node }) => constant(plain(node), node.position),
  },

  object: {
    options: [],
    compile: ({ operand: node, ctx, target }) =>
      node.kind === 'map' ? compileObject(node, ctx, target) : error(ctx, node.position, 'object: expects a map of fields'),
  },

  money: {
    options: ['unit', 'to'],
    compile: (args) => {
      const unit = enumOption(args, 'unit', MONEY_UNITS, 'yuan');
      const to = enumOption(args, 'to', MONEY_UNITS, 'fen');
      if (!unit || !to) return null;
      const parse = unit === 'yuan' ? yuanToFen : fenToFen;
      return unary(args, to === 'fen' ? INTEGER : STRING, (v, fail) => {
        if (typeof v !== 'string' && typeof v !== 'number') fail(`expected an amount in ${unit}, got ${JSON.stringify(v)}`);
        if (v === '') return undefined;
        try {
          const fen = parse(v as string | number);
          return to === 'fen' ? fen : fenToYuan(fen);
        } catch (e) {
          return fail(`${(e as Error).message} (unit: ${unit})`);
        }
      });
    },
  },

  time: {
    options: ['format', 'to'],
    compile: (args) => {
      const format = enumOption(args, 'format', TIME_FORMATS, 'beijing');
      const to = enumOption(args, 'to', TIME_FORMATS, 'iso');
      if (!format || !to) return null;
      const parse: (v: string | number) => string =
        format === 'beijing'
          ? (v) => beijingToIso(String(v))
          : format === 'iso'
            ? (v) => isoTime(String(v))
            : (v) => epochToIso(v, format === 'epoch-seconds' ? 'seconds' : 'millis');
      const render: (iso: string) => unknown =
        to === 'iso'
          ? (iso) => iso
          : to === 'beijing'
            ? isoToBeijing
            : (iso) => (to === 'epoch-seconds' ? Math.floor(Date.parse(iso) / 1000) : Date.parse(iso));
      return unary(args, to.startsWith('epoch') ? INTEGER : STRING, (v, fail) => {
        // Platforms send 0 (or "0") for "not set".
        if (v === '' || v === 0 || v === '0') return undefined;
        if (typeof v !== 'string' && typeof v !== 'number') fail(`expected a ${format} time, got ${JSON.stringify(v)}`);
        try {
          return render(parse(v as string | number));
        } catch (e) {
          return fail((e as Error).message);
        }
      });
    },
  },

  lookup: {
    options: ['table'],
    compile: (args) => {
      const { ctx } = args;
      const tableNode = args.option('table');
      if (!tableNode) return error(ctx, args.position, 'lookup: needs table: (a name under tables:, or an inline map)');
      let table: Table | undefined;
      if (tableNode.kind === 'scalar' && typeof tableNode.value === 'string') {
        table = ctx.tables.get(tableNode.value);
        if (!table) {
          const suggestion = closest(tableNode.value, ctx.tables.keys());
          return error(ctx, tableNode.position, `no table named "${tableNode.value}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
        }
        ctx.usedTables.add(table.name);
      } else if (tableNode.kind === 'map') {
        table = readTable('(inline)', tableNode, ctx);
        if (!table) return null;
      } else {
        return error(ctx, tableNode.position, 'table: must name a table under tables:, or be a map');
      }
      const entries = new Map([...table.entries].map(([k, lit]) => [k, lit.value]));
      const hasDefault = args.hasDefault;
      const name = table.name;
      const tablePosition = table.position;
      return unary(args, union([...table.entries.values()].map((lit) => literalShape(lit.value, lit.position))), (v, fail) => {
        const key = textOf(v);
        if (key === undefined) return fail(`cannot look up ${JSON.stringify(v)} in table ${name}`);
        const found = entries.get(key);
        if (found !== undefined || entries.has(key)) return found;
        if (hasDefault) return undefined;
        return fail(`${JSON.stringify(key)} is not in table ${name} (add it to the table at line ${tablePosition.line}, or give the lookup a default)`);
      });
    },
  },

  if: {
    options: ['then', 'else'],
    compile: (args) => {
      const { ctx, target } = args;
      const thenNode = args.option('then');
      if (!thenNode) return error(ctx, args.position, 'if: needs then: (and optionally else:)');
      const condition = operand(args.operand, ctx, target.label);
      const whenTrue = compileExpression(thenNode, ctx, target);
      const elseNode = args.option('else');
      const whenFalse = elseNode ? compileExpression(elseNode, ctx, target) : constant(undefined, args.position);
      if (!condition || !whenTrue || !whenFalse) return null;
      const test = condition.run;
      // Each branch is a rule of its own for coverage: a branch no case takes is worth knowing.
      const a = branch(whenTrue, ctx, `then of if for ${target.label}`, thenNode.position).run;
      const b = elseNode ? branch(whenFalse, ctx, `else of if for ${target.label}`, elseNode.position).run : whenFalse.run;
      const describeTrue = whenTrue.describe;
      const describeFalse = whenFalse.describe;
      return {
        run: (s) => (truthy(test(s)) ? a(s) : b(s)),
        shape: union([whenTrue.shape, whenFalse.shape]),
        // The source path of the branch taken, so errors beneath a condition still say where.
        describe: (s) => (truthy(test(s)) ? describeTrue?.(s) : describeFalse?.(s)) ?? '',
      };
    },
  },

  eq: comparison((a, b) => sameValue(a, b)),
  ne: comparison((a, b) => !sameValue(a, b)),
  gt: comparison((a, b) => ordered(a, b, (x, y) => x > y)),
  gte: comparison((a, b) => ordered(a, b, (x, y) => x >= y)),
  lt: comparison((a, b) => ordered(a, b, (x, y) => x < y)),
  lte: comparison((a, b) => ordered(a, b, (x, y) => x <= y)),

  in: {
    options: ['values'],
    compile: (args) => {
      const valuesNode = args.option('values');
      if (!valuesNode || valuesNode.kind !== 'seq' || valuesNode.items.some((i) => i.kind !== 'scalar')) {
        return error(args.ctx, valuesNode?.position ?? args.position, 'in: needs values: a list of plain values');
      }
      const values = new Set((valuesNode.items as ScalarNode[]).map((i) => String(i.value)));
      const inner = operand(args.operand, args.ctx, args.target.label);
      if (!inner) return null;
      const read = inner.run;
      return {
        run: (s) => {
          const key = textOf(read(s));
          return key !== undefined && values.has(key);
        },
        shape: BOOLEAN,
      };
    },
  },

  exists: {
    options: [],
    compile: (args) => {
      const inner = operand(args.operand, args.ctx, args.target.label);
      if (!inner) return null;
      const read = inner.run;
      return { run: (s) => !isMissing(read(s)), shape: BOOLEAN };
    },
  },

  not: {
    options: [],
    compile: (args) => {
      const inner = operand(args.operand, args.ctx, args.target.label);
      if (!inner) return null;
      const read = inner.run;
      return { run: (s) => !truthy(read(s)), shape: BOOLEAN };
    },
  },

  and: logical((runs, s) => runs.every((r) => truthy(r(s)))),
  or: logical((runs, s) => runs.some((r) => truthy(r(s)))),

  cond: {
    options: ['else'],
    compile: (args) => {
      const { ctx, target } = args;
      if (args.operand.kind !== 'seq' || args.operand.items.length === 0) {
        return error(ctx, args.operand.position, 'cond: expects a list of { when: <condition>, then: <value> }');
      }
      const branches: Array<{ when: Run; then: Run; shape: Shape; describe?: (s: Scope) => string }> = [];
      for (const item of args.operand.items) {
        const when = item.kind === 'map' ? item.entries.find((e) => e.key === 'when') : undefined;
        const then = item.kind === 'map' ? item.entries.find((e) => e.key === 'then') : undefined;
        const extra = item.kind === 'map' ? item.entries.find((e) => e.key !== 'when' && e.key !== 'then') : undefined;
        if (!when || !then || extra) {
          error(ctx, extra?.keyPosition ?? item.position, 'each cond: branch is { when: <condition>, then: <value> }');
          continue;
        }
        const test = operand(when.value, ctx, target.label);
        const value = compileExpression(then.value, ctx, target);
        if (test && value) {
          branches.push({ when: test.run, then: branch(value, ctx, `cond branch for ${target.label}`, then.value.position).run, shape: value.shape, ...(value.describe ? { describe: value.describe } : {}) });
        }
      }
      const elseNode = args.option('else');
      const otherwise = elseNode ? compileExpression(elseNode, ctx, target) : constant(undefined, args.position);
      if (!otherwise || branches.length !== args.operand.items.length) return null;
      const fallback = elseNode ? branch(otherwise, ctx, `else of cond for ${target.label}`, elseNode.position).run : otherwise.run;
      const describeElse = otherwise.describe;
      return {
        run: (s) => {
          for (const branch of branches) if (truthy(branch.when(s))) return branch.then(s);
          return fallback(s);
        },
        shape: union(branches.map((b) => b.shape).concat(otherwise.shape)),
        describe: (s) => {
          for (const branch of branches) if (truthy(branch.when(s))) return branch.describe?.(s) ?? '';
          return describeElse?.(s) ?? '';
        },
      };
    },
  },

  any: quantifier((list, keep) => list.some(keep)),
  all: quantifier((list, keep) => list.length > 0 && list.every(keep)),

  first: {
    options: [],
    compile: (args) => {
      const { ctx, target } = args;
      if (args.operand.kind !== 'seq') return error(ctx, args.operand.position, 'first: expects a list of candidates');
      const candidates = args.operand.items.map((item) => compileNode(item, ctx, target));
      if (candidates.some((c) => c === null)) return null;
      const runs = (candidates as Compiled[]).map((c) => c.run);
      const describes = (candidates as Compiled[]).map((c) => c.describe).filter((d) => d !== undefined);
      return {
        run: (s) => {
          for (const run of runs) {
            const v = run(s);
            if (!isMissing(v)) return v;
          }
          return undefined;
        },
        shape: union((candidates as Compiled[]).map((c) => c.shape)),
        describe: (s: Scope) => {
          // The candidate that gave the value, or all of them when none did.
          const found = runs.findIndex((run) => !isMissing(run(s)));
          const candidate = found >= 0 ? (candidates as Compiled[])[found]!.describe : undefined;
          return candidate ? candidate(s) : describes.map((d) => d(s)).filter(Boolean).join(' | ');
        },
      };
    },
  },

  each: {
    options: ['map', 'where'],
    compile: (args) => {
      const { ctx, target } = args;
      const mapNode = args.option('map');
      if (!mapNode) return error(ctx, args.position, 'each: needs map: (what each item becomes)');
      const source = listOperand(args.operand, ctx, target.label);
      ctx.eachDepth++;
      const items = target.schema ? itemsOf(target.schema) : undefined;
      const itemTarget: Target = { label: `${target.label}[]`, ...(items ? { schema: items } : {}) };
      const mapped = compileExpression(mapNode, ctx, itemTarget);
      const whereNode = args.option('where');
      const where = whereNode ? operand(whereNode, ctx, target.label) : undefined;
      ctx.eachDepth--;
      if (!source || !mapped || where === null) return null;
      const via = source.describe ?? null;
      const list = source.run;
      const map = mapped.run;
      const keep = where?.run;
      return {
        run: (s) => {
          const value = list(s);
          if (value === undefined || value === null || value === '') return undefined;
          // XML-to-JSON converters turn a list of one into a bare object.
          const wrapped = !Array.isArray(value);
          if (wrapped && typeof value !== 'object') throw runtimeError(args.position, target, s, `each: expects a list, got ${JSON.stringify(value)}`, via ?? undefined);
          const arr = wrapped ? [value] : (value as unknown[]);
          const out: unknown[] = [];
          for (let i = 0; i < arr.length; i++) {
            const scope = itemScope(s, arr[i], i, via, out.length, wrapped);
            if (keep && !truthy(keep(scope))) continue;
            const v = map(scope);
            if (v !== undefined) out.push(v);
          }
          return out;
        },
        shape: { t: 'array', items: mapped.shape },
      };
    },
  },

  sum: aggregate((values, fail) => {
    let total = 0;
    for (const v of values) {
      if (v === undefined || v === null) continue;
      if (!Number.isSafeInteger(v)) fail(`sum adds integers (fen); got ${JSON.stringify(v)}: convert it with money: first`);
      total += v as number;
      if (!Number.isSafeInteger(total)) fail('the sum is too large');
    }
    return total;
  }),

  count: aggregate((values) => values.length),

  add: arithmetic((a, b) => a + b),
  sub: arithmetic((a, b) => a - b),
  mul: arithmetic((a, b) => a * b),
  div: arithmetic(divideRounded),

  template: {
    options: [],
    compile: ({ operand: node, ctx, target }) =>
      node.kind === 'scalar' && typeof node.value === 'string'
        ? compileTemplateAt(node.value, node, ctx, target)
        : error(ctx, node.position, 'template: expects a string'),
  },

  concat: {
    options: ['separator'],
    compile: (args) => {
      const parts = operands(args.operand, args.ctx, args.target.label, 'concat');
      const separatorNode = args.option('separator');
      const separator = separatorNode?.kind === 'scalar' ? String(separatorNode.value ?? '') : '';
      if (separatorNode && separatorNode.kind !== 'scalar') return error(args.ctx, separatorNode.position, 'separator: must be a string');
      if (!parts) return null;
      const runs = parts.map((p) => p.run);
      return {
        run: (s) => {
          const texts: string[] = [];
          for (const run of runs) {
            const text = textOf(run(s));
            if (text !== undefined && text !== '') texts.push(text);
          }
          return texts.length ? texts.join(separator) : undefined;
        },
        shape: STRING,
      };
    },
  },

  trim: stringOperator((text) => text.trim()),
  upper: stringOperator((text) => text.toUpperCase()),
  lower: stringOperator((text) => text.toLowerCase()),

  mask: {
    options: ['keep'],
    compile: (args) => {
      const keepNode = args.option('keep');
      let head = 3;
      let tail = 4;
      if (keepNode) {
        const keep = plain(keepNode);
        if (!Array.isArray(keep) || keep.length !== 2 || !keep.every((n) => Number.isInteger(n) && n >= 0)) {
          return error(args.ctx, keepNode.position, 'keep: must be [head, tail], two whole numbers of characters to show');
        }
        [head, tail] = keep as [number, number];
      }
      return unary(args, STRING, (v, fail) => {
        const text = textOf(v);
        if (text === undefined) return fail(`cannot mask ${JSON.stringify(v)}`);
        return maskText(text, head, tail);
      });
    },
  },

  string: {
    options: [],
    compile: (args) =>
      unary(args, STRING, (v, fail) => {
        const text = textOf(v);
        return text ?? fail(`expected text, a number or a boolean, got ${Array.isArray(v) ? 'a list' : 'an object'}`);
      }),
  },

  int: {
    options: [],
    compile: (args) =>
      unary(args, INTEGER, (v, fail) => {
        if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
        if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
        if (v === '') return undefined;
        return fail(`expected a whole number, got ${JSON.stringify(v)}`);
      }),
  },
};

function comparison(test: (a: unknown, b: unknown) => boolean): OperatorSpec {
  return {
    options: [],
    compile: (args) => {
      const pair = operands(args.operand, args.ctx, args.target.label, args.name, 2);
      if (!pair) return null;
      const [a, b] = pair.map((p) => p.run) as [Run, Run];
      return { run: (s) => test(a(s), b(s)), shape: BOOLEAN };
    },
  };
}

function ordered(a: unknown, b: unknown, test: (x: number | string, y: number | string) => boolean): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return test(x, y);
  if (typeof a === 'string' && typeof b === 'string') return test(a, b);
  return false;
}

/** `any:` / `all:` a list, with `where:` tested on each item (as `$`); without where, items are tested for truth. */
function quantifier(test: (list: unknown[], keep: (item: unknown, index: number) => boolean) => boolean): OperatorSpec {
  return {
    options: ['where'],
    compile: (args) => {
      const { ctx, target } = args;
      const whereNode = args.option('where');
      // Without where:, the elements themselves are tested: that reads them.
      const source = whereNode ? listOperand(args.operand, ctx, target.label) : operand(args.operand, ctx, target.label);
      ctx.eachDepth++;
      const where = whereNode ? operand(whereNode, ctx, target.label) : undefined;
      ctx.eachDepth--;
      if (!source || where === null) return null;
      const via = source.describe ?? null;
      const list = source.run;
      const predicate = where?.run;
      return {
        run: (s) => {
          const value = list(s);
          const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
          return test(items, predicate ? (item, i) => truthy(predicate(itemScope(s, item, i, via))) : (item) => truthy(item));
        },
        shape: BOOLEAN,
      };
    },
  };
}

function logical(combine: (runs: Run[], s: Scope) => boolean): OperatorSpec {
  return {
    options: [],
    compile: (args) => {
      const list = operands(args.operand, args.ctx, args.target.label, args.name);
      if (!list) return null;
      const runs = list.map((c) => c.run);
      return { run: (s) => combine(runs, s), shape: BOOLEAN };
    },
  };
}

function aggregate(reduce: (values: unknown[], fail: (reason: string) => never) => number): OperatorSpec {
  return {
    options: [],
    compile: (args) =>
      unary(args, INTEGER, (v, fail) => reduce(Array.isArray(v) ? v : [v], fail)),
  };
}

/** a / b rounded half away from zero (四舍五入), in integers throughout; NaN for a zero divisor. */
function divideRounded(a: number, b: number): number {
  if (b === 0) return Number.NaN;
  const [x, y] = [BigInt(a), BigInt(b)];
  const quotient = x / y;
  const twiceRest = 2n * (x % y);
  const away = (twiceRest < 0n ? -twiceRest : twiceRest) >= (y < 0n ? -y : y);
  return Number(away ? quotient + ((x < 0n) === (y < 0n) ? 1n : -1n) : quotient);
}

function arithmetic(apply: (a: number, b: number) => number): OperatorSpec {
  return {
    options: [],
    compile: (args) => {
      const list = operands(args.operand, args.ctx, args.target.label, args.name);
      if (!list) return null;
      if (list.length < 2) return error(args.ctx, args.operand.position, 'expects at least two operands');
      const runs = list.map((c) => c.run);
      const describes = list.map((c) => c.describe);
      const { position, target } = args;
      return {
        run: (s) => {
          let result: number | undefined;
          for (let i = 0; i < runs.length; i++) {
            const v = runs[i]!(s);
            if (v === undefined || v === null) return undefined;
            if (!Number.isSafeInteger(v)) {
              throw runtimeError(position, target, s, `arithmetic works on integers (fen, counts); got ${JSON.stringify(v)}`, describes[i]);
            }
            result = result === undefined ? (v as number) : apply(result, v as number);
          }
          if (Number.isNaN(result)) throw runtimeError(position, target, s, 'division by zero');
          if (!Number.isSafeInteger(result)) throw runtimeError(position, target, s, 'the result is too large');
          return result;
        },
        shape: INTEGER,
      };
    },
  };
}

function stringOperator(apply: (text: string) => string): OperatorSpec {
  return {
    options: [],
    compile: (args) =>
      unary(args, STRING, (v, fail) => {
        const text = textOf(v);
        return text === undefined ? fail(`expected text, got ${JSON.stringify(v)}`) : apply(text);
      }),
  };
}

/** A YAML node as plain data, for `const:` and options. */
export function plain(node: SourceNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(plain);
  return Object.fromEntries(node.entries.map((e) => [e.key, plain(e.value)]));
}

export function readTable(name: string, node: SourceNode, ctx: CompileContext): Table | undefined {
  if (node.kind !== 'map') {
    error(ctx, node.position, `table ${name}: must be a map of source value to result`);
    return undefined;
  }
  const entries = new Map<string, Literal>();
  for (const entry of node.entries) {
    if (entry.value.kind !== 'scalar') {
      error(ctx, entry.value.position, `table ${name}: the value for ${JSON.stringify(entry.key)} must be a plain value`);
      continue;
    }
    entries.set(entry.key, { value: entry.value.value, position: entry.value.position });
  }
  return { name, position: node.position, entries };
}
