/**
 * The mapping engine: one YAML file maps one source shape to a target (the canonical order
 * for channels; a target payload for ERPs, WMSs and carriers). See mappings/README.md for the
 * language. A mapping is compiled once, checked statically against the target schema, and
 * then runs as plain closures.
 *
 * @example
 * const mapping = compileMapping(readFileSync('mappings/tmall.yaml', 'utf8'), { file: 'mappings/tmall.yaml' });
 * const order = mapping.run(trade); // a CanonicalOrder, or a MappingRuntimeError naming the rule and the source path
 */
import canonicalOrderSchema from '../order/canonical-order.schema.json' with { type: 'json' };
import type { AttributeDeclarations } from '../order/attributes.ts';
import { validateOrder } from '../order/validate.ts';
import { compileExpression, compileObject, error, readTable, type CompileContext, type Table } from './compile.ts';
import type { CoverageRecorder } from './coverage.ts';
import { MappingLintError, MappingOutputError, type MappingProblem, type Position } from './errors.ts';
import { rootScope } from './scope.ts';
import { closest, type JsonSchema, type SchemaRef } from './schema.ts';
import { parseYamlSource, type SourceNode } from './yaml-source.ts';

export { CoverageRecorder } from './coverage.ts';
export { MappingLintError, MappingOutputError, MappingRuntimeError, formatPosition, formatProblem } from './errors.ts';
export type { MappingProblem, Position } from './errors.ts';
export type { JsonSchema } from './schema.ts';

export const CANONICAL_ORDER = 'canonical-order';

export interface MappingOptions {
  /** Shown in every problem and run-time error. */
  file?: string;
  /** The merchant's custom order attributes (hub.yaml `attributes:`). */
  attributes?: AttributeDeclarations;
  /** Target schemas by the name a mapping's `target:` uses, besides the built-in canonical-order. */
  schemas?: Record<string, JsonSchema>;
  /** Record rule hits and source reads (for `hub mapping test`). */
  coverage?: CoverageRecorder;
}

export interface CompiledMapping {
  name: string;
  file: string;
  description?: string;
  /** `canonical-order`, another named schema, or `any`. */
  target: string;
  /** Warnings found by the static check (errors make compileMapping throw). */
  warnings: MappingProblem[];
  /** Maps one source payload; for the canonical order the result is schema-checked too. */
  run(input: unknown): unknown;
  /** Maps one source payload without the final schema check (for callers that check in bulk, and the benchmark). */
  transform(input: unknown): unknown;
}

const TOP_LEVEL_KEYS = ['name', 'description', 'source', 'target', 'tables', 'output'];

/** Parses and statically checks a mapping; returns every problem, and the mapping when there is no error. */
export function lintMapping(text: string, options: MappingOptions = {}): { problems: MappingProblem[]; mapping?: CompiledMapping } {
  const file = options.file ?? '<mapping>';
  const parsed = parseYamlSource(text, file);
  if (!parsed.root) return { problems: parsed.problems };
  const problems: MappingProblem[] = [];
  const ctx: CompileContext = { problems, tables: new Map(), usedTables: new Set(), outFields: new Set(), eachDepth: 0, ...(options.coverage ? { coverage: options.coverage } : {}) };
  const root = parsed.root;
  if (root.kind !== 'map') {
    error(ctx, root.position, 'a mapping file is a map with output: (and optionally name, description, source, target, tables)');
    return { problems };
  }
  const section = (key: string): SourceNode | undefined => root.entries.find((e) => e.key === key)?.value;
  for (const entry of root.entries) {
    if (!TOP_LEVEL_KEYS.includes(entry.key)) {
      const suggestion = closest(entry.key, TOP_LEVEL_KEYS);
      error(ctx, entry.keyPosition, `unknown top-level key "${entry.key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ` (keys: ${TOP_LEVEL_KEYS.join(', ')})`}`);
    }
  }
  const name = scalarText(section('name')) ?? file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const description = scalarText(section('description'));
  const targetName = scalarText(section('target')) ?? CANONICAL_ORDER;
  const targetSchema = resolveTarget(targetName, options, ctx, section('target')?.position ?? root.position);

  const tablesNode = section('tables');
  if (tablesNode) readTables(tablesNode, ctx);

  const output = section('output');
  if (!output) {
    error(ctx, root.position, 'missing output: (the fields of the target, each with how to fill it)');
    return { problems };
  }
  if (output.kind === 'scalar' && output.value === null) {
    error(ctx, output.position, 'output: is empty: give the fields of the target, each with how to fill it');
    return { problems };
  }
  const target = { label: '', ...(targetSchema ? { schema: targetSchema } : {}) };
  const compiled = output.kind === 'map' ? compileObject(output, ctx, target, { topLevel: true }) : compileExpression(output, ctx, target);

  for (const table of ctx.tables.values()) {
    if (!ctx.usedTables.has(table.name)) {
      problems.push({ severity: 'warning', position: table.position, message: `table ${table.name} is never used` });
    }
  }
  if (!compiled || problems.some((p) => p.severity === 'error')) return { problems: sortProblems(problems) };

  const build = compiled.run;
  const positions = fieldPositions(output);
  const checkOrder = targetName === CANONICAL_ORDER;
  const attributes = options.attributes ?? {};
  const mapping: CompiledMapping = {
    name,
    file,
    ...(description ? { description } : {}),
    target: targetName,
    warnings: sortProblems(problems),
    transform: (input) => build(rootScope(input)),
    run(input) {
      const result = build(rootScope(input));
      if (checkOrder) {
        const check = validateOrder(result, attributes);
        if (!check.ok) {
          throw new MappingOutputError(
            check.problems.map((p) => {
              const position = lookupPosition(positions, p.path);
              return position ? { ...p, position } : p;
            }),
          );
        }
      }
      return result;
    },
  };
  return { problems: mapping.warnings, mapping };
}

