/**
 * What the admin API and the console read about quarantine: the open (or resolved) items with
 * their error and where it points, and one item with its raw payload.
 */
import type { Sealer } from '../order/sealing.ts';
import { maskRawPayload } from '../orders/queries.ts';
import { andFilters, type SqlValue, type Store } from '../store/port.ts';

export async function listQuarantine(store: Store, tenant: string, filter: { channel?: string; open?: boolean; cursor?: string; limit?: number } = {}) {
  const where: string[] = [];
  const args: SqlValue[] = [tenant];
  if (filter.channel) where.push('q.channel = ?'), args.push(filter.channel);
  if (filter.open !== false) where.push('q.resolved_at IS NULL');
  if (filter.cursor) where.push('q.id < ?'), args.push(filter.cursor);
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const rows = await store.query(
    `SELECT q.id, q.inbox_id, q.channel, i.shop, q.created_at, q.kind, q.error, q.position, q.source_path, q.resolved_at, q.resolution
     FROM quarantine q JOIN inbox i ON i.tenant = q.tenant AND i.id = q.inbox_id WHERE q.tenant = ?${andFilters(where)} ORDER BY q.id DESC LIMIT ?`,
    [...args, limit + 1],
  );
  const page = rows.slice(0, limit);
  return { items: page, next: rows.length > limit ? String(page[page.length - 1]!.id) : null };
}

export async function quarantineDetail(store: Store, tenant: string, id: string, options: { reveal?: boolean; sealer?: Sealer } = {}) {
  const [row] = await store.query(
    `SELECT q.id, q.inbox_id, q.channel, i.shop, q.created_at, q.kind, q.error, q.position, q.source_path, q.resolved_at, q.resolution, i.received_at, i.meta, i.payload
     FROM quarantine q JOIN inbox i ON i.tenant = q.tenant AND i.id = q.inbox_id WHERE q.tenant = ? AND q.id = ?`,
    [tenant, id],
  );
  if (!row) return null;
  const payload = options.sealer ? await options.sealer.open(String(row.payload)) : String(row.payload);
  return { ...row, meta: JSON.parse(String(row.meta)), payload: options.reveal ? payload : maskRawPayload(payload) };
}
