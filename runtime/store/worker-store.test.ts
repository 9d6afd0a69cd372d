import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../core/store/port.ts';
import { openWorkerStore } from './worker-store.ts';

let store: Store;
beforeAll(async () => {
  store = await openWorkerStore({ url: `file:${join(mkdtempSync(join(tmpdir(), 'hub-worker-store-')), 'hub.db')}` });
});
afterAll(async () => store?.close());

const keys = async () => (await store.query("SELECT id FROM api_keys WHERE tenant = 't' ORDER BY id")).map((r) => r.id);
const insert = (id: string) => ({ sql: "INSERT INTO api_keys (tenant, id, name, role, secret_hash, created_at) VALUES ('t', ?, 'n', 'viewer', 'h', 'x')", args: [id] });

describe('the store on its own thread', () => {
  it('applies the migrations there and answers queries', async () => {
    expect((await store.query('SELECT max(version) AS v FROM schema_migrations'))[0]!.v).toBeGreaterThanOrEqual(7);
  });

  it('commits a transaction whole, and rolls back one that throws', async () => {
    const seen = await store.writeTransaction(async (tx) => {
      await tx.batch([insert('a')]);
      return (await tx.query("SELECT count(*) AS n FROM api_keys WHERE tenant = 't'"))[0]!.n;
    });
    expect(seen).toBe(1);
    await expect(
      store.writeTransaction(async (tx) => {
        await tx.batch([insert('b')]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await keys()).toEqual(['a']);
  });

  it("passes the database's errors back with their code, and goes on working", async () => {
    await expect(store.batch([insert('a')])).rejects.toMatchObject({ code: expect.stringContaining('SQLITE_CONSTRAINT') });
    await store.batch([insert('c')]);
    expect(await keys()).toEqual(['a', 'c']);
  });
});
