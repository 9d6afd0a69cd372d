/**
 * What the admin API and the console read about stock: levels per SKU and location, active
 * reservations, and the available-to-sell last computed for each channel.
 */
import { andFilters, type SqlValue, type Store } from '../store/port.ts';

export interface StockLevelView {
  sku: string;
  title: string | null;
  location: string;
  onHand: number;
  reserved: number;
  safety: number;
  /** onHand − reserved − safety, never below 0. */
  available: number;
  updatedAt: string;
}

export async function listStockLevels(store: Store, tenant: string, filter: { sku?: string; location?: string; lowAt?: number } = {}): Promise<StockLevelView[]> {
  const where: string[] = [];
  const args: SqlValue[] = [tenant];
  if (filter.sku) where.push('l.sku = ?'), args.push(filter.sku);
  if (filter.location) where.push('l.location = ?'), args.push(filter.location);
  if (filter.lowAt !== undefined) where.push('l.on_hand - l.reserved - l.safety <= ?'), args.push(filter.lowAt);
  const rows = await store.query(
    `SELECT l.sku, i.title, l.location, l.on_hand, l.reserved, l.safety, l.updated_at FROM stock_levels l LEFT JOIN items i ON i.tenant = l.tenant AND i.sku = l.sku
     WHERE l.tenant = ?${andFilters(where)} ORDER BY l.sku, l.location LIMIT 5000`,
    args,
  );
  return rows.map((r) => ({
    sku: String(r.sku),
    title: r.title === null ? null : String(r.title),
    location: String(r.location),
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    safety: Number(r.safety),
    available: Math.max(0, Number(r.on_hand) - Number(r.reserved) - Number(r.safety)),
    updatedAt: String(r.updated_at),
  }));
}

export async function listReservations(store: Store, tenant: string, filter: { sku?: string; status?: string } = {}) {
  const where: string[] = [];
  const args: SqlValue[] = [tenant];
  if (filter.sku) where.push('sku = ?'), args.push(filter.sku);
  where.push('status = ?'), args.push(filter.status ?? 'active');
  const rows = await store.query(`SELECT id, order_id, line_id, sku, location, quantity, status, created_at FROM reservations WHERE tenant = ?${andFilters(where)} ORDER BY id DESC LIMIT 1000`, args);
  return rows.map((r) => ({ id: String(r.id), orderId: String(r.order_id), lineId: String(r.line_id), sku: String(r.sku), location: String(r.location), quantity: Number(r.quantity), status: String(r.status), createdAt: String(r.created_at) }));
}

export async function listChannelStock(store: Store, tenant: string, filter: { sku?: string; channel?: string } = {}) {
  const where: string[] = [];
  const args: SqlValue[] = [tenant];
  if (filter.sku) where.push('sku = ?'), args.push(filter.sku);
  if (filter.channel) where.push('channel = ?'), args.push(filter.channel);
  const rows = await store.query(`SELECT channel, sku, available, updated_at FROM channel_stock WHERE tenant = ?${andFilters(where)} ORDER BY sku, channel LIMIT 5000`, args);
  return rows.map((r) => ({ channel: String(r.channel), sku: String(r.sku), available: Number(r.available), updatedAt: String(r.updated_at) }));
}
