/**
 * Numbered SQL migrations, applied in order on start and recorded in `schema_migrations`.
 * The files live in ./migrations; the runtime reads them (Node from disk, Workers bundled).
 */
import type { Statement, Store } from './port.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** `0002_stock.sql` → { version: 2, name: 'stock' } */
export function migrationsFromFiles(files: Record<string, string>): Migration[] {
  return Object.entries(files)
    .map(([file, sql]) => {
      const match = /^(\d+)_([\w-]+)\.sql$/.exec(file.replace(/^.*\//, ''));
      if (!match) throw new MigrationError(`migration file ${file} must be named NNNN_name.sql`);
      return { version: Number(match[1]), name: match[2]!, sql };
    })
    .sort((a, b) => a.version - b.version);
}

/** Splits a migration into statements (our migrations keep semicolons out of strings and comments). */
export function statementsOf(sql: string): Statement[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean)
    .map((s) => ({ sql: s }));
}

/** Applies every migration not yet recorded; safe to run from several processes at once. */
export async function migrate(store: Store, migrations: Migration[], now: () => string): Promise<number[]> {
  // Opening a database that is up to date only reads: it never waits for, or holds, the write lock.
  const [table] = await store.query("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (table) {
    const applied = new Set((await store.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    if (migrations.every((m) => applied.has(m.version))) return [];
  }
  await store.batch([{ sql: 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)' }]);
  return store.writeTransaction(async (tx) => {
    const applied = new Set((await tx.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const fresh = migrations.filter((m) => !applied.has(m.version));
    for (const migration of fresh) {
      try {
        await tx.batch([
          ...statementsOf(migration.sql),
          { sql: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', args: [migration.version, migration.name, now()] },
        ]);
      } catch (e) {
        throw new MigrationError(`migration ${migration.version}_${migration.name} failed: ${(e as Error).message}`);
      }
    }
    return fresh.map((m) => m.version);
  });
}
