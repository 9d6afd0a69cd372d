/**
 * The database's own thread: the libsql driver is synchronous, so a commit's fsync would stop
 * the HTTP server for its whole length. Here it stops only this thread; the main thread keeps
 * taking requests, and the next group fills while this one is written.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Statement, StoreTx } from '../../core/store/port.ts';
import { openLibsqlStore, type LibsqlOptions } from './libsql.ts';

export type StoreRequest =
  | { id: number; op: 'query'; sql: string; args: unknown[] }
  | { id: number; op: 'batch'; statements: Statement[] }
  | { id: number; op: 'begin' }
  | { id: number; op: 'txQuery'; tx: number; sql: string; args: unknown[] }
  | { id: number; op: 'txBatch'; tx: number; statements: Statement[] }
  | { id: number; op: 'commit' | 'rollback'; tx: number }
  | { id: number; op: 'close' };

export type StoreReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; code?: string } };

const port = parentPort!;
const reply = (message: StoreReply) => port.postMessage(message);
const failed = (id: number, e: unknown) => {
  const error = e as Error & { code?: string };
  reply({ id, ok: false, error: { name: error.name, message: error.message, ...(error.code ? { code: error.code } : {}) } });
};

const opening = openLibsqlStore(workerData as LibsqlOptions);
/** Open transactions: their StoreTx, and how to end them. */
const transactions = new Map<number, { tx: StoreTx; end: (commit: boolean) => void; settled: Promise<unknown> }>();

port.on('message', async (request: StoreRequest) => {
  try {
    const store = await opening;
    switch (request.op) {
      case 'query':
        return reply({ id: request.id, ok: true, value: await store.query(request.sql, request.args as never) });
      case 'batch':
        return reply({ id: request.id, ok: true, value: await store.batch(request.statements) });
      case 'begin': {
        let started!: () => void;
        const begun = new Promise<void>((resolve) => (started = resolve));
        const settled = store.writeTransaction(
          (tx) =>
            new Promise<void>((resolve, reject) => {
              transactions.set(request.id, { tx, end: (commit) => (commit ? resolve() : reject(new Error('rolled back'))), settled });
              started();
            }),
        );
        settled.catch(() => undefined);
        await begun;
        return reply({ id: request.id, ok: true, value: request.id });
      }
      case 'txQuery':
        return reply({ id: request.id, ok: true, value: await transactions.get(request.tx)!.tx.query(request.sql, request.args as never) });
      case 'txBatch':
        return reply({ id: request.id, ok: true, value: await transactions.get(request.tx)!.tx.batch(request.statements) });
      case 'commit':
      case 'rollback': {
        const open = transactions.get(request.tx)!;
        transactions.delete(request.tx);
        open.end(request.op === 'commit');
        await open.settled.catch((e) => {
          if (request.op === 'commit') throw e;
        });
        return reply({ id: request.id, ok: true, value: null });
      }
      case 'close':
        await store.close();
        return reply({ id: request.id, ok: true, value: null });
    }
  } catch (e) {
    failed(request.id, e);
  }
});
