/**
 * The Store port: what the core needs from a SQL database. Plain SQLite dialect, so libsql on
 * Node and D1 on Workers can both stand behind it.
 */
export type SqlValue = string | number | bigint | null;

export interface Statement {
  sql: string;
  args?: SqlValue[];
}

export type Row = Record<string, SqlValue>;

/** The reads and writes of one exclusive write transaction. */
export interface StoreTx {
  query(sql: string, args?: SqlValue[]): Promise<Row[]>;
  /** Runs the statements in order; returns the rows each one changed. */
  batch(statements: Statement[]): Promise<number[]>;
}

export interface Store {
  query(sql: string, args?: SqlValue[]): Promise<Row[]>;
  /** Runs the statements atomically, in order. */
  batch(statements: Statement[]): Promise<number[]>;
  /**
   * Runs `work` as the only writer (SQLite BEGIN IMMEDIATE): what it reads cannot change under
   * it, also across processes sharing the file. Commits when `work` resolves, rolls back when
   * it throws.
   */
  writeTransaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Multi-row INSERT statements, chunked under SQLite's bound-parameter limit: one statement
 * writes hundreds of rows, which is where the write throughput comes from.
 *
 * @example
 * insertRows('inbox', ['tenant', 'id'], [['t1', 'inb_1'], ['t1', 'inb_2']])
 * // [{ sql: 'INSERT INTO inbox (tenant, id) VALUES (?, ?), (?, ?)', args: ['t1', 'inb_1', 't1', 'inb_2'] }]
 */
export function insertRows(table: string, columns: string[], rows: SqlValue[][], suffix = ''): Statement[] {
  const statements: Statement[] = [];
  const perStatement = Math.max(1, Math.floor(30000 / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    statements.push({
      sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}${suffix ? ` ${suffix}` : ''}`,
      args: chunk.flat(),
    });
  }
  return statements;
}

/**
 * Optional filters after a query's `tenant = ?`, so the tenant stays written in every statement.
 *
 * @example
 * `SELECT id FROM orders WHERE tenant = ?${andFilters(['channel = ?', 'status = ?'])}` // … WHERE tenant = ? AND channel = ? AND status = ?
 */
export const andFilters = (filters: string[]): string => filters.map((f) => ` AND ${f}`).join('');
