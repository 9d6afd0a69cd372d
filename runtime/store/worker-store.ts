/**
 * The Store port with the database on its own thread (store-worker.ts): what `hub serve` uses,
 * so that commits, whose fsync the synchronous driver waits for, never hold up the HTTP server.
 */
import { Worker } from 'node:worker_threads';
import type { Row, SqlValue, Statement, Store, StoreTx } from '../../core/store/port.ts';
import type { LibsqlOptions } from './libsql.ts';
import type { StoreReply, StoreRequest } from './store-worker.ts';

type Request = StoreRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

class WorkerStore implements Store {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  /** Writers take turns here too, as in LibsqlStore: a transaction's statements are never interleaved. */
  private writeChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: StoreReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiting) return;
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, ...(reply.error.code ? { code: reply.error.code } : {}) }));
    });
    worker.on('error', (error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    });
  }

  call<T>(request: Request): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  query(sql: string, args: SqlValue[] = []): Promise<Row[]> {
    return this.call({ op: 'query', sql, args });
  }

  batch(statements: Statement[]): Promise<number[]> {
    return this.exclusive(() => this.call({ op: 'batch', statements }));
  }

  writeTransaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const tx = await this.call<number>({ op: 'begin' });
      try {
        const result = await work({
          query: (sql, args = []) => this.call({ op: 'txQuery', tx, sql, args }),
          batch: (statements) => this.call({ op: 'txBatch', tx, statements }),
        });
        await this.call({ op: 'commit', tx });
        return result;
      } catch (e) {
        await this.call({ op: 'rollback', tx }).catch(() => undefined);
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    await this.writeChain.catch(() => undefined);
    await this.call({ op: 'close' });
    await this.worker.terminate();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(work, work);
    this.writeChain = run.catch(() => undefined);
    return run;
  }
}

/** Opens the database on its own thread (migrations applied there), ready when this resolves. */
export async function openWorkerStore(options: LibsqlOptions = {}): Promise<Store> {
  // The worker runs TypeScript like the main thread does: through tsx.
  const worker = new Worker(new URL('./store-worker.mjs', import.meta.url), { workerData: options });
  const store = new WorkerStore(worker);
  await store.query('SELECT 1');
  return store;
}
