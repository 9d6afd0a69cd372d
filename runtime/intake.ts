/**
 * What arrives from channels, between the HTTP routes / pollers and the pipeline: pushes
 * (verified by their connector, replays dropped, orders ingested before the answer, order ids
 * queued for fetching) and pulled pages (ingested, then the cursor stored).
 */
import type { Connector, PushRequest } from '../core/connector/types.ts';
import type { Pipeline } from '../core/ingest/pipeline.ts';
import type { Store } from '../core/store/port.ts';
import type { CallPacer } from './call-pacer.ts';
import type { SweepReport } from './poller.ts';

export interface ShopBinding {
  tenant: string;
  channel: string;
  shop: string;
  connector: Connector;
  /** The call budget of the platform app the shop calls as (shared with the app's other shops). */
  pacer?: CallPacer;
  /** The last no-missed-orders sweep of the shop, for /shops/health. */
  lastSweep?: SweepReport & { at: string };
}

export interface PushOutcome {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** For logs and metrics: why it was refused, or what it carried. */
  rejected?: string;
  ingested: number;
  queued: number;
  replayed: boolean;
}

export async function receivePush(store: Store, pipeline: Pipeline, binding: ShopBinding, request: PushRequest, now = new Date()): Promise<PushOutcome> {
  const { connector, tenant, channel, shop } = binding;
  if (!connector.receive) return { status: 404, body: `${channel} takes no pushes`, ingested: 0, queued: 0, replayed: false };
  const result = await connector.receive(request);
  const base = { ...result.response, ingested: 0, queued: 0, replayed: false };
  if (result.rejected) return { ...base, rejected: result.rejected };
  const ids = result.messageIds ?? [];
  // A message of one order is checked for a repeat inside its ingest (one query per group);
  // anything else asks here first.
  const single = result.items.length === 1 && result.items[0]!.kind === 'order';
  if (ids.length && !single) {
    const seen = await store.query(
      `SELECT count(*) AS n FROM push_messages WHERE tenant = ? AND channel = ? AND shop = ? AND message_id IN (${ids.map(() => '?').join(', ')})`,
      [tenant, channel, shop, ...ids],
    );
    // Platforms repeat messages: one already handled is acknowledged again and nothing more.
    if (Number(seen[0]!.n) === ids.length) return { ...base, replayed: true };
  }
  const meta = { messageIds: ids, headers: safeHeaders(request.headers) };
  let ingested = 0;
  const fetches: string[] = [];
  // A message of orders only is marked handled with its last order, in that order's transaction:
  // no write of its own, so a push costs no more than its ingest.
  const last = result.items.length - 1;
  const ordersOnly = result.items.every((i) => i.kind === 'order');
  for (const [index, item] of result.items.entries()) {
    if (item.kind === 'order') {
      // Durable before the platform hears back: the inbox row is committed when this resolves.
      const outcome = await pipeline.ingest({ tenant, channel, shop, payload: item.payload, meta, ...(ordersOnly && index === last && ids.length ? { messageIds: ids } : {}) });
      if (outcome.replayed) return { ...base, replayed: true };
      ingested++;
    } else if (item.kind === 'fetch') {
      fetches.push(item.externalId);
    } else {
      // Keyed by what it says, so each item of a message is kept and a repeated one is kept once.
      const source = `push:${item.type}:${(item.lineIds ?? []).join('+') || '*'}:${item.at}`;
      await pipeline.applyAfterSale(tenant, channel, item.externalId, { type: item.type, ...(item.lineIds ? { lineIds: item.lineIds } : {}), at: item.at }, source);
    }
  }
  const at = now.toISOString();
  if (ordersOnly && result.items.length > 0) return { ...base, ingested, queued: 0 };
  await store.batch([
    ...fetches.map((externalId) => ({
      sql: `INSERT INTO fetch_queue (tenant, channel, shop, external_id, status, next_attempt_at, received_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)
            ON CONFLICT (tenant, channel, shop, external_id) DO UPDATE SET status = 'pending', next_attempt_at = excluded.next_attempt_at`,
      args: [tenant, channel, shop, externalId, at, at],
    })),
    ...ids.map((id) => ({ sql: 'INSERT INTO push_messages (tenant, channel, shop, message_id, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', args: [tenant, channel, shop, id, at] })),
  ]);
  return { ...base, ingested, queued: fetches.length };
}

/** Headers worth keeping with the raw payload: never credentials. */
function safeHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !/^(authorization|cookie|x-api-key)$/i.test(k)));
}

/**
 * Fetches the orders pushes only named, through their connector, and ingests them. Returns
 * how many came in; what failed waits and is tried again.
 */
export async function fetchNamedOrders(store: Store, pipeline: Pipeline, bindings: ShopBinding[], now = new Date()): Promise<number> {
  let fetched = 0;
  for (const binding of bindings) {
    const { connector, tenant, channel, shop } = binding;
    if (!connector.fetchOrder) continue;
    const due = await store.query(
      "SELECT external_id, attempts FROM fetch_queue WHERE tenant = ? AND channel = ? AND shop = ? AND status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 100",
      [tenant, channel, shop, now.toISOString()],
    );
    for (const row of due) {
      const externalId = String(row.external_id);
      const result = await connector.fetchOrder(externalId);
      if (result.ok) {
        await pipeline.ingest({ tenant, channel, shop, payload: result.order, meta: { fetchedAfterPush: true } });
        await store.batch([{ sql: "UPDATE fetch_queue SET status = 'done', last_error = NULL WHERE tenant = ? AND channel = ? AND shop = ? AND external_id = ?", args: [tenant, channel, shop, externalId] }]);
        fetched++;
      } else {
        const attempts = Number(row.attempts) + 1;
        const failed = result.outcome.outcome === 'failed' || attempts >= 10;
        const wait = result.outcome.outcome === 'retry' ? (result.outcome.afterMs ?? 1000 * 2 ** attempts) : 0;
        await store.batch([
          {
            sql: 'UPDATE fetch_queue SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE tenant = ? AND channel = ? AND shop = ? AND external_id = ?',
            args: [failed ? 'failed' : 'pending', attempts, new Date(now.getTime() + wait).toISOString(), result.outcome.reason, tenant, channel, shop, externalId],
          },
        ]);
      }
    }
  }
  return fetched;
}
