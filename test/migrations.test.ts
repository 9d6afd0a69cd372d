/**
 * Migrations over a database that already holds data: an up-to-date one is opened without a
 * write, and the phone tails of orders stored before 0007 are filled in by 0008.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { describe, expect, it } from 'vitest';
import { migrate, migrationsFromFiles } from '../core/store/migrations.ts';
import type { Row, Store } from '../core/store/port.ts';

const dir = new URL('../core/store/migrations/', import.meta.url);
const all = migrationsFromFiles(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(new URL(f, dir), 'utf8')])));

/** A store on one in-memory connection that counts its writes. */
function memoryStore() {
  const client = createClient({ url: ':memory:' });
  const rows = (r: { rows: unknown[]; columns: string[] }) => r.rows.map((x) => Object.fromEntries(r.columns.map((c) => [c, (x as Record<string, unknown>)[c]]))) as Row[];
  const store = {
    writes: 0,
    query: async (sql: string, args: unknown[] = []) => rows(await client.execute({ sql, args: args as never })),
    batch: async (statements: Array<{ sql: string; args?: unknown[] }>) => {
      store.writes++;
      return (await client.batch(statements.map((s) => ({ sql: s.sql, args: (s.args ?? []) as never })), 'write')).map((r) => r.rowsAffected);
    },
    writeTransaction: async <T>(work: (tx: never) => Promise<T>) => {
      store.writes++;
      return work({ query: store.query, batch: store.batch } as never);
    },
    close: async () => client.close(),
  };
  return store;
}

describe('migrations', () => {
  it('fill the phone tails of orders stored before there was a column for them, and then only read', async () => {
    const store = memoryStore();
    const now = () => '2024-05-01T00:00:00Z';
    await migrate(store as unknown as Store, all.filter((m) => m.version <= 7), now);
    const doc = (phone: string) => JSON.stringify({ receiver: { phone } });
    await store.batch([
      {
        sql: `INSERT INTO orders (tenant, id, channel, external_id, status, after_sale, updated_at, updated_ms, version, doc, stage, created_at, last_inbox)
              VALUES ('t', 'o1', 'jd', 'E1', 'paid', 'none', '', 0, 1, ?, 'open', '', ''), ('t', 'o2', 'jd', 'E2', 'paid', 'none', '', 0, 1, ?, 'open', '', ''), ('t', 'o3', 'jd', 'E3', 'paid', 'none', '', 0, 1, ?, 'open', '', '')`,
        args: [doc('13800138000'), doc('sealed:v1:k:aaaa:bbbb'), doc('1*******229')],
      },
    ]);
    expect(await migrate(store as unknown as Store, all, now)).toEqual(all.filter((m) => m.version > 7).map((m) => m.version));
    expect(await store.query('SELECT id, phone_tail FROM orders ORDER BY id')).toEqual([
      { id: 'o1', phone_tail: '8000' },
      { id: 'o2', phone_tail: null },
      { id: 'o3', phone_tail: null },
    ]);
    const writes = store.writes;
    expect(await migrate(store as unknown as Store, all, now)).toEqual([]);
    expect(store.writes).toBe(writes);
    await store.close();
  });
});
