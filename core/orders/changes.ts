/**
 * What changed between two versions of a canonical order, field by field and line by line:
 * the timeline shows it, and the pipeline decides from it whether stock or routing must run again.
 */
import type { CanonicalOrder } from '../order/index.ts';

export interface Change {
  field: string;
  from: unknown;
  to: unknown;
}

/**
 * @example
 * diffOrders(a, { ...a, status: 'shipped' }) // [{ field: 'status', from: 'paid', to: 'shipped' }]
 */
export function diffOrders(before: CanonicalOrder, after: CanonicalOrder): Change[] {
  const changes: Change[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof CanonicalOrder>;
  for (const key of keys) {
    if (key === 'lines') continue;
    if (!sameJson(before[key], after[key])) changes.push({ field: key, from: before[key], to: after[key] });
  }
  const beforeLines = new Map(before.lines.map((l) => [l.lineId, l]));
  const afterLines = new Map(after.lines.map((l) => [l.lineId, l]));
  for (const [id, line] of afterLines) {
    const old = beforeLines.get(id);
    if (!old) changes.push({ field: `lines[${id}]`, from: undefined, to: line });
    else if (!sameJson(old, line)) {
      for (const key of new Set([...Object.keys(old), ...Object.keys(line)]) as Set<keyof typeof line>) {
        if (!sameJson(old[key], line[key])) changes.push({ field: `lines[${id}].${key}`, from: old[key], to: line[key] });
      }
    }
  }
  for (const [id, line] of beforeLines) if (!afterLines.has(id)) changes.push({ field: `lines[${id}]`, from: line, to: undefined });
  return changes;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