/** Like lintMapping, but throws a MappingLintError listing every error (file:line:column). */
export function compileMapping(text: string, options: MappingOptions = {}): CompiledMapping {
  const { problems, mapping } = lintMapping(text, options);
  if (!mapping) throw new MappingLintError(problems);
  return mapping;
}

/** The canonical order schema with the merchant's declared attributes in place of the open map. */
export function canonicalSchemaWith(attributes: AttributeDeclarations | undefined): JsonSchema {
  const schema = structuredClone(canonicalOrderSchema) as JsonSchema;
  const properties: Record<string, JsonSchema> = {};
  for (const [name, declaration] of Object.entries(attributes ?? {})) {
    const base: JsonSchema =
      declaration.type === 'money'
        ? { $ref: '#/$defs/money' }
        : declaration.type === 'date-time'
          ? { $ref: '#/$defs/timestamp' }
          : { type: declaration.type };
    properties[name] = declaration.description ? { ...base, description: declaration.description } : base;
  }
  schema.properties!.attributes = {
    type: 'object',
    description: 'Custom fields declared under attributes: in hub.yaml.',
    additionalProperties: false,
    properties,
    'x-unknown-field-hint': 'declare it with its type under attributes: in hub.yaml',
  };
  return schema;
}

function resolveTarget(name: string, options: MappingOptions, ctx: CompileContext, position: Position): SchemaRef | undefined {
  if (name === 'any') return undefined;
  if (name === CANONICAL_ORDER) {
    const schema = canonicalSchemaWith(options.attributes);
    return { root: schema, node: schema };
  }
  const schema = options.schemas?.[name];
  if (!schema) {
    const known = [CANONICAL_ORDER, 'any', ...Object.keys(options.schemas ?? {})];
    error(ctx, position, `unknown target "${name}" (known: ${known.join(', ')})`);
    return undefined;
  }
  return { root: schema, node: schema };
}

function readTables(node: SourceNode, ctx: CompileContext): void {
  if (node.kind !== 'map') {
    error(ctx, node.position, 'tables: must be a map of table name to table');
    return;
  }
  for (const entry of node.entries) {
    const table: Table | undefined = readTable(entry.key, entry.value, ctx);
    if (table) ctx.tables.set(entry.key, { ...table, position: entry.keyPosition });
  }
}

function scalarText(node: SourceNode | undefined): string | undefined {
  return node?.kind === 'scalar' && node.value !== null ? String(node.value) : undefined;
}

/** Where each output field is mapped, by its label with array positions as `[]` (`lines[].sku`). */
function fieldPositions(output: SourceNode): Map<string, Position> {
  const positions = new Map<string, Position>();
  const visit = (node: SourceNode, label: string): void => {
    if (node.kind !== 'map') return;
    const each = node.entries.find((e) => e.key === 'each');
    if (each) {
      const map = node.entries.find((e) => e.key === 'map');
      if (map) visit(map.value, `${label}[]`);
      return;
    }
    for (const entry of node.entries) {
      const child = label ? `${label}.${entry.key}` : entry.key;
      positions.set(child, entry.value.position);
      visit(entry.value, child);
    }
  };
  visit(output, '');
  return positions;
}

function lookupPosition(positions: Map<string, Position>, jsonPath: string): Position | undefined {
  let label = jsonPath.replace(/^\$\.?/, '').replace(/\[\d+\]/g, '[]');
  while (label) {
    const position = positions.get(label);
    if (position) return position;
    const shorter = label.replace(/(\.[^.[]+|\[\]|\["(?:[^"\\]|\\.)*"\])$/, '');
    if (shorter === label) break;
    label = shorter;
  }
  return undefined;
}

function sortProblems(problems: MappingProblem[]): MappingProblem[] {
  return [...problems].sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
}

