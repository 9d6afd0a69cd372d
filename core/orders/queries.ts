/**
 * What the admin API and the console read about orders: a filtered list with cursor paging,
 * and one order with everything that happened to it. Receiver details come masked unless the
 * caller may see them.
 */
import { idFloor } from '../ids.ts';
import { maskPersonalData, maskPhone, starred } from '../outbox/mask.ts';
import type { Sealer } from '../order/sealing.ts';
import { andFilters, type Row, type SqlValue, type Store } from '../store/port.ts';

export interface OrderFilter {
  channel?: string;
  shop?: string;
  status?: string;
  /** Received by the hub at or after (ISO time). */
  from?: string;
  /** Received by the hub before (ISO time). */
  to?: string;
  /** An external order id, a buyer id or nickname, or the last digits (4 or more) of the receiver's phone. */
  q?: string;
  held?: boolean;
  /** The `next` of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface OrderSummary {
  id: string;
  channel: string;
  shop: string | null;
  externalId: string;
  status: string;
  afterSale: string;
  stage: string;
  placedAt: string;
  receivedAt: string;
  paid: number;
  currency: string;
  buyer: string | null;
  receiver: { name: string; phone: string; province: string; city: string } | null;
  skus: string[];
  holds: Array<{ rule: string; reason: string }> | null;
  flags: Array<{ kind: string }> | null;
  priority: number;
}

const json = <T>(value: SqlValue | undefined): T | null => (value === null || value === undefined ? null : (JSON.parse(String(value)) as T));

/** Receiver name, phone and street masked; province and city kept (they are what routing reads). */
export function maskOrderDoc<T>(doc: T): T {
  const d = doc as { receiver?: Record<string, unknown> };
  if (!d.receiver) return doc;
  const r = d.receiver;
  const star = (value: unknown) => (typeof value === 'string' && value ? starred(value) : value);
  return { ...doc, receiver: { ...r, name: star(r.name), phone: maskPhone(String(r.phone ?? '')), address: star(r.address) } } as T;
}

interface StoredDoc {
  createdAt: string;
  currency: string;
  amounts: { paid: number };
  buyer: { id?: string; nick?: string };
  receiver?: { name: string; phone: string; province: string; city: string };
  lines: Array<{ sku: string }>;
}

/** An order row's document, its receiver opened when it is stored sealed. */
async function openRow(row: Row, sealer: Sealer | undefined): Promise<{ row: Row; doc: StoredDoc }> {
  const doc = JSON.parse(String(row.doc)) as StoredDoc;
  return { row, doc: sealer ? await sealer.openOrder(doc) : doc };
}

function summary(row: Row, doc: StoredDoc, reveal: boolean): OrderSummary {
  const receiver = doc.receiver ? (reveal ? doc.receiver : maskOrderDoc(doc).receiver!) : null;
  return {
    id: String(row.id),
    channel: String(row.channel),
    shop: row.shop === null ? null : String(row.shop),
    externalId: String(row.external_id),
    status: String(row.status),
    afterSale: String(row.after_sale),
    stage: String(row.stage),
    placedAt: doc.createdAt,
    receivedAt: String(row.created_at),
    paid: doc.amounts.paid,
    currency: doc.currency,
    buyer: doc.buyer.nick ?? doc.buyer.id ?? null,
    receiver: receiver ? { name: receiver.name, phone: receiver.phone, province: receiver.province, city: receiver.city } : null,
    skus: [...new Set(doc.lines.map((l) => l.sku))],
    holds: json(row.holds),
    flags: json(row.flags),
    priority: Number(row.priority),
  };
}

export async function listOrders(store: Store, tenant: string, filter: OrderFilter = {}, options: { reveal?: boolean; sealer?: Sealer } = {}): Promise<{ orders: OrderSummary[]; next: string | null }> {
  const where: string[] = [];
  const args: SqlValue[] = [tenant];
  const add = (sql: string, ...values: SqlValue[]) => (where.push(sql), args.push(...values));
  if (filter.channel) add('channel = ?', filter.channel);
  if (filter.shop) add('shop = ?', filter.shop);
  if (filter.status) add('status = ?', filter.status);
  if (filter.from) add('created_at >= ?', filter.from);
  if (filter.to) add('created_at < ?', filter.to);
  if (filter.held !== undefined) add(filter.held ? 'holds IS NOT NULL' : 'holds IS NULL');
  if (filter.cursor) add('id < ?', filter.cursor);
  const q = filter.q?.trim();
  // Phones may be sealed: the stored last four digits find the candidates, the opened phone decides.
  const phoneTail = q && /^\d{4,11}$/.test(q) ? q : null;
  if (q) {
    add(`(external_id = ? OR json_extract(doc, '$.buyer.id') = ? OR json_extract(doc, '$.buyer.nick') = ?${phoneTail ? ' OR phone_tail = ?' : ''})`, q, q, q, ...(phoneTail ? [phoneTail.slice(-4)] : []));
  }
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const rows = await store.query(
    `SELECT id, channel, shop, external_id, status, after_sale, stage, doc, holds, flags, priority, created_at FROM orders WHERE tenant = ?${andFilters(where)} ORDER BY id DESC LIMIT ?`,
    [...args, limit + 1],
  );
  const opened = await Promise.all(rows.slice(0, limit).map((r) => openRow(r, options.sealer)));
  const page = opened
    .filter(({ doc, row }) => !phoneTail || row.external_id === q || doc.buyer?.id === q || doc.buyer?.nick === q || String(doc.receiver?.phone ?? '').endsWith(phoneTail))
    .map(({ doc, row }) => summary(row, doc, options.reveal ?? false));
  return { orders: page, next: rows.length > limit ? String(rows[limit - 1]!.id) : null };
}

export interface OrderDetail {
  order: OrderSummary & { version: number; updatedAt: string; doc: unknown; extraLines: unknown; shipments: unknown; holdUntil: string | null };
  timeline: Array<{ id: string; at: string; kind: string; source: string | null; detail: unknown }>;
  inbox: Array<{ id: string; receivedAt: string; status: string; meta: unknown; payload: string }>;
  reservations: Row[];
  shortfalls: Row[];
  deliveries: Array<Record<string, unknown> & { attempts: Row[] }>;
}

/** One order with its timeline, the inbox rows it came from (raw payloads), stock, routing and deliveries. */
export async function orderDetail(store: Store, tenant: string, id: string, options: { reveal?: boolean; sealer?: Sealer } = {}): Promise<OrderDetail | null> {
  const [row] = await store.query('SELECT * FROM orders WHERE tenant = ? AND id = ?', [tenant, id]);
  if (!row) return null;
  const reveal = options.reveal ?? false;
  const events = await store.query('SELECT id, at, kind, source, detail FROM order_events WHERE tenant = ? AND order_id = ? ORDER BY id', [tenant, id]);
  const inboxIds = [...new Set(events.map((e) => e.source).filter((s): s is string => typeof s === 'string' && s.startsWith('inb_')))];
  const inbox = inboxIds.length
    ? await store.query(`SELECT id, received_at, status, meta, payload FROM inbox WHERE tenant = ? AND id IN (${inboxIds.map(() => '?').join(', ')}) ORDER BY id`, [tenant, ...inboxIds])
    : [];
  const deliveries = await store.query(
    'SELECT id, target, kind, idempotency_key, after_key, status, attempts, next_attempt_at, last_error, created_at, updated_at, delivered_at FROM outbox WHERE tenant = ? AND order_id = ? ORDER BY id',
    [tenant, id],
  );
  const attempts = deliveries.length
    ? await store.query(
        `SELECT id, delivery_id, started_at, duration_ms, outcome, request, response, error FROM delivery_attempts WHERE tenant = ? AND delivery_id IN (${deliveries.map(() => '?').join(', ')}) ORDER BY id`,
        [tenant, ...deliveries.map((d) => d.id!)],
      )
    : [];
  const { doc } = await openRow(row, options.sealer);
  const open = async (text: string) => (options.sealer ? options.sealer.open(text) : text);
  const openReceivers = async (detail: unknown) => {
    const d = detail as { from?: StoredDoc['receiver'] | null; to?: StoredDoc['receiver'] | null };
    if (!options.sealer || !d || (!d.from && !d.to)) return detail;
    const one = async (receiver: StoredDoc['receiver'] | null | undefined) => (receiver ? (await options.sealer!.openOrder({ receiver })).receiver : receiver);
    return { ...d, from: await one(d.from), to: await one(d.to) };
  };
  const timeline = await Promise.all(events.map(async (e) => ({ id: String(e.id), at: String(e.at), kind: String(e.kind), source: e.source === null ? null : String(e.source), detail: await openReceivers(json(e.detail)) })));
  const payloads = await Promise.all(inbox.map(async (i) => ({ id: String(i.id), receivedAt: String(i.received_at), status: String(i.status), meta: json(i.meta), payload: await open(String(i.payload)) })));
  return {
    order: {
      ...summary(row, doc, reveal),
      version: Number(row.version),
      updatedAt: String(row.updated_at),
      doc: reveal ? doc : maskOrderDoc(doc),
      extraLines: json(row.extra_lines),
      shipments: json(row.shipments),
      holdUntil: row.hold_until === null ? null : String(row.hold_until),
    },
    timeline: timeline.map((e) => ({ ...e, detail: reveal ? e.detail : maskPersonalData(e.detail) })),
    // Raw payloads carry the receiver as the platform sent it: masked unless revealed.
    inbox: payloads.map((i) => ({ ...i, payload: reveal ? i.payload : maskRawPayload(i.payload) })),
    reservations: await store.query('SELECT id, line_id, sku, location, quantity, status, created_at, updated_at FROM reservations WHERE tenant = ? AND order_id = ? ORDER BY id', [tenant, id]),
    shortfalls: await store.query('SELECT id, line_id, sku, quantity, policy, created_at, resolved_at FROM shortfalls WHERE tenant = ? AND order_id = ? ORDER BY id', [tenant, id]),
    deliveries: deliveries.map((d) => ({ ...d, attempts: attempts.filter((a) => a.delivery_id === d.id) })),
  };
}

/**
 * A raw payload masked in its own text (so 19-digit ids and the layout stay exactly as received):
 * string values of personal fields keep their first character, mobile numbers their ends.
 */
export function maskRawPayload(payload: string): string {
  const fields = payload.replace(/("(?:receiver_?name|name|fullname|address|receiver_?address|detail|id_?card)"\s*:\s*")((?:[^"\\]|\\.)+)"/gi, (_, head: string, value: string) => `${head}${value.startsWith('\\') ? '***' : starred(value)}"`);
  return maskPersonalData(fields) as string;
}

export interface OrderStats {
  /** Orders received per minute (UTC `YYYY-MM-DDTHH:MM`) and channel, with what they paid (fen). */
  perMinute: Array<{ minute: string; channel: string; orders: number; paid: number }>;
  /** The SKUs most ordered (quantity), with their amount (fen). */
  topSkus: Array<{ sku: string; title: string; quantity: number; amount: number }>;
  /** Orders by the receiver's province, as the platform names it. */
  provinces: Array<{ province: string; orders: number; paid: number }>;
  held: number;
}

/**
 * What the dashboard shows of orders received since `since`: through the primary key (ids sort
 * by time), so the window costs what it holds, not the whole table. Unpaid and cancelled orders
 * count as orders but not as sales.
 */
export async function orderStats(store: Store, tenant: string, since: Date): Promise<OrderStats> {
  const from = idFloor('ord', since.getTime());
  const sale = `status NOT IN ('pending_payment', 'cancelled')`;
  const [perMinute, topSkus, provinces, held] = await Promise.all([
    store.query(
      `SELECT substr(created_at, 1, 16) AS minute, channel, count(*) AS orders, sum(CASE WHEN ${sale} THEN json_extract(doc, '$.amounts.paid') ELSE 0 END) AS paid
       FROM orders WHERE tenant = ? AND id >= ? GROUP BY 1, 2 ORDER BY 1, 2`,
      [tenant, from],
    ),
    store.query(
      `SELECT json_extract(l.value, '$.sku') AS sku, max(json_extract(l.value, '$.title')) AS title, sum(json_extract(l.value, '$.quantity')) AS quantity, sum(json_extract(l.value, '$.amount')) AS amount
       FROM orders o, json_each(o.doc, '$.lines') l WHERE o.tenant = ? AND o.id >= ? AND o.${sale} GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 10`,
      [tenant, from],
    ),
    store.query(
      `SELECT json_extract(doc, '$.receiver.province') AS province, count(*) AS orders, sum(CASE WHEN ${sale} THEN json_extract(doc, '$.amounts.paid') ELSE 0 END) AS paid
       FROM orders WHERE tenant = ? AND id >= ? AND json_extract(doc, '$.receiver.province') IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`,
      [tenant, from],
    ),
    store.query('SELECT count(*) AS n FROM orders WHERE tenant = ? AND holds IS NOT NULL', [tenant]),
  ]);
  return {
    perMinute: perMinute.map((r) => ({ minute: String(r.minute), channel: String(r.channel), orders: Number(r.orders), paid: Number(r.paid ?? 0) })),
    topSkus: topSkus.map((r) => ({ sku: String(r.sku), title: String(r.title ?? ''), quantity: Number(r.quantity), amount: Number(r.amount ?? 0) })),
    provinces: provinces.map((r) => ({ province: String(r.province), orders: Number(r.orders), paid: Number(r.paid ?? 0) })),
    held: Number(held[0]?.n ?? 0),
  };
}
