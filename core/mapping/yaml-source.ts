/**
 * YAML text to a small positioned tree. The mapping compiler works on this tree so that every
 * problem it finds can point at file:line:column.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { MappingProblem, Position } from './errors.ts';

export type SourceNode = MapNode | SeqNode | ScalarNode;

export interface MapNode {
  kind: 'map';
  position: Position;
  entries: Array<{ key: string; keyPosition: Position; value: SourceNode }>;
}

export interface SeqNode {
  kind: 'seq';
  position: Position;
  items: SourceNode[];
}

export interface ScalarNode {
  kind: 'scalar';
  position: Position;
  value: string | number | boolean | null;
  /** Where the scalar's text starts (after an opening quote), to point inside strings. */
  textPosition: Position;
}

export function parseYamlSource(text: string, file: string): { root?: SourceNode; problems: MappingProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, shift = 0): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col + shift };
  };
  const problems: MappingProblem[] = [];
  // Later YAML errors mostly follow from the first one: report that one alone.
  const [first] = doc.errors;
  if (first) {
    const position = at(first.pos[0]);
    const line = text.split('\n')[position.line - 1] ?? '';
    // The most common slip: a path with [ ] inside a { } flow map, where YAML reads [ as a list.
    const hint = /\{[^}]*\$[^\s,}'"]*\[/.test(line) ? ': inside { } put quotes around a path that has [ ], like "$.list[0].x"' : '';
    problems.push({ severity: 'error', message: `YAML: ${first.message.split('\n')[0]}${hint}`, position });
  }
  if (problems.length > 0) return { problems };
  if (!doc.contents) return { problems: [{ severity: 'error', message: 'the file is empty', position: { file, line: 1, column: 1 } }] };
  try {
    return { root: convert(doc.contents as YamlNode, doc, at), problems };
  } catch (e) {
    if (e instanceof YamlDepthError) return { problems: [{ severity: 'error', message: 'the YAML nests more than 100 levels deep (an alias that refers to itself?)', position: e.position }] };
    throw e;
  }
}

function convert(node: YamlNode, doc: Document, at: (offset: number, shift?: number) => Position, depth = 0): SourceNode {
  if (depth > 100) throw new YamlDepthError(at(node.range?.[0] ?? 0));
  if (isAlias(node)) return convert(node.resolve(doc) as YamlNode, doc, at, depth + 1);
  const start = node.range?.[0] ?? 0;
  if (isMap(node)) {
    return {
      kind: 'map',
      position: at(start),
      entries: node.items.map((pair) => {
        const keyNode = pair.key as YamlNode;
        // The key as written: a table key 01 or 1.50 must not turn into 1 or 1.5.
        const key = isScalar(keyNode) ? String(keyNode.source ?? keyNode.value) : String(keyNode);
        const value = pair.value
          ? convert(pair.value as YamlNode, doc, at, depth + 1)
          : ({ kind: 'scalar', value: null, position: at(keyNode.range?.[1] ?? start), textPosition: at(keyNode.range?.[1] ?? start) } as ScalarNode);
        return { key, keyPosition: at(keyNode.range?.[0] ?? start), value };
      }),
    };
  }
  if (isSeq(node)) {
    return { kind: 'seq', position: at(start), items: node.items.map((item) => convert(item as YamlNode, doc, at, depth + 1)) };
  }
  if (isScalar(node)) {
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    const value = node.value;
    const scalar =
      value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : String(value);
    return { kind: 'scalar', value: scalar, position: at(start), textPosition: at(start, quoted ? 1 : 0) };
  }
  return { kind: 'scalar', value: null, position: at(start), textPosition: at(start) };
}

class YamlDepthError extends Error {
  constructor(readonly position: Position) {
    super('too deep');
  }
}

/** Moves a position `offset` characters to the right, for problems inside one-line strings. */
export function shift(position: Position, offset: number): Position {
  return { ...position, column: position.column + offset };
}
