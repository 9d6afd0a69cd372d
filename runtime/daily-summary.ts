/**
 * The daily summary a merchant's group chat gets each morning: yesterday's orders and sales by
 * channel, what was delivered, and what waits for a person (held orders, quarantine, dead
 * letters). Queued once per tenant, Beijing day and bot through the outbox: its idempotency key
 * is the day, so any number of checks and processes queue it once.
 */
import { newId } from '../core/ids.ts';
import { fenToYuan } from '../core/order/money.ts';
import type { Store } from '../core/store/port.ts';

const BEIJING_MS = 8 * 3_600_000;

export interface DailySummary {
  /** The Beijing day it covers, yyyy-MM-dd. */
  day: string;
  orders: number;
  /** Paid, in fen; `paidYuan` for people. */
  paid: number;
  paidYuan: string;
  byChannel: Array<{ channel: string; orders: number; paid: number; paidYuan: string }>;
  delivered: number;
  /** As the summary is written. */
  held: number;
  quarantined: number;
  deadLetters: number;
}

/** Yesterday's summary to each bot, once it is past `at` (HH:mm, Beijing) today; returns how many were queued. */
export async function queueDailySummaries(store: Store, options: { tenants: string[]; targets: string[]; at?: string; now?: Date }): Promise<number> {
  const now = options.now ?? new Date();
  const beijing = new Date(now.getTime() + BEIJING_MS).toISOString();
  if (beijing.slice(11, 16) < (options.at ?? '09:00')) return 0;
  const day = new Date(Date.parse(`${beijing.slice(0, 10)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const at = now.toISOString();
  let queued = 0;
  for (const tenant of options.tenants) {
    const keys = options.targets.map((target) => `notify.daily_summary/${target}/${day}`);
    const done = await store.query(`SELECT count(*) AS n FROM outbox WHERE tenant = ? AND idempotency_key IN (${keys.map(() => '?').join(', ')})`, [tenant, ...keys]);
    if (Number(done[0]!.n) === keys.length) continue;
    const payload = JSON.stringify(await summariseDay(store, tenant, day));
    const changed = await store.batch(
      options.targets.map((target, i) => ({
        sql: `INSERT INTO outbox (tenant, id, target, kind, idempotency_key, payload, status, priority, next_attempt_at, created_at, updated_at)
              VALUES (?, ?, ?, 'notify.daily_summary', ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT DO NOTHING`,
        args: [tenant, newId('dlv', now.getTime()), target, keys[i]!, payload, at, at, at],
      })),
    );
    queued += changed.reduce((n, c) => n + c, 0);
  }
  return queued;
}

/** One Beijing day of a tenant, from the store. */
export async function summariseDay(store: Store, tenant: string, day: string): Promise<DailySummary> {
  const from = new Date(Date.parse(`${day}T00:00:00+08:00`)).toISOString();
  const to = new Date(Date.parse(`${day}T00:00:00+08:00`) + 86_400_000).toISOString();
  const channels = await store.query(
    `SELECT channel, count(*) AS orders, coalesce(sum(json_extract(doc, '$.amounts.paid')), 0) AS paid
     FROM orders WHERE tenant = ? AND created_at >= ? AND created_at < ? GROUP BY channel ORDER BY orders DESC, channel`,
    [tenant, from, to],
  );
  const [counts] = await store.query(
    `SELECT (SELECT count(*) FROM outbox WHERE tenant = ?1 AND status = 'delivered' AND delivered_at >= ?2 AND delivered_at < ?3) AS delivered,
            (SELECT count(*) FROM outbox WHERE tenant = ?1 AND status = 'dead') AS dead_letters,
            (SELECT count(*) FROM orders WHERE tenant = ?1 AND holds IS NOT NULL) AS held,
            (SELECT count(*) FROM quarantine WHERE tenant = ?1 AND resolved_at IS NULL) AS quarantined`,
    [tenant, from, to],
  );
  const byChannel = channels.map((r) => ({ channel: String(r.channel), orders: Number(r.orders), paid: Number(r.paid), paidYuan: fenToYuan(Number(r.paid)) }));
  const paid = byChannel.reduce((n, c) => n + c.paid, 0);
  return {
    day,
    orders: byChannel.reduce((n, c) => n + c.orders, 0),
    paid,
    paidYuan: fenToYuan(paid),
    byChannel,
    delivered: Number(counts!.delivered),
    held: Number(counts!.held),
    quarantined: Number(counts!.quarantined),
    deadLetters: Number(counts!.dead_letters),
  };
}
