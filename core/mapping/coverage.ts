/**
 * What a set of test cases exercised: how often each mapping rule ran, and which source
 * fields were read. Only `hub mapping test` compiles with a recorder; normal runs pay nothing.
 */
import type { Position } from './errors.ts';

export interface RuleCoverage {
  label: string;
  position: Position;
  hits: number;
}

export class CoverageRecorder {
  readonly rules: RuleCoverage[] = [];
  /** Normalised source paths read, with array positions as `[]`: `orders.order[].title`. */
  readonly reads = new Set<string>();

  register(label: string, position: Position): RuleCoverage {
    const rule = { label, position, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  unexercised(): RuleCoverage[] {
    return this.rules.filter((r) => r.hits === 0);
  }

  /** Leaf fields present in `input` that no rule read (a read of a parent counts for its children). */
  unreadFields(inputs: unknown[]): string[] {
    const present = new Set<string>();
    for (const input of inputs) collectLeaves(input, '', present);
    const reads = [...this.reads];
    return [...present]
      .filter((leaf) => !reads.some((read) => read === '' || leaf === read || leaf.startsWith(`${read}.`) || leaf.startsWith(`${read}[]`)))
      .sort();
  }
}

/** `$.orders.order[2].title` → `orders.order[].title` */
export function normalisePath(absolute: string): string {
  return absolute
    .replace(/\["((?:[^"\\]|\\.)*)"\]/g, (_, key: string) => `.${JSON.parse(`"${key}"`)}`)
    .replace(/^\$\.?/, '')
    .replace(/\[\d+\]/g, '[]')
    .replace(/\[\*\]/g, '[]');
}

function collectLeaves(value: unknown, path: string, into: Set<string>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.add(path);
    for (const item of value) collectLeaves(item, `${path}[]`, into);
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) into.add(path);
    for (const [key, child] of entries) collectLeaves(child, path ? `${path}.${key}` : key, into);
  } else if (value !== null && value !== '') {
    into.add(path);
  }
}
