/**
 * The Store port on @libsql/client: a local SQLite file (WAL, full fsync on commit), `:memory:`
 * for tests, or a remote libsql server several hub processes share.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client, type InArgs, type InStatement, type Transaction } from '@libsql/client';
import { migrate, migrationsFromFiles } from '../../core/store/migrations.ts';
import type { Row, SqlValue, Statement, Store, StoreTx } from '../../core/store/port.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../core/store/migrations/', import.meta.url));

export interface LibsqlOptions {
  /** `file:./data/hub.db` (default), `:memory:`, or `libsql://…` / `http://…` */
  url?: string;
  authToken?: string;
}

function toStatements(statements: Statement[]): InStatement[] {
  return statements.map((s) => ({ sql: s.sql, args: (s.args ?? []) as InArgs }));
}

function rowsOf(result: { rows: unknown[]; columns: string[] }): Row[] {
  // libsql rows are array-like objects; copy them into plain records.
  return result.rows.map((r) => {
    const row: Row = {};
    for (const column of result.columns) row[column] = (r as Record<string, SqlValue>)[column] ?? null;
    return row;
  });
}

class LibsqlStore implements Store {
  /** Writers in this process take turns, so a transaction never waits on the file lock for its own siblings. */
  private writeChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: Client) {}

  async query(sql: string, args: SqlValue[] = []): Promise<Row[]> {
    return rowsOf(await this.client.execute({ sql, args: args as InArgs }));
  }

  batch(statements: Statement[]): Promise<number[]> {
    return this.exclusive(async () => (await this.client.batch(toStatements(statements), 'write')).map((r) => r.rowsAffected));
  }

  writeTransaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const transaction: Transaction = await this.client.transaction('write');
      try {
        const result = await work({
          query: async (sql, args = []) => rowsOf(await transaction.execute({ sql, args: args as InArgs })),
          batch: async (statements) => (await transaction.batch(toStatements(statements))).map((r) => r.rowsAffected),
        });
        await transaction.commit();
        return result;
      } catch (e) {
        await transaction.rollback().catch(() => undefined);
        throw e;
      } finally {
        transaction.close();
      }
    });
  }

  async close(): Promise<void> {
    await this.writeChain.catch(() => undefined);
    this.client.close();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(work, work);
    this.writeChain = run.catch(() => undefined);
    return run;
  }
}

/** Opens the database, sets SQLite up for many writers and applies pending migrations. */
export async function openLibsqlStore(options: LibsqlOptions = {}, now: () => string = () => new Date().toISOString()): Promise<Store> {
  const url = options.url ?? 'file:./data/hub.db';
  if (url.startsWith('file:') && !url.includes(':memory:')) mkdirSync(dirname(url.slice('file:'.length)) || '.', { recursive: true });
  const client = createClient({ url, ...(options.authToken ? { authToken: options.authToken } : {}) });
  if (url.startsWith('file:') || url === ':memory:') {
    // WAL lets readers run beside the writer; FULL syncs each commit, so an acknowledged order
    // survives a power cut; the busy timeout lets processes sharing the file queue for the lock.
    // The busy timeout first: switching to WAL takes a lock that processes opening the file together contend for.
    await client.execute('PRAGMA busy_timeout = 10000');
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = FULL');
    // Hot pages of the indexes stay in memory between groups.
    await client.execute('PRAGMA cache_size = -65536');
    await client.execute('PRAGMA temp_store = MEMORY');
  }
  const store = new LibsqlStore(client);
  const files = Object.fromEntries(
    readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => [f, readFileSync(join(MIGRATIONS_DIR, f), 'utf8')]),
  );
  await migrate(store, migrationsFromFiles(files), now);
  return store;
}
