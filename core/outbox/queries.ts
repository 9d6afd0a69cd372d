/**
 * What the admin API and the console read about deliveries: the list by target and status,
 * one delivery with every attempt, and each target's health over a recent window.
 */
import { andFilters, type SqlValue, type Store } from '../store/port.ts';

export interface DeliveryFilter {
  target?: string;
  status?: string;
  kind?: string;
  orderId?: string;
  cursor?: string;
  limit?: number;
}

const DELIVERY_COLUMNS = 'id, target, kind, idempotency_key, order_id, after_key, status, attempts, next_attempt_at, last_error, created_at, updated_at, delivered_at, document_code, external_ref';

export async function listDeliveries(store: Store, tenant: string, filter: DeliveryFilter = {}) {
  const where: string[] = [];
  const args: SqlValue[] = [tenant];
  if (filter.target) where.push('target = ?'), args.push(filter.target);
  if (filter.status) where.push('status = ?'), args.push(filter.status);
  if (filter.kind) where.push('kind = ?'), args.push(filter.kind);
  if (filter.orderId) where.push('order_id = ?'), args.push(filter.orderId);
  if (filter.cursor) where.push('id < ?'), args.push(filter.cursor);
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const rows = await store.query(`SELECT ${DELIVERY_COLUMNS} FROM outbox WHERE tenant = ?${andFilters(where)} ORDER BY id DESC LIMIT ?`, [...args, limit + 1]);
  const page = rows.slice(0, limit);
  return { deliveries: page, next: rows.length > limit ? String(page[page.length - 1]!.id) : null };
}

export async function deliveryDetail(store: Store, tenant: string, id: string) {
  const [delivery] = await store.query(`SELECT ${DELIVERY_COLUMNS}, payload FROM outbox WHERE tenant = ? AND id = ?`, [tenant, id]);
  if (!delivery) return null;
  const attempts = await store.query('SELECT id, started_at, duration_ms, outcome, request, response, error FROM delivery_attempts WHERE tenant = ? AND delivery_id = ? ORDER BY id', [tenant, id]);
  return {
    ...delivery,
    attempts: attempts.map((a) => ({ ...a, request: a.request === null ? null : JSON.parse(String(a.request)), response: a.response === null ? null : JSON.parse(String(a.response)) })),
  };
}

export interface TargetHealth {
  target: string;
  /** Rows by status right now. */
  pending: number;
  unknown: number;
  dead: number;
  delivered: number;
  /** Attempts since `since`: how many, how many delivered, and the median and p95 duration. */
  attempts: number;
  succeeded: number;
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

export async function targetHealth(store: Store, tenant: string, since: string): Promise<TargetHealth[]> {
  const counts = await store.query('SELECT target, status, count(*) AS n FROM outbox WHERE tenant = ? GROUP BY target, status', [tenant]);
  const attempts = await store.query("SELECT target, outcome, duration_ms FROM delivery_attempts WHERE tenant = ? AND started_at >= ? AND outcome NOT IN ('found', 'absent') ORDER BY target, duration_ms", [tenant, since]);
  const targets = [...new Set([...counts, ...attempts].map((r) => String(r.target)))].sort();
  return targets.map((target) => {
    const count = (status: string) => Number(counts.find((r) => r.target === target && r.status === status)?.n ?? 0);
    const mine = attempts.filter((a) => a.target === target);
    const durations = mine.map((a) => Number(a.duration_ms));
    const at = (q: number) => (durations.length ? durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]! : null);
    const succeeded = mine.filter((a) => a.outcome === 'delivered').length;
    return {
      target,
      pending: count('pending') + count('sending'),
      unknown: count('unknown'),
      dead: count('dead'),
      delivered: count('delivered'),
      attempts: mine.length,
      succeeded,
      successRate: mine.length ? succeeded / mine.length : null,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
    };
  });
}
