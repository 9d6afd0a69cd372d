/**
 * One group of ingests, in one write transaction: keep the raw payloads, map them, dedupe
 * against the stored orders, move each order through its states, run rules, routing and
 * stock, and queue the deliveries it owes. Everything it decides is written in one batch of
 * multi-row statements at the end, so the group commits (or not) as a whole.
 */
import { newId } from '../ids.ts';
import { MappingOutputError, MappingRuntimeError, formatPosition } from '../mapping/index.ts';
import type { CanonicalOrder } from '../order/index.ts';
import { PayloadSyntaxError } from '../payload/json.ts';
import { diffOrders } from '../orders/changes.ts';
import { awaitsShipment, checkTransition, hasShipped } from '../orders/state.ts';
import { availableToSell } from '../stock/available.ts';
import { StockLevels } from '../stock/levels.ts';
import { insertRows, type Row, type SqlValue, type Statement, type StoreTx } from '../store/port.ts';
import { decodeJson } from './decode.ts';
import type { AfterSaleEvent, Command, CommandResult, ItemInfo, ReconcileReport, ShipmentEvent, DeliveryPlan, IngestInput, IngestResult, Line, PipelineConfig, QuarantineKind, RoutingDecision, RuleContext, ShipmentPlan } from './types.ts';

export type WorkItem =
  | {
      input: IngestInput;
      /** Re-processing a kept inbox row (quarantine replay) instead of a new payload. */
      replay?: { inboxId: string; quarantineIds: string[] };
    }
  | { command: Command };

export type WorkResult = IngestResult | CommandResult;

type Stage = 'open' | 'allocated' | 'released' | 'shipped' | 'closed';

interface OrderRecord {
  id: string;
  tenant: string;
  channel: string;
  shop: string | null;
  externalId: string;
  doc: CanonicalOrder;
  updatedMs: number;
  version: number;
  stage: Stage;
  holds: Array<{ rule: string; reason: string }> | null;
  holdUntil: string | null;
  priority: number;
  flags: Array<{ kind: string; detail: unknown }> | null;
  extraLines: Line[];
  /** The routed parcels; a parcel the warehouse confirmed carries when it left. */
  shipments: Array<ShipmentPlan & { shippedAt?: string; waybillNo?: string }>;
  addressKey: string | null;
  buyerKey: string | null;
  createdAt: string;
  lastInbox: string;
  isNew: boolean;
  dirty: boolean;
}

interface ReservationRecord {
  id: string;
  orderId: string;
  lineId: string;
  sku: string;
  location: string;
  quantity: number;
  status: 'active' | 'released' | 'consumed';
  isNew: boolean;
  dirty: boolean;
}

const DEFAULT_MAX_PAYLOAD = 2 * 1024 * 1024;
/** Neighbouring orders read per address or buyer for the rules: more than any count rule needs. */
const CONTEXT_LIMIT = 200;

export async function processGroup(tx: StoreTx, items: WorkItem[], config: PipelineConfig): Promise<WorkResult[]> {
  return new GroupWork(tx, config).run(items);
}

class GroupWork {
  private readonly now: Date;
  private readonly nowIso: string;
  private readonly inboxRows: SqlValue[][] = [];
  private readonly inboxUpdates: Statement[] = [];
  private readonly quarantineRows: SqlValue[][] = [];
  private readonly quarantineUpdates: Statement[] = [];
  private readonly eventRows: SqlValue[][] = [];
  private readonly shortfallRows: SqlValue[][] = [];
  /** Shortfalls this group settled, of a whole order or one line (refunded). */
  private readonly shortfallResolved: Array<{ tenant: string; orderId: string; lineId?: string }> = [];
  private readonly outboxRows: SqlValue[][] = [];
  private readonly orders = new Map<string, OrderRecord>(); // tenant/channel/externalId
  private readonly reservations = new Map<string, ReservationRecord[]>(); // tenant/orderId
  private readonly stock = new Map<string, StockLevels>(); // tenant
  private readonly items = new Map<string, Map<string, ItemInfo>>(); // tenant → sku → what routing may ask
  private readonly loadedSkus = new Map<string, Set<string>>(); // tenant
  private readonly recentByAddress = new Map<string, RuleContext['recentOrdersToSameAddress']>();
  private readonly openByBuyer = new Map<string, RuleContext['openOrdersOfSameBuyer']>();

  constructor(
    private readonly tx: StoreTx,
    private readonly config: PipelineConfig,
  ) {
    this.now = config.now?.() ?? new Date();
    this.nowIso = this.now.toISOString();
  }

  async run(items: WorkItem[]): Promise<WorkResult[]> {
    // 0. A platform message already handled (they repeat them) is answered and dropped: one query per group.
    const repeats = await this.handledMessages(items);
    // 1. Keep every payload and map it; nothing below may lose one.
    const mapped = items.map((item, i) => ('input' in item && !repeats.has(i) ? this.admit(item) : null));
    const candidates = mapped.flatMap((m) => (m ? m.orders.map((order) => ({ ...m, order })) : []));
    const commands = items.flatMap((item) => ('command' in item ? [item.command] : []));

    // 2. Read what the group touches, in a handful of queries.
    await this.loadOrders([
      ...candidates.map((c) => ({ tenant: c.tenant, channel: c.channel, externalId: c.order.externalId })),
      ...commands.flatMap((c) => (c.kind === 'after-sale' ? [{ tenant: c.tenant, channel: c.channel, externalId: c.externalId }] : [])),
    ]);
    await this.loadOrdersById(commands.flatMap((c) => (c.kind === 'release' || c.kind === 'shipment' ? [{ tenant: c.tenant, id: c.orderId }] : [])));
    await this.loadPendingAfterSale(candidates.map((c) => ({ tenant: c.tenant, channel: c.channel, externalId: c.order.externalId })));
    await this.loadStock([
      ...candidates.flatMap((c) => c.order.lines.map((l) => ({ tenant: c.tenant, sku: l.sku }))),
      ...commands.flatMap((c) => (c.kind === 'adjust' ? c.lines.map((l) => ({ tenant: c.tenant, sku: l.sku })) : [])),
    ]);
    await this.loadRuleContext(candidates.map((c) => ({ tenant: c.tenant, order: c.order })));

    // 3. Decide, item by item, in arrival order.
    const results: WorkResult[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const m = mapped[i];
      if (repeats.has(i)) {
        results.push({ inboxId: null, orders: [], replayed: true });
      } else if (m) {
        for (const order of m.orders) m.result.orders.push(await this.applyOrder(m.tenant, m.channel, m.shop, order, m.inboxId));
        results.push(m.result);
      } else if ('command' in item) {
        results.push(await this.execute(item.command));
      }
    }
    await this.queueChannelStock();

    // 4. Write it all, receivers and raw payloads sealed first.
    await this.seal();
    await this.tx.batch(this.statements());
    return results;
  }

  // -------------------------------------------------------------------------------------------
  // Inbox, mapping, quarantine

