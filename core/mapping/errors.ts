/** Where something is in a mapping file, 1-based like an editor shows it. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

export interface MappingProblem {
  severity: 'error' | 'warning';
  message: string;
  position: Position;
}

export function formatPosition(position: Position): string {
  return `${position.file}:${position.line}:${position.column}`;
}

export function formatProblem(problem: MappingProblem): string {
  return `${formatPosition(problem.position)}: ${problem.severity}: ${problem.message}`;
}

/** A mapping file that cannot be used: YAML syntax, unknown operators, fields or values the target does not accept. */
export class MappingLintError extends Error {
  override name = 'MappingLintError';
  constructor(readonly problems: MappingProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`${errors.length} error(s) in mapping:\n${errors.map(formatProblem).join('\n')}`);
  }
}

/**
 * A payload the mapping cannot read. Names the mapping rule (file:line:column), the target
 * field being produced and the source JSON path that failed.
 */
export class MappingRuntimeError extends Error {
  override name = 'MappingRuntimeError';
  constructor(
    readonly position: Position,
    readonly target: string,
    readonly sourcePath: string | undefined,
    readonly reason: string,
  ) {
    super(`${formatPosition(position)}: ${target}: ${reason}${sourcePath ? ` (at ${sourcePath})` : ''}`);
  }
}

/** A mapped order the canonical schema rejects, with every problem's JSON path and, where known, the rule that produced it. */
export class MappingOutputError extends Error {
  override name = 'MappingOutputError';
  constructor(readonly problems: Array<{ path: string; message: string; position?: Position }>) {
    super(
      `mapped output does not fit the target schema:\n${problems
        .map((p) => `  ${p.path} ${p.message}${p.position ? ` (mapped at ${formatPosition(p.position)})` : ''}`)
        .join('\n')}`,
    );
  }
}
