/**
 * The dead-letter queue is the outbox rows in status `dead`: inspected with their attempts,
 * and replayed (one, by target or kind, or all) once the config or mapping is fixed. A replay
 * sends the current version: bodies are built at send time from the order as it is now.
 */
import type { Row, Store } from '../store/port.ts';

export type DeadLetterFilter = { id: string } | { target: string; kind?: string } | { all: true };

function where(filter: DeadLetterFilter): { sql: string; args: string[] } {
  if ('id' in filter) return { sql: 'id = ?', args: [filter.id] };
  if ('target' in filter) return filter.kind ? { sql: 'target = ? AND kind = ?', args: [filter.target, filter.kind] } : { sql: 'target = ?', args: [filter.target] };
  return { sql: '1 = 1', args: [] };
}

export async function listDeadLetters(store: Store, tenant: string, filter: DeadLetterFilter = { all: true }): Promise<Row[]> {
  const w = where(filter);
  return store.query(
    `SELECT id, target, kind, idempotency_key, order_id, attempts, last_error, created_at, updated_at FROM outbox WHERE tenant = ? AND status = 'dead' AND ${w.sql} ORDER BY id`,
    [tenant, ...w.args],
  );
}

/** Puts dead letters back in the queue, with the deliveries they blocked; returns how many. */
export async function replayDeadLetters(store: Store, tenant: string, filter: DeadLetterFilter, now = new Date()): Promise<number> {
  const w = where(filter);
  const at = now.toISOString();
  return store.writeTransaction(async (tx) => {
    const dead = await tx.query(`SELECT idempotency_key, coalesce_key FROM outbox WHERE tenant = ? AND status = 'dead' AND ${w.sql} ORDER BY created_at DESC, id DESC`, [tenant, ...w.args]);
    if (dead.length === 0) return 0;
    // A coalesced value (a channel's stock) is worth sending only as its newest: an older dead row,
    // or any when a newer one is already pending, is superseded rather than sent stale.
    const coalesceKeys = [...new Set(dead.map((r) => r.coalesce_key).filter((k) => k !== null).map(String))];
    const pending = new Set(
      coalesceKeys.length
        ? (await tx.query(`SELECT coalesce_key FROM outbox WHERE tenant = ? AND status = 'pending' AND coalesce_key IN (${coalesceKeys.map(() => '?').join(', ')})`, [tenant, ...coalesceKeys])).map((r) => String(r.coalesce_key))
        : [],
    );
    const keys: string[] = [];
    const superseded: string[] = [];
    for (const r of dead) {
      const coalesceKey = r.coalesce_key === null ? null : String(r.coalesce_key);
      if (coalesceKey !== null && pending.has(coalesceKey)) superseded.push(String(r.idempotency_key));
      else keys.push(String(r.idempotency_key));
      if (coalesceKey !== null) pending.add(coalesceKey);
    }
    if (superseded.length) {
      await tx.batch([
        {
          sql: `UPDATE outbox SET status = 'superseded', last_error = 'superseded by a newer value', updated_at = ? WHERE tenant = ? AND status = 'dead' AND idempotency_key IN (${superseded.map(() => '?').join(', ')})`,
          args: [at, tenant, ...superseded],
        },
      ]);
    }
    if (keys.length === 0) return 0;
    // What waits for a replayed row (and what waits for that, down the chain) comes back with it.
    const replaying = new Set(keys);
    for (let frontier = keys; frontier.length; ) {
      const blocked = await tx.query(
        `SELECT idempotency_key FROM outbox WHERE tenant = ? AND status = 'dead' AND last_error LIKE 'blocked: %' AND after_key IN (${frontier.map(() => '?').join(', ')})`,
        [tenant, ...frontier],
      );
      frontier = blocked.map((r) => String(r.idempotency_key)).filter((k) => !replaying.has(k));
      for (const k of frontier) replaying.add(k);
    }
    const all = [...replaying];
    const [replayed] = await tx.batch([
      { sql: `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL, updated_at = ? WHERE tenant = ? AND status = 'dead' AND idempotency_key IN (${all.map(() => '?').join(', ')})`, args: [at, at, tenant, ...all] },
    ]);
    return replayed ?? 0;
  });
}

/** Marks an unknown or dead delivery as done after a person checked the target holds it. */
export async function markDelivered(store: Store, tenant: string, id: string, now = new Date()): Promise<boolean> {
  const [changed] = await store.batch([
    { sql: "UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL, updated_at = ? WHERE tenant = ? AND id = ? AND status IN ('unknown', 'dead')", args: [now.toISOString(), now.toISOString(), tenant, id] },
  ]);
  return changed === 1;
}