  private admit(item: Extract<WorkItem, { input: IngestInput }>) {
    const { input } = item;
    const tenant = input.tenant;
    const channel = input.channel;
    const shop = input.shop ?? null;
    const raw = typeof input.payload === 'string' ? input.payload : JSON.stringify(input.payload);
    const inboxId = item.replay?.inboxId ?? newId('inb', this.now.getTime());
    const result: IngestResult = { inboxId, orders: [] };
    for (const id of input.messageIds ?? []) this.messageRows.push([tenant, channel, shop ?? '', id, this.nowIso]);
    const orders: CanonicalOrder[] = [];
    const failures: Array<{ kind: QuarantineKind; error: string; position?: string; sourcePath?: string }> = [];

    const setup = this.config.channels[channel];
    const limit = this.config.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long text needs counting.
    const size = raw.length * 3 <= limit ? raw.length : new TextEncoder().encode(raw).length;
    if (size > limit) {
      failures.push({ kind: 'size', error: `the payload is ${formatBytes(size)}, over the ${formatBytes(limit)} limit; it is kept and can be replayed once the limit is raised` });
    } else if (!setup) {
      failures.push({ kind: 'channel', error: `unknown channel "${channel}" (known: ${Object.keys(this.config.channels).sort().join(', ')})` });
    } else {
      let payloads: unknown[] = [];
      try {
        payloads = typeof input.payload === 'string' ? (setup.decode ?? decodeJson)(raw) : [input.payload];
      } catch (e) {
        failures.push({ kind: 'payload', error: e instanceof PayloadSyntaxError ? e.message : `cannot read the payload: ${(e as Error).message}` });
      }
      payloads.forEach((payload, index) => {
        const where = payloads.length > 1 ? `element ${index + 1} of ${payloads.length}: ` : '';
        try {
          orders.push(setup.mapping.run(payload) as CanonicalOrder);
        } catch (e) {
          if (e instanceof MappingRuntimeError) {
            failures.push({ kind: 'mapping', error: where + e.message, position: formatPosition(e.position), ...(e.sourcePath ? { sourcePath: e.sourcePath } : {}) });
          } else if (e instanceof MappingOutputError) {
            failures.push({ kind: 'schema', error: where + e.message, ...(e.problems[0]?.position ? { position: formatPosition(e.problems[0].position) } : {}), sourcePath: e.problems.map((p) => p.path).join(', ') });
          } else {
            failures.push({ kind: 'internal', error: where + String((e as Error).stack ?? e) });
          }
        }
      });
    }

    const status = failures.length ? 'quarantined' : 'processed';
    if (item.replay) {
      this.inboxUpdates.push({ sql: 'UPDATE inbox SET status = ?, orders = ? WHERE tenant = ? AND id = ?', args: [status, orders.length, tenant, inboxId] });
      const [first] = failures;
      for (const quarantineId of item.replay.quarantineIds) {
        this.quarantineUpdates.push(
          first
            ? { sql: 'UPDATE quarantine SET kind = ?, error = ?, position = ?, source_path = ? WHERE tenant = ? AND id = ?', args: [first.kind, first.error, first.position ?? null, first.sourcePath ?? null, tenant, quarantineId] }
            : { sql: 'UPDATE quarantine SET resolved_at = ?, resolution = ? WHERE tenant = ? AND id = ?', args: [this.nowIso, `replayed: ${orders.length} order(s)`, tenant, quarantineId] },
        );
      }
      if (failures.length) result.quarantined = item.replay.quarantineIds.map((quarantineId) => ({ quarantineId, kind: failures[0]!.kind, error: failures[0]!.error }));
    } else {
      this.inboxRows.push([tenant, inboxId, channel, shop, this.nowIso, JSON.stringify(input.meta ?? {}), raw, status, orders.length]);
      if (failures.length) {
        result.quarantined = failures.map((f) => {
          const quarantineId = newId('qua', this.now.getTime());
          this.quarantineRows.push([tenant, quarantineId, inboxId, channel, this.nowIso, f.kind, f.error, f.position ?? null, f.sourcePath ?? null]);
          return { quarantineId, kind: f.kind, error: f.error };
        });
      }
    }
    return { tenant, channel, shop, inboxId, result, orders };
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /** The items whose every platform message id is already recorded as handled. */
  private async handledMessages(items: WorkItem[]): Promise<Set<number>> {
    const asking = items.flatMap((item, i) => ('input' in item && !item.replay && item.input.messageIds?.length ? [{ i, input: item.input }] : []));
    const repeats = new Set<number>();
    for (const scope of groupBy(asking, ({ input }) => `${input.tenant}\u0000${input.channel}\u0000${input.shop ?? ''}`).values()) {
      const { tenant, channel, shop } = scope[0]!.input;
      const ids = [...new Set(scope.flatMap(({ input }) => input.messageIds!))];
      const seen = new Set<string>();
      for (const chunk of chunks(ids, 500)) {
        const rows = await this.tx.query(`SELECT message_id FROM push_messages WHERE tenant = ? AND channel = ? AND shop = ? AND message_id IN (${chunk.map(() => '?').join(', ')})`, [tenant, channel, shop ?? '', ...chunk]);
        for (const r of rows) seen.add(String(r.message_id));
      }
      for (const { i, input } of scope) if (input.messageIds!.every((id) => seen.has(id))) repeats.add(i);
    }
    return repeats;
  }

  /** An order row as the work needs it: its receiver opened when it was stored sealed. */
  private async opened(row: Row): Promise<OrderRecord> {
    const record = recordOf(row);
    if (this.config.sealer) record.doc = await this.config.sealer.openOrder(record.doc);
    return record;
  }

  private async loadOrders(keys: Array<{ tenant: string; channel: string; externalId: string }>): Promise<void> {
    const byScope = groupBy(keys, (k) => `${k.tenant}\u0000${k.channel}`);
    for (const scope of byScope.values()) {
      const { tenant, channel } = scope[0]!;
      for (const ids of chunks([...new Set(scope.map((k) => k.externalId))], 500)) {
        const rows = await this.tx.query(
          `SELECT * FROM orders WHERE tenant = ? AND channel = ? AND external_id IN (${ids.map(() => '?').join(', ')})`,
          [tenant, channel, ...ids],
        );
        for (const row of rows) this.orders.set(orderKey(tenant, channel, String(row.external_id)), await this.opened(row));
      }
    }
    const loaded = [...this.orders.values()];
    for (const scope of groupBy(loaded, (o) => o.tenant).values()) {
      const tenant = scope[0]!.tenant;
      for (const ids of chunks(scope.map((o) => o.id), 500)) {
        const rows = await this.tx.query(
          `SELECT * FROM reservations WHERE tenant = ? AND status = 'active' AND order_id IN (${ids.map(() => '?').join(', ')})`,
          [tenant, ...ids],
        );
        for (const r of rows) this.reservationsOf(tenant, String(r.order_id)).push(reservationOf(r));
      }
      await this.loadStock(rowsToSkus(tenant, [...this.reservations.entries()].filter(([k]) => k.startsWith(`${tenant}\u0000`)).flatMap(([, rs]) => rs)));
    }
  }

  private async loadOrdersById(keys: Array<{ tenant: string; id: string }>): Promise<void> {
    for (const scope of groupBy(keys, (k) => k.tenant).values()) {
      const tenant = scope[0]!.tenant;
      const wanted = [...new Set(scope.map((k) => k.id))].filter((id) => !this.orderById(tenant, id));
      for (const ids of chunks(wanted, 500)) {
        const rows = await this.tx.query(`SELECT * FROM orders WHERE tenant = ? AND id IN (${ids.map(() => '?').join(', ')})`, [tenant, ...ids]);
        for (const row of rows) this.orders.set(orderKey(tenant, String(row.channel), String(row.external_id)), await this.opened(row));
        const reservations = await this.tx.query(`SELECT * FROM reservations WHERE tenant = ? AND status = 'active' AND order_id IN (${ids.map(() => '?').join(', ')})`, [tenant, ...ids]);
        for (const r of reservations) this.reservationsOf(tenant, String(r.order_id)).push(reservationOf(r));
        await this.loadStock(reservations.map((r) => ({ tenant, sku: String(r.sku) })));
      }
    }
  }

  private async loadPendingAfterSale(keys: Array<{ tenant: string; channel: string; externalId: string }>): Promise<void> {
    for (const scope of groupBy(keys, (k) => `${k.tenant}\u0000${k.channel}`).values()) {
      const { tenant, channel } = scope[0]!;
      for (const ids of chunks([...new Set(scope.map((k) => k.externalId))], 500)) {
        const rows = await this.tx.query(
          `SELECT external_id, inbox_id, event FROM pending_after_sale WHERE tenant = ? AND channel = ? AND external_id IN (${ids.map(() => '?').join(', ')})`,
          [tenant, channel, ...ids],
        );
        for (const r of rows) {
          listIn(this.pendingAfterSale, orderKey(tenant, channel, String(r.external_id))).push({ event: JSON.parse(String(r.event)) as AfterSaleEvent, source: String(r.inbox_id) });
        }
      }
    }
  }

  private async loadStock(keys: Array<{ tenant: string; sku: string }>): Promise<void> {
    for (const scope of groupBy(keys, (k) => k.tenant).values()) {
      const tenant = scope[0]!.tenant;
      const loaded = this.loadedSkus.get(tenant) ?? new Set<string>();
      this.loadedSkus.set(tenant, loaded);
      const wanted = [...new Set(scope.map((k) => k.sku))].filter((sku) => !loaded.has(sku));
      const levels = this.stockOf(tenant);
      const items = this.itemsOf(tenant);
      for (const skus of chunks(wanted, 500)) {
        const marks = skus.map(() => '?').join(', ');
        levels.load(await this.tx.query(`SELECT * FROM stock_levels WHERE tenant = ? AND sku IN (${marks})`, [tenant, ...skus]));
        for (const r of await this.tx.query(`SELECT sku, tags, weight_grams, temperature_zone FROM items WHERE tenant = ? AND sku IN (${marks})`, [tenant, ...skus])) {
          items.set(String(r.sku), {
            ...(r.tags ? { tags: JSON.parse(String(r.tags)) as string[] } : {}),
            ...(r.weight_grams !== null ? { weightGrams: Number(r.weight_grams) } : {}),
            ...(r.temperature_zone ? { temperatureZone: String(r.temperature_zone) as ItemInfo['temperatureZone'] & string } : {}),
          });
        }
        for (const sku of skus) loaded.add(sku);
      }
    }
  }

  private async loadRuleContext(entries: Array<{ tenant: string; order: CanonicalOrder }>): Promise<void> {
    const since = new Date(this.now.getTime() - this.config.policy.lookbackMinutes * 60_000).toISOString();
    for (const scope of groupBy(entries, (e) => e.tenant).values()) {
      const tenant = scope[0]!.tenant;
      const addresses = [...new Set(scope.flatMap((e) => (e.order.receiver ? [this.config.policy.addressKey(e.order.receiver)] : [])))];
      for (const keys of chunks(addresses, 500)) {
        // The newest few per address are all a rule can use; a busy address must not cost more.
        const rows = await this.tx.query(
          `SELECT channel, external_id, created_at, address_key FROM (
             SELECT channel, external_id, created_at, address_key, row_number() OVER (PARTITION BY address_key ORDER BY created_at DESC) AS n
             FROM orders WHERE tenant = ? AND created_at >= ? AND address_key IN (${keys.map(() => '?').join(', ')})
           ) WHERE n <= ?`,
          [tenant, since, ...keys, CONTEXT_LIMIT],
        );
        for (const r of rows) {
          listIn(this.recentByAddress, `${tenant}\u0000${r.address_key}`).push({ externalId: String(r.external_id), channel: String(r.channel), createdAt: String(r.created_at) });
        }
      }
      const buyers = [...new Set(scope.flatMap((e) => (buyerKey(e.order) ? [buyerKey(e.order)!] : [])))];
      for (const keys of chunks(buyers, 500)) {
        const rows = await this.tx.query(
          `SELECT channel, shop, external_id, status, created_at, address_key, buyer_key FROM (
             SELECT channel, shop, external_id, status, created_at, address_key, buyer_key, row_number() OVER (PARTITION BY buyer_key ORDER BY created_at DESC) AS n
             FROM orders WHERE tenant = ? AND status IN ('pending_payment', 'paid') AND buyer_key IN (${keys.map(() => '?').join(', ')})
           ) WHERE n <= ?`,
          [tenant, ...keys, CONTEXT_LIMIT],
        );
        for (const r of rows) {
          listIn(this.openByBuyer, `${tenant}\u0000${r.buyer_key}`).push({
            externalId: String(r.external_id),
            channel: String(r.channel),
            ...(r.shop ? { shopId: String(r.shop) } : {}),
            status: String(r.status),
            createdAt: String(r.created_at),
            addressKey: String(r.address_key ?? ''),
          });
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Dedupe and the state machine

  private async applyOrder(tenant: string, channel: string, shop: string | null, doc: CanonicalOrder, inboxId: string): Promise<IngestResult['orders'][number]> {
    const key = orderKey(tenant, channel, doc.externalId);
    const existing = this.orders.get(key);
    const updatedMs = Date.parse(doc.updatedAt);
    if (!existing) {
      const record: OrderRecord = {
        id: newId('ord', this.now.getTime()),
        tenant,
        channel,
        shop: shop ?? doc.shopId ?? null,
        externalId: doc.externalId,
        doc,
        updatedMs,
        version: 1,
        stage: 'open',
        holds: null,
        holdUntil: null,
        priority: 0,
        flags: null,
        extraLines: [],
        shipments: [],
        addressKey: doc.receiver ? this.config.policy.addressKey(doc.receiver) : null,
        buyerKey: buyerKey(doc),
        createdAt: this.nowIso,
        lastInbox: inboxId,
        isNew: true,
        dirty: true,
      };
      this.orders.set(key, record);
      this.created = { status: doc.status, afterSale: doc.afterSale, updatedAt: doc.updatedAt };
      await this.effects(record, null, inboxId);
      // A new order that was allocated at once has one timeline entry for both.
      if (this.created) this.event(record, 'created', inboxId, this.created);
      this.created = null;
      // Refunds and cancels that came before the order apply now, oldest first.
      const early = this.pendingAfterSale.get(key);
      if (early) {
        this.pendingAfterSale.delete(key);
        for (const pending of early.sort((a, b) => a.event.at.localeCompare(b.event.at))) {
          await this.applyAfterSale(record, pending.event, pending.source);
        }
        this.pendingDone.push({ tenant, channel, externalId: doc.externalId });
      }
      this.remember(record);
      return { orderId: record.id, externalId: doc.externalId, outcome: 'created', status: record.doc.status };
    }

    const outcome = await this.applyVersion(existing, doc, inboxId);
    return { orderId: existing.id, externalId: doc.externalId, outcome, status: existing.doc.status };
  }

  /** A later version of a known order: dedupe by updatedAt, check the move, record what changed. */
  private async applyVersion(existing: OrderRecord, doc: CanonicalOrder, source: string): Promise<'unchanged' | 'stale' | 'illegal' | 'updated'> {
    const updatedMs = Date.parse(doc.updatedAt);
    if (updatedMs < existing.updatedMs) return 'stale';
    if (JSON.stringify(doc) === JSON.stringify(existing.doc)) return 'unchanged';
    const transition = checkTransition(existing.doc.status, doc.status);
    if (!transition.legal) {
      existing.flags = [...(existing.flags ?? []), { kind: 'illegal_transition', detail: { from: existing.doc.status, to: doc.status, source } }];
      existing.dirty = true;
      this.event(existing, 'illegal_transition', source, { from: existing.doc.status, to: doc.status, reason: transition.reason });
      return 'illegal';
    }
    const before = existing.doc;
    const changes = diffOrders(before, doc);
    existing.doc = doc;
    existing.updatedMs = updatedMs;
    existing.version += 1;
    if (source.startsWith('inb_')) existing.lastInbox = source;
    existing.dirty = true;
    if (doc.receiver) existing.addressKey = this.config.policy.addressKey(doc.receiver);
    this.event(existing, 'updated', source, { changes });
    await this.effects(existing, before, source);
    return 'updated';
  }

  /** What a new or changed order means for rules, stock, routing and deliveries. */
  private async effects(order: OrderRecord, before: CanonicalOrder | null, inboxId: string): Promise<void> {
    const doc = order.doc;
    const refunded = doc.afterSale === 'refunded';
    if (before && (order.stage === 'released' || order.stage === 'shipped')) {
      // Money went back after the documents went out: the finance side needs reversing ones.
      const newlyRefunded = doc.lines.filter((l) => l.afterSale === 'refunded' && before.lines.find((b) => b.lineId === l.lineId)?.afterSale !== 'refunded');
      const orderRefund = doc.afterSale !== before.afterSale && (doc.afterSale === 'refunded' || doc.afterSale === 'partially_refunded');
      if (newlyRefunded.length || orderRefund) {
        const lines = (newlyRefunded.length ? newlyRefunded : doc.lines).map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount }));
        this.queueDeliveries(order, 'refunded', { afterSale: doc.afterSale, refundedLines: lines });
      }
    }
    if ((doc.status === 'cancelled' || refunded) && order.stage !== 'shipped' && order.stage !== 'closed') {
      this.releaseAll(order, inboxId, doc.status === 'cancelled' ? 'cancelled' : 'refunded');
      if (order.stage === 'released') this.queueDeliveries(order, 'cancelled');
      order.stage = 'closed';
      return;
    }
    if (hasShipped(doc) && (order.stage === 'allocated' || order.stage === 'released')) {
      this.consumeAll(order, inboxId);
      order.stage = 'shipped';
      return;
    }
    if (order.stage === 'open' && awaitsShipment(doc) && !refunded) {
      await this.allocate(order, inboxId);
      return;
    }
    if (before && (order.stage === 'allocated' || order.stage === 'released')) {
      // Lines refunded before shipping give their stock back.
      for (const line of doc.lines) {
        const old = before.lines.find((l) => l.lineId === line.lineId);
        if (line.afterSale === 'refunded' && old?.afterSale !== 'refunded') this.releaseLine(order, line.lineId, inboxId);
      }
      if (!sameJson(before.receiver, doc.receiver)) {
        this.event(order, 'address_changed', inboxId, { from: before.receiver ?? null, to: doc.receiver ?? null });
        if (order.stage === 'released') this.queueDeliveries(order, 'updated');
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Rules, routing, reservations, deliveries

  private async allocate(order: OrderRecord, inboxId: string): Promise<void> {
    const { policy } = this.config;
    const context: RuleContext = {
      now: this.nowIso,
      recentOrdersToSameAddress: order.addressKey ? (this.recentByAddress.get(`${order.tenant}\u0000${order.addressKey}`) ?? []).filter((o) => o.externalId !== order.externalId) : [],
      openOrdersOfSameBuyer: order.buyerKey ? (this.openByBuyer.get(`${order.tenant}\u0000${order.buyerKey}`) ?? []).filter((o) => o.externalId !== order.externalId) : [],
    };
    const outcome = policy.rules(order.doc, context);
    order.priority = outcome.priority;
    order.extraLines = outcome.addLines.map((a) => a.line);
    order.holdUntil = outcome.holdUntil;
    const holds = [...outcome.holds];

    const lines = [...order.doc.lines.filter((l) => l.afterSale !== 'refunded'), ...order.extraLines];
    await this.loadStock(lines.map((l) => ({ tenant: order.tenant, sku: l.sku })));
    const stock = this.stockOf(order.tenant);
    const items = this.itemsOf(order.tenant);
    const decision: RoutingDecision = policy.route({ ...order.doc, lines: lines as CanonicalOrder['lines'] }, stock, (sku) => items.get(sku));
    for (const shipment of decision.shipments) {
      for (const line of shipment.lines) {
        stock.reserve(line.sku, shipment.location, line.quantity);
        const reservation: ReservationRecord = { id: newId('rsv', this.now.getTime()), orderId: order.id, lineId: line.lineId, sku: line.sku, location: shipment.location, quantity: line.quantity, status: 'active', isNew: true, dirty: true };
        this.reservationsOf(order.tenant, order.id).push(reservation);
      }
    }
    if (decision.unrouted.length) {
      const policyName = this.config.stock.shortfall;
      for (const line of decision.unrouted) {
        this.shortfallRows.push([order.tenant, newId('sht', this.now.getTime()), order.id, line.lineId, line.sku, line.quantity, policyName, this.nowIso]);
      }
      if (policyName === 'hold') holds.push({ rule: 'stock', reason: `not enough stock for ${decision.unrouted.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}` });
      this.queueDeliveries(order, 'shortfall', { shortfall: decision.unrouted.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })) });
    }
    order.stage = 'allocated';
    order.holds = holds.length ? holds : null;
    order.shipments = decision.shipments;
    const held = holds.length > 0 || order.holdUntil !== null;
    if (held) this.queueDeliveries(order, 'held', { holds, holdUntil: order.holdUntil });
    else {
      this.queueDeliveries(order, 'released');
      order.stage = 'released';
    }
    // One timeline entry tells the whole allocation: rules, routing, reservations, and whether
    // the order was released to its deliveries or held.
    this.event(order, this.created ? 'created' : 'allocated', inboxId, {
      ...(this.created ?? {}),
      rules: { explanation: outcome.explanation, tags: outcome.tags, addLines: outcome.addLines, priority: outcome.priority, mergeWith: outcome.mergeWith },
      routing: { rule: decision.rule, explanation: decision.explanation, shipments: decision.shipments },
      shortfall: decision.unrouted.length ? { policy: this.config.stock.shortfall, lines: decision.unrouted } : null,
      held: held ? { holds, holdUntil: order.holdUntil } : null,
      released: held ? null : this.config.deliveries.filter((d) => (d.on ?? 'released') === 'released').map((d) => d.kind),
    });
    this.created = null;
  }

  private queueDeliveries(order: OrderRecord, on: NonNullable<DeliveryPlan['on']>, detail: Record<string, unknown> = {}): void {
    const shipments = order.shipments;
    for (const plan of this.config.deliveries) {
      if ((plan.on ?? 'released') !== on) continue;
      const parcels = plan.per === 'shipment' ? shipments.map((s, i) => ({ index: i + 1, shipment: s })) : [{ index: 0, shipment: null }];
      for (const { index, shipment } of parcels) {
        const recurs = RECURRING_EVENTS[on];
        const key = deliveryKey(plan.kind, order, index) + (recurs ? `/${recurs}${order.version}` : '');
        const after = plan.after ? deliveryKey(plan.after, order, plan.per === 'shipment' ? index : 0) : null;
        const reverses = on === 'refunded' && after ? { reverses: after } : {};
        const payload = { orderId: order.id, channel: order.channel, externalId: order.externalId, event: on, ...detail, ...reverses, ...(shipment ? { shipment: index, location: shipment.location, carrier: shipment.carrier, lines: shipment.lines } : {}) };
        this.outboxRows.push([order.tenant, newId('dlv', this.now.getTime()), plan.target, plan.kind, key, order.id, after, JSON.stringify(payload), 'pending', order.priority, this.nowIso, null, this.nowIso, this.nowIso]);
      }
    }
  }

  private releaseAll(order: OrderRecord, inboxId: string, why: string): void {
    const active = this.reservationsOf(order.tenant, order.id).filter((r) => r.status === 'active');
    for (const r of active) this.settle(order.tenant, r, 'released');
    if (active.length) this.event(order, 'released', inboxId, { reason: why, lines: active.map((r) => ({ lineId: r.lineId, sku: r.sku, location: r.location, quantity: r.quantity })) });
    this.shortfallResolved.push({ tenant: order.tenant, orderId: order.id });
  }

  private releaseLine(order: OrderRecord, lineId: string, inboxId: string): void {
    const active = this.reservationsOf(order.tenant, order.id).filter((r) => r.status === 'active' && r.lineId === lineId);
    for (const r of active) this.settle(order.tenant, r, 'released');
    if (active.length) this.event(order, 'released', inboxId, { reason: 'line refunded', lines: active.map((r) => ({ lineId, sku: r.sku, location: r.location, quantity: r.quantity })) });
    // A refunded line no longer waits for stock.
    this.shortfallResolved.push({ tenant: order.tenant, orderId: order.id, lineId });
  }

  /** Consumes the order's reservations, or only those of one parcel. */
  private consumeAll(order: OrderRecord, inboxId: string, parcel?: ShipmentPlan): void {
    const inParcel = (r: ReservationRecord) => !parcel || (r.location === parcel.location && parcel.lines.some((l) => l.lineId === r.lineId));
    const active = this.reservationsOf(order.tenant, order.id).filter((r) => r.status === 'active' && inParcel(r));
    for (const r of active) this.settle(order.tenant, r, 'consumed');
    if (active.length) this.event(order, 'consumed', inboxId, { lines: active.map((r) => ({ lineId: r.lineId, sku: r.sku, location: r.location, quantity: r.quantity })) });
  }

  private settle(tenant: string, reservation: ReservationRecord, status: 'released' | 'consumed'): void {
    const stock = this.stockOf(tenant);
    if (status === 'released') stock.release(reservation.sku, reservation.location, reservation.quantity);
    else stock.consume(reservation.sku, reservation.location, reservation.quantity);
    reservation.status = status;
    reservation.dirty = true;
  }

  /** Channel stock after the group: one coalesced update per (channel, sku) whose number moved. */
  /**
   * Listings this group's orders name for the first time (tenant → channel and SKU): a shop that
   * just showed its id for a SKU is told the SKU's stock at once, moved or not.
   */
  private async newListings(): Promise<Map<string, Set<string>>> {
    const listed = new Map<string, Map<string, string>>();
    for (const o of this.orders.values()) {
      if (!o.dirty || !this.config.stock.channels[o.channel]) continue;
      const keys = listed.get(o.tenant) ?? new Map<string, string>();
      for (const l of o.doc.lines) if (l.channelSkuId) keys.set(`${o.channel}\u0000${l.sku}\u0000${o.shop ?? ''}`, `${o.channel}\u0000${l.sku}`);
      listed.set(o.tenant, keys);
    }
    const fresh = new Map<string, Set<string>>();
    for (const [tenant, keys] of listed) {
      const skus = [...new Set([...keys.keys()].map((k) => k.split('\u0000')[1]!))];
      const known = new Set<string>();
      for (const chunk of chunks(skus, 500)) {
        const rows = await this.tx.query(`SELECT channel, sku, shop FROM channel_skus WHERE tenant = ? AND sku IN (${chunk.map(() => '?').join(', ')})`, [tenant, ...chunk]);
        for (const r of rows) known.add(`${r.channel}\u0000${r.sku}\u0000${r.shop}`);
      }
      const unknown = [...keys].filter(([key]) => !known.has(key)).map(([, channelSku]) => channelSku);
      if (unknown.length) fresh.set(tenant, new Set(unknown));
    }
    return fresh;
  }

  private async queueChannelStock(): Promise<void> {
    const channels = Object.entries(this.config.stock.channels);
    if (channels.length === 0) return;
    const fresh = await this.newListings();
    for (const [tenant, levels] of this.stock) {
      const learned = fresh.get(tenant) ?? new Set<string>();
      const skus = [...new Set([...levels.changedSkus(), ...[...learned].map((k) => k.split('\u0000')[1]!)])];
      if (skus.length === 0) continue;
      const last = new Map<string, number>();
      for (const chunk of chunks(skus, 500)) {
        const rows = await this.tx.query(`SELECT channel, sku, available FROM channel_stock WHERE tenant = ? AND sku IN (${chunk.map(() => '?').join(', ')})`, [tenant, ...chunk]);
        for (const r of rows) last.set(`${r.channel}\u0000${r.sku}`, Number(r.available));
      }
      for (const sku of skus) {
        for (const [channel, channelConfig] of channels) {
          const available = availableToSell(levels.locationsOf(sku), channelConfig);
          if (last.get(`${channel}\u0000${sku}`) === available && !learned.has(`${channel}\u0000${sku}`)) continue;
          this.channelStockRows.push([tenant, channel, sku, available, this.nowIso]);
          const payload = JSON.stringify({ channel, sku, available });
          this.stockOutboxRows.push([tenant, newId('dlv', this.now.getTime()), channel, 'channel.stock', `channel.stock/${channel}/${sku}/${newId('v', this.now.getTime())}`, null, null, payload, 'pending', 0, this.nowIso, `channel.stock/${channel}/${sku}`, this.nowIso, this.nowIso]);
        }
      }
    }
  }

  private readonly messageRows: SqlValue[][] = [];
  private readonly channelStockRows: SqlValue[][] = [];
  private readonly adjustmentRows: SqlValue[][] = [];
  private readonly pendingRows: SqlValue[][] = [];
  private readonly pendingAfterSale = new Map<string, Array<{ event: AfterSaleEvent; source: string }>>();
  private readonly pendingDone: Array<{ tenant: string; channel: string; externalId: string }> = [];
  private readonly resolvedShortfalls: Array<{ tenant: string; id: string }> = [];
  private readonly reservationUpdates: Array<{ tenant: string; id: string; status: 'released' }> = [];
  /** Set while a new order is being created, so its allocation is told in the same event. */
  private created: Record<string, unknown> | null = null;
  private readonly stockOutboxRows: SqlValue[][] = [];

  // -------------------------------------------------------------------------------------------
  // Writes

  /** Sealed order documents by order, for statements(); empty without a sealer. */
  private readonly sealedDocs = new Map<OrderRecord, string>();

  private async seal(): Promise<void> {
    const sealer = this.config.sealer;
    if (!sealer) return;
    const sealed = async (receiver: CanonicalOrder['receiver'] | null) => (receiver ? (await sealer.sealOrder({ receiver })).receiver : null);
    // All at once: Web Crypto works on the thread pool, and one trip at a time would hold the write lock for each.
    await Promise.all([
      ...[...this.orders.values()].filter((o) => o.dirty).map(async (o) => this.sealedDocs.set(o, JSON.stringify(await sealer.sealOrder(o.doc)))),
      ...this.inboxRows.map(async (row) => (row[6] = await sealer.seal(String(row[6])))),
      ...this.eventRows
        .filter((row) => row[4] === 'address_changed')
        .map(async (row) => {
          const detail = JSON.parse(String(row[6])) as { from: CanonicalOrder['receiver'] | null; to: CanonicalOrder['receiver'] | null };
          row[6] = JSON.stringify({ from: await sealed(detail.from), to: await sealed(detail.to) });
        }),
    ]);
  }

  private statements(): Statement[] {
    const s: Statement[] = [];
    s.push(...insertRows('inbox', ['tenant', 'id', 'channel', 'shop', 'received_at', 'meta', 'payload', 'status', 'orders'], this.inboxRows));
    s.push(...this.inboxUpdates);
    s.push(...insertRows('quarantine', ['tenant', 'id', 'inbox_id', 'channel', 'created_at', 'kind', 'error', 'position', 'source_path'], this.quarantineRows));
    s.push(...insertRows('push_messages', ['tenant', 'channel', 'shop', 'message_id', 'received_at'], this.messageRows, 'ON CONFLICT DO NOTHING'));
    s.push(...this.quarantineUpdates);
    const dirtyOrders = [...this.orders.values()].filter((o) => o.dirty);
    s.push(
      ...insertRows(
        'orders',
        ['tenant', 'id', 'channel', 'shop', 'external_id', 'status', 'after_sale', 'updated_at', 'updated_ms', 'version', 'doc', 'holds', 'hold_until', 'priority', 'flags', 'stage', 'extra_lines', 'shipments', 'address_key', 'buyer_key', 'created_at', 'last_inbox', 'phone_tail'],
        dirtyOrders.map((o) => [
          o.tenant, o.id, o.channel, o.shop, o.externalId, o.doc.status, o.doc.afterSale, o.doc.updatedAt, o.updatedMs, o.version, this.sealedDocs.get(o) ?? JSON.stringify(o.doc),
          o.holds ? JSON.stringify(o.holds) : null, o.holdUntil, o.priority, o.flags ? JSON.stringify(o.flags) : null, o.stage,
          o.extraLines.length ? JSON.stringify(o.extraLines) : null, o.shipments.length ? JSON.stringify(o.shipments) : null, o.addressKey, o.buyerKey, o.createdAt, o.lastInbox,
          /\d{4}$/.exec(o.doc.receiver?.phone ?? '')?.[0] ?? null,
        ]),
        `ON CONFLICT (tenant, channel, external_id) DO UPDATE SET status = excluded.status, after_sale = excluded.after_sale, updated_at = excluded.updated_at,
         updated_ms = excluded.updated_ms, version = excluded.version, doc = excluded.doc, holds = excluded.holds, hold_until = excluded.hold_until,
         priority = excluded.priority, flags = excluded.flags, stage = excluded.stage, extra_lines = excluded.extra_lines, shipments = excluded.shipments, address_key = excluded.address_key,
         shop = excluded.shop, last_inbox = excluded.last_inbox, phone_tail = excluded.phone_tail`,
      ),
    );
    // The shop's own id for each SKU it sold, for the stock updates sent back to it.
    const channelSkus = new Map<string, SqlValue[]>();
    for (const o of dirtyOrders) {
      for (const l of o.doc.lines) if (l.channelSkuId) channelSkus.set(`${o.tenant}\u0000${o.channel}\u0000${l.sku}\u0000${o.shop ?? ''}`, [o.tenant, o.channel, o.shop ?? '', l.sku, l.channelSkuId, this.nowIso]);
    }
    s.push(
      ...insertRows('channel_skus', ['tenant', 'channel', 'shop', 'sku', 'channel_sku_id', 'seen_at'], [...channelSkus.values()], 'ON CONFLICT (tenant, channel, sku, shop) DO UPDATE SET channel_sku_id = excluded.channel_sku_id, seen_at = excluded.seen_at'),
    );
    s.push(...insertRows('order_events', ['tenant', 'id', 'order_id', 'at', 'kind', 'source', 'detail'], this.eventRows));
    const allReservations = [...this.reservations.entries()].flatMap(([k, rs]) => rs.map((r) => ({ tenant: k.split('\u0000')[0]!, r })));
    s.push(
      ...insertRows(
        'reservations',
        ['tenant', 'id', 'order_id', 'line_id', 'sku', 'location', 'quantity', 'status', 'created_at', 'updated_at'],
        allReservations.filter(({ r }) => r.isNew).map(({ tenant, r }) => [tenant, r.id, r.orderId, r.lineId, r.sku, r.location, r.quantity, r.status, this.nowIso, this.nowIso]),
      ),
    );
    for (const { tenant, r } of allReservations.filter(({ r }) => !r.isNew && r.dirty)) {
      s.push({ sql: 'UPDATE reservations SET status = ?, updated_at = ? WHERE tenant = ? AND id = ?', args: [r.status, this.nowIso, tenant, r.id] });
    }
    s.push(...insertRows('shortfalls', ['tenant', 'id', 'order_id', 'line_id', 'sku', 'quantity', 'policy', 'created_at'], this.shortfallRows));
    for (const { tenant, orderId, lineId } of this.shortfallResolved) {
      s.push(
        lineId === undefined
          ? { sql: 'UPDATE shortfalls SET resolved_at = ? WHERE tenant = ? AND order_id = ? AND resolved_at IS NULL', args: [this.nowIso, tenant, orderId] }
          : { sql: 'UPDATE shortfalls SET resolved_at = ? WHERE tenant = ? AND order_id = ? AND line_id = ? AND resolved_at IS NULL', args: [this.nowIso, tenant, orderId, lineId] },
      );
    }
    for (const { tenant, id, status } of this.reservationUpdates) {
      s.push({ sql: 'UPDATE reservations SET status = ?, updated_at = ? WHERE tenant = ? AND id = ?', args: [status, this.nowIso, tenant, id] });
    }
    for (const { tenant, id } of this.resolvedShortfalls) {
      s.push({ sql: 'UPDATE shortfalls SET resolved_at = ? WHERE tenant = ? AND id = ?', args: [this.nowIso, tenant, id] });
    }
    for (const [tenant, levels] of this.stock) s.push(...levels.writeStatements(tenant, this.nowIso));
    s.push(...insertRows('stock_adjustments', ['tenant', 'id', 'sku', 'location', 'delta', 'on_hand_before', 'on_hand_after', 'reason', 'source', 'actor', 'at'], this.adjustmentRows));
    s.push(...insertRows('pending_after_sale', ['tenant', 'channel', 'external_id', 'inbox_id', 'received_at', 'event'], this.pendingRows, 'ON CONFLICT DO NOTHING'));
    for (const { tenant, channel, externalId } of this.pendingDone) {
      s.push({ sql: 'DELETE FROM pending_after_sale WHERE tenant = ? AND channel = ? AND external_id = ?', args: [tenant, channel, externalId] });
    }
    const outboxColumns = ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'after_key', 'payload', 'status', 'priority', 'next_attempt_at', 'coalesce_key', 'created_at', 'updated_at'];
    // A delivery already queued (a replay, a duplicate push) is not queued again.
    s.push(...insertRows('outbox', outboxColumns, this.outboxRows, 'ON CONFLICT DO NOTHING'));
    for (const row of this.stockOutboxRows) {
      s.push(
        ...insertRows('outbox', outboxColumns, [row], `ON CONFLICT (tenant, coalesce_key) WHERE status = 'pending' AND coalesce_key IS NOT NULL DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at`),
      );
    }
    s.push(
      ...insertRows('channel_stock', ['tenant', 'channel', 'sku', 'available', 'updated_at'], this.channelStockRows, 'ON CONFLICT (tenant, channel, sku) DO UPDATE SET available = excluded.available, updated_at = excluded.updated_at'),
    );
    return s;
  }

  // -------------------------------------------------------------------------------------------
  // Commands: hold release, after-sale news, stock adjustments

  private async execute(command: Command): Promise<CommandResult> {
    switch (command.kind) {
      case 'release':
        return this.releaseHold(command.tenant, command.orderId, command.actor);
      case 'after-sale': {
        const order = this.orders.get(orderKey(command.tenant, command.channel, command.externalId));
        if (!order) {
          // The order has not come yet: keep the news and apply it when it does.
          this.pendingRows.push([command.tenant, command.channel, command.externalId, command.source, this.nowIso, JSON.stringify(command.event)]);
          // The order may still come in this very group.
          listIn(this.pendingAfterSale, orderKey(command.tenant, command.channel, command.externalId)).push({ event: command.event, source: command.source });
          return { ok: true, detail: { pending: true } };
        }
        const outcome = await this.applyAfterSale(order, command.event, command.source);
        return { ok: true, detail: { orderId: order.id, outcome } };
      }
      case 'adjust':
        return this.adjust(command);
      case 'reconcile':
        return this.reconcile(command.tenant, command.repair, command.actor);
      case 'shipment':
        return this.shipment(command.tenant, command.orderId, command.event, command.source);
    }
  }

  /**
   * The warehouse or the carrier says the parcel left or arrived. The hub learns it before the
   * platform does: the order moves on (never back), its stock is consumed, and what it owes on
   * shipping (the buyer's SMS, the channel's ship confirmation) is queued, once per stage.
   */
  private async shipment(tenant: string, orderId: string, event: ShipmentEvent, source: string): Promise<CommandResult> {
    const order = this.orderById(tenant, orderId);
    if (!order) return { ok: false, error: `no order ${orderId}` };
    const parcel = { carrier: event.carrier ?? null, waybillNo: event.waybillNo ?? null, at: event.at };
    if (order.stage === 'closed') {
      // Goods left (or arrived) for an order cancelled or refunded meanwhile: a person must get
      // them back or bill them; the buyer is told nothing and the closed order stays closed.
      order.flags = [...(order.flags ?? []), { kind: `${event.stage}_after_close`, detail: { ...parcel, source } }];
      order.dirty = true;
      this.event(order, `${event.stage}_after_close`, source, parcel);
      return { ok: true, detail: { orderId, outcome: 'flagged', status: order.doc.status } };
    }
    // A confirm naming one parcel of several ships that parcel; the order is shipped with its last.
    const index = event.stage === 'shipped' && event.parcel !== undefined && order.shipments.length > 1 && order.shipments[event.parcel - 1] ? event.parcel - 1 : null;
    if (index !== null) {
      if (order.shipments[index]!.shippedAt) return { ok: true, detail: { orderId, outcome: 'unchanged', status: order.doc.status } };
      order.shipments = order.shipments.map((s, i) => (i === index ? { ...s, shippedAt: event.at, ...(event.waybillNo ? { waybillNo: event.waybillNo } : {}) } : s));
      order.dirty = true;
    }
    const partly = index !== null && order.shipments.some((s) => !s.shippedAt);
    const target = event.stage === 'delivered' ? 'completed' : partly ? 'partially_shipped' : 'shipped';
    const doc = structuredClone(order.doc);
    if (checkTransition(doc.status, target).legal && doc.status !== target) doc.status = target;
    if (Date.parse(event.at) > Date.parse(doc.updatedAt)) doc.updatedAt = event.at;
    const outcome = await this.applyVersion(order, doc, source);
    if (order.stage === 'allocated' || order.stage === 'released') {
      this.consumeAll(order, source, partly ? order.shipments[index!] : undefined);
      if (!partly) order.stage = 'shipped';
      order.dirty = true;
    }
    this.event(order, event.stage, source, parcel);
    this.queueDeliveries(order, event.stage, parcel);
    return { ok: true, detail: { orderId, outcome, status: order.doc.status } };
  }

  /**
   * Recomputes what should be reserved from the active reservations of open orders and
   * compares it with the levels; with repair, releases leaked reservations and sets the levels
   * right, each change audited. A bug or a hand edit can then never leak stock silently.
   */
  private async reconcile(tenant: string, repair: boolean, actor: string): Promise<CommandResult> {
    const leaks = (
      await this.tx.query(
        `SELECT r.id, r.order_id, r.sku, r.location, r.quantity, coalesce(o.status, 'missing') AS status FROM reservations r
         LEFT JOIN orders o ON o.tenant = r.tenant AND o.id = r.order_id
         WHERE r.tenant = ? AND r.status = 'active' AND (o.id IS NULL OR o.status NOT IN ('paid', 'partially_shipped') OR o.after_sale = 'refunded')`,
        [tenant],
      )
    ).map((r) => ({ reservationId: String(r.id), orderId: String(r.order_id), sku: String(r.sku), location: String(r.location), quantity: Number(r.quantity), orderStatus: String(r.status) }));
    const leaked = new Set(leaks.map((l) => l.reservationId));
    const expected = new Map<string, number>();
    for (const r of await this.tx.query("SELECT id, sku, location, quantity FROM reservations WHERE tenant = ? AND status = 'active'", [tenant])) {
      if (leaked.has(String(r.id))) continue;
      const k = `${r.sku}\u0000${r.location}`;
      expected.set(k, (expected.get(k) ?? 0) + Number(r.quantity));
    }
    const levels = await this.tx.query('SELECT sku, location, reserved FROM stock_levels WHERE tenant = ?', [tenant]);
    const drift = levels
      .map((l) => ({ sku: String(l.sku), location: String(l.location), reserved: Number(l.reserved), expected: expected.get(`${l.sku}\u0000${l.location}`) ?? 0 }))
      .filter((d) => d.reserved !== d.expected);
    const report: ReconcileReport = { drift, leaks, repaired: false };
    if (repair && (drift.length || leaks.length)) {
      await this.loadStock(drift.map((d) => ({ tenant, sku: d.sku })));
      const stock = this.stockOf(tenant);
      for (const leak of leaks) {
        this.reservationUpdates.push({ tenant, id: leak.reservationId, status: 'released' });
      }
      for (const d of drift) {
        stock.setReserved(d.sku, d.location, d.expected);
        const onHand = stock.get(d.sku, d.location).onHand;
        this.adjustmentRows.push([tenant, newId('adj', this.now.getTime()), d.sku, d.location, 0, onHand, onHand, `reconcile: reserved ${d.reserved} → ${d.expected}`, 'reconcile', actor, this.nowIso]);
      }
      report.repaired = true;
    }
    return { ok: true, detail: report as unknown as Record<string, unknown> };
  }

  private async applyAfterSale(order: OrderRecord, event: AfterSaleEvent, source: string): Promise<string> {
    const doc = structuredClone(order.doc);
    if (event.type === 'cancel') doc.status = 'cancelled';
    else if (event.lineIds?.length) {
      for (const line of doc.lines) if (event.lineIds.includes(line.lineId)) line.afterSale = 'refunded';
      doc.afterSale = doc.lines.every((l) => l.afterSale === 'refunded') ? 'refunded' : 'partially_refunded';
    } else {
      doc.afterSale = 'refunded';
    }
    // The news is as new as it says: a snapshot older than it cannot undo it.
    if (Date.parse(event.at) > Date.parse(doc.updatedAt)) doc.updatedAt = event.at;
    return this.applyVersion(order, doc, source);
  }

  private async releaseHold(tenant: string, orderId: string, actor: string): Promise<CommandResult> {
    const order = this.orderById(tenant, orderId);
    if (!order) return { ok: false, error: `no order ${orderId}` };
    if (order.stage !== 'allocated' || (!order.holds && !order.holdUntil)) {
      return { ok: false, error: `order ${orderId} is not held (stage ${order.stage})` };
    }
    const holds = order.holds;
    order.holds = null;
    order.holdUntil = null;
    order.dirty = true;
    this.queueDeliveries(order, 'released');
    order.stage = 'released';
    this.event(order, 'hold_released', `api:${actor}`, { holds, by: actor });
    return { ok: true, detail: { orderId, released: holds } };
  }

  private async adjust(command: Extract<Command, { kind: 'adjust' }>): Promise<CommandResult> {
    const stock = this.stockOf(command.tenant);
    // Check every line first: a count is applied whole or not at all.
    for (const [i, line] of command.lines.entries()) {
      const level = stock.get(line.sku, line.location);
      const after = line.set !== undefined ? line.set : level.onHand + (line.delta ?? 0);
      const where = `line ${i + 1} (${line.sku} at ${line.location})`;
      if (!Number.isSafeInteger(after) || after < 0) return { ok: false, error: `${where}: on hand cannot become ${after}` };
      if (after < level.reserved) return { ok: false, error: `${where}: on hand cannot drop to ${after} while ${level.reserved} are reserved for open orders` };
      if (line.safety !== undefined && (!Number.isSafeInteger(line.safety) || line.safety < 0)) return { ok: false, error: `${where}: safety must be a whole number >= 0` };
    }
    const applied = [];
    for (const line of command.lines) {
      const { before, after } = stock.adjust(line.sku, line.location, line);
      this.adjustmentRows.push([command.tenant, newId('adj', this.now.getTime()), line.sku, line.location, after - before, before, after, command.reason, command.source, command.actor, this.nowIso]);
      applied.push({ sku: line.sku, location: line.location, before, after });
    }
    const filled = await this.fillBackorders(command.tenant, [...new Set(command.lines.map((l) => l.sku))]);
    return { ok: true, detail: { applied, backordersFilled: filled } };
  }

  /** Stock arrived: open backorders of these SKUs get it, highest priority first. */
  private async fillBackorders(tenant: string, skus: string[]): Promise<number> {
    const rows = await this.tx.query(
      `SELECT s.id, s.order_id, s.line_id, s.sku, s.quantity FROM shortfalls s JOIN orders o ON o.tenant = s.tenant AND o.id = s.order_id
       WHERE s.tenant = ? AND s.resolved_at IS NULL AND s.policy = 'backorder' AND o.status IN ('paid', 'partially_shipped')
         AND s.sku IN (${skus.map(() => '?').join(', ')}) ORDER BY o.priority DESC, s.created_at`,
      [tenant, ...skus],
    );
    await this.loadOrdersById(rows.map((r) => ({ tenant, id: String(r.order_id) })));
    const stock = this.stockOf(tenant);
    // The database still shows what this group has already settled: filled, cancelled, refunded.
    const settled = new Set([
      ...this.resolvedShortfalls.filter((x) => x.tenant === tenant).map((x) => `id/${x.id}`),
      ...this.shortfallResolved.filter((x) => x.tenant === tenant).map((x) => `${x.orderId}/${x.lineId ?? '*'}`),
    ]);
    let filled = 0;
    for (const r of rows) {
      const order = this.orderById(tenant, String(r.order_id));
      if (!order || order.stage === 'closed' || settled.has(`id/${String(r.id)}`) || settled.has(`${order.id}/*`) || settled.has(`${order.id}/${String(r.line_id)}`)) continue;
      const sku = String(r.sku);
      const quantity = Number(r.quantity);
      const location = stock.locationsOf(sku).find((l) => stock.available(sku, l.location) >= quantity)?.location;
      if (!location) continue;
      stock.reserve(sku, location, quantity);
      this.reservationsOf(tenant, order.id).push({ id: newId('rsv', this.now.getTime()), orderId: order.id, lineId: String(r.line_id), sku, location, quantity, status: 'active', isNew: true, dirty: true });
      this.resolvedShortfalls.push({ tenant, id: String(r.id) });
      const carrier = order.shipments.find((s) => s.location === location)?.carrier ?? null;
      order.shipments = [...order.shipments, { location, carrier, lines: [{ lineId: String(r.line_id), sku, quantity }] }];
      order.dirty = true;
      this.event(order, 'backorder_filled', 'stock', { line: r.line_id, sku, quantity, location });
      // The new parcel gets its own warehouse order; the ones already queued are not queued again.
      if (order.stage === 'released') this.queueDeliveries(order, 'released');
      filled++;
    }
    return filled;
  }

  private orderById(tenant: string, id: string): OrderRecord | undefined {
    for (const order of this.orders.values()) if (order.tenant === tenant && order.id === id) return order;
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  private event(order: OrderRecord, kind: string, source: string, detail: unknown): void {
    this.eventRows.push([order.tenant, newId('evt', this.now.getTime()), order.id, this.nowIso, kind, source, JSON.stringify(detail)]);
  }

  private remember(order: OrderRecord): void {
    if (order.addressKey) {
      listIn(this.recentByAddress, `${order.tenant}\u0000${order.addressKey}`).push({ externalId: order.externalId, channel: order.channel, createdAt: this.nowIso });
    }
    if (order.buyerKey && (order.doc.status === 'pending_payment' || order.doc.status === 'paid')) {
      listIn(this.openByBuyer, `${order.tenant}\u0000${order.buyerKey}`).push({
        externalId: order.externalId,
        channel: order.channel,
        ...(order.shop ? { shopId: order.shop } : {}),
        status: order.doc.status,
        createdAt: this.nowIso,
        addressKey: order.addressKey ?? '',
      });
    }
  }

  private reservationsOf(tenant: string, orderId: string): ReservationRecord[] {
    return listIn(this.reservations, `${tenant}\u0000${orderId}`);
  }

  private itemsOf(tenant: string): Map<string, ItemInfo> {
    let items = this.items.get(tenant);
    if (!items) {
      items = new Map();
      this.items.set(tenant, items);
    }
    return items;
  }

  private stockOf(tenant: string): StockLevels {
    let levels = this.stock.get(tenant);
    if (!levels) {
      levels = new StockLevels();
      this.stock.set(tenant, levels);
    }
    return levels;
  }
}

function recordOf(row: Row): OrderRecord {
  return {
    id: String(row.id),
    tenant: String(row.tenant),
    channel: String(row.channel),
    shop: row.shop === null ? null : String(row.shop),
    externalId: String(row.external_id),
    doc: JSON.parse(String(row.doc)) as CanonicalOrder,
    updatedMs: Number(row.updated_ms),
    version: Number(row.version),
    stage: String(row.stage) as Stage,
    holds: row.holds ? JSON.parse(String(row.holds)) : null,
    holdUntil: row.hold_until === null ? null : String(row.hold_until),
    priority: Number(row.priority),
    flags: row.flags ? JSON.parse(String(row.flags)) : null,
    extraLines: row.extra_lines ? JSON.parse(String(row.extra_lines)) : [],
    shipments: row.shipments ? JSON.parse(String(row.shipments)) : [],
    addressKey: row.address_key === null ? null : String(row.address_key),
    buyerKey: row.buyer_key === null ? null : String(row.buyer_key),
    createdAt: String(row.created_at),
    lastInbox: String(row.last_inbox),
    isNew: false,
    dirty: false,
  };
}

function reservationOf(r: Row): ReservationRecord {
  return { id: String(r.id), orderId: String(r.order_id), lineId: String(r.line_id), sku: String(r.sku), location: String(r.location), quantity: Number(r.quantity), status: String(r.status) as ReservationRecord['status'], isNew: false, dirty: false };
}

function rowsToSkus(tenant: string, reservations: ReservationRecord[]): Array<{ tenant: string; sku: string }> {
  return reservations.map((r) => ({ tenant, sku: r.sku }));
}

function orderKey(tenant: string, channel: string, externalId: string): string {
  return `${tenant}\u0000${channel}\u0000${externalId}`;
}

function buyerKey(order: CanonicalOrder): string | null {
  return order.buyer.id ? `${order.channel}:${order.buyer.id}` : null;
}

/** `erp.sale_order/tmall/123` — the same order always owes the same delivery key. */
/**
 * Events that may happen again to one order, each time owing its own document, keyed by the
 * order's version under this tag; the other events owe one per order.
 */
const RECURRING_EVENTS: Partial<Record<NonNullable<DeliveryPlan['on']>, string>> = { refunded: 'refund-v', updated: 'v' };

function deliveryKey(kind: string, order: OrderRecord, shipment: number): string {
  return `${kind}/${order.channel}/${order.externalId}${shipment ? `/${shipment}` : ''}`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) listIn(groups, key(item)).push(item);
  return groups;
}

function listIn<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
