/**
 * The pipeline's contract: what goes in, what comes out, and what the runtime plugs in.
 */
import type { Sealer } from '../order/sealing.ts';
import type { CompiledMapping } from '../mapping/index.ts';
import type { CanonicalOrder } from '../order/index.ts';
import type { ChannelStockConfig } from '../stock/available.ts';

export type Line = CanonicalOrder['lines'][number];

export interface IngestInput {
  tenant: string;
  channel: string;
  shop?: string | null;
  /** The raw payload as received (kept byte for byte), or an already parsed object. */
  payload: string | unknown;
  /** Headers and connector metadata, kept with the raw payload. */
  meta?: Record<string, unknown>;
  /**
   * The platform's message ids this payload completes: recorded as handled in the same
   * transaction as its inbox row, so a repeat of the message is known without a write of its own.
   */
  messageIds?: string[];
}

export type OrderOutcome = 'created' | 'updated' | 'unchanged' | 'stale' | 'illegal';

export interface IngestResult {
  /** Null when the payload was a repeat of a message already handled (then `replayed`). */
  inboxId: string | null;
  /** Every message id it came with was handled before: nothing was kept or changed. */
  replayed?: boolean;
  /** One per order the payload held (a POS CSV holds several). */
  orders: Array<{ orderId: string; externalId: string; outcome: OrderOutcome; status: string }>;
  /** Set when (part of) the payload could not be used; the raw payload is kept for replay. */
  quarantined?: Array<{ quarantineId: string; kind: QuarantineKind; error: string }>;
}

export type QuarantineKind = 'payload' | 'mapping' | 'schema' | 'channel' | 'size' | 'internal';

/** What each channel's payloads become: raw text → payload objects → canonical orders. */
export interface ChannelSetup {
  mapping: CompiledMapping;
  /** Raw text → payloads (default: one JSON document). */
  decode?: (raw: string) => unknown[];
}

// Routing and rules are pure policies the pipeline calls with what it read in the transaction.
export type { RoutingDecision, ShipmentPlan, StockView, SkuInfo as ItemInfo } from '../routing/index.ts';
export type { RuleContext, RuleOutcome } from '../rules/index.ts';
import type { RoutingDecision, StockView, SkuInfo as ItemInfo } from '../routing/index.ts';
import type { RuleContext, RuleOutcome } from '../rules/index.ts';

export interface OrderPolicy {
  route(order: CanonicalOrder, stock: StockView, items: (sku: string) => ItemInfo | undefined): RoutingDecision;
  rules(order: CanonicalOrder, context: RuleContext): RuleOutcome;
  addressKey(receiver: NonNullable<CanonicalOrder['receiver']>): string;
  /** The largest window (minutes) a rule looks back over, for the address and buyer queries. */
  lookbackMinutes: number;
}

/** One delivery every released (or cancelled, held …) order owes a target. */
export interface DeliveryPlan {
  kind: string;
  target: string;
  /** One delivery per order (default) or per shipment (a WMS order, a waybill per parcel). */
  per?: 'order' | 'shipment';
  /** The kind of another delivery of the same order that must succeed first. */
  after?: string;
  /**
   * When it is owed: released (default), cancelled (after release), held, shortfall, updated
   * (address change after release), refunded (a refund after the documents went out: the
   * reversing documents, one per refund change, each naming what it reverses).
   */
  on?: 'released' | 'cancelled' | 'held' | 'shortfall' | 'updated' | 'refunded' | 'shipped' | 'delivered';
}

export interface StockConfig {
  /** What an order gets when no location can ship a line: shipped what can be (backorder) or held for review. */
  shortfall: 'backorder' | 'hold';
  /** Channels whose available-to-sell is pushed back, with their allocation rule. */
  channels: Record<string, ChannelStockConfig>;
}

export interface PipelineConfig {
  channels: Record<string, ChannelSetup>;
  policy: OrderPolicy;
  stock: StockConfig;
  deliveries: DeliveryPlan[];
  /** Largest raw payload accepted for processing (bytes); larger ones are kept and quarantined. */
  maxPayloadBytes?: number;
  /** Group commit: how long the first ingest of a group waits for company, and the group's cap. */
  groupWindowMs?: number;
  groupMaxSize?: number;
  now?: () => Date;
  /** Seals receivers (orders, address changes) and raw payloads at rest; without it they are stored plain. */
  sealer?: Sealer;
}

/** News about an order that may come before the order itself (a refund or cancel message). */
export interface AfterSaleEvent {
  type: 'cancel' | 'refund';
  /** Refund of these lines only; absent: the whole order. */
  lineIds?: string[];
  /** When it happened on the platform (ISO-8601 with offset). */
  at: string;
}

export interface StockAdjustment {
  sku: string;
  location: string;
  /** Move on hand by this much (a receipt, a write-off) … */
  delta?: number;
  /** … or set it to a count. */
  set?: number;
  /** Safety stock to keep back at this location from now on. */
  safety?: number;
}

/** Work that is not a payload: each runs in the same single-writer transactions as ingests. */
export type Command =
  | { kind: 'release'; tenant: string; orderId: string; actor: string }
  | { kind: 'after-sale'; tenant: string; channel: string; externalId: string; event: AfterSaleEvent; source: string }
  | { kind: 'adjust'; tenant: string; lines: StockAdjustment[]; reason: string; source: 'api' | 'file'; actor: string }
  | { kind: 'reconcile'; tenant: string; repair: boolean; actor: string }
  | { kind: 'shipment'; tenant: string; orderId: string; event: ShipmentEvent; source: string };

/** What the warehouse or the carrier says about an order's parcel (WMS confirm, route push). */
export interface ShipmentEvent {
  /** shipped: the parcel left (the WMS confirmed it); delivered: the buyer signed for it. */
  stage: 'shipped' | 'delivered';
  carrier?: string;
  waybillNo?: string;
  /** Which of the order's parcels (1-based, as in its delivery codes); absent: all of them. */
  parcel?: number;
  /** ISO-8601 with offset. */
  at: string;
}

/** What a reconcile found: levels whose reserved count disagrees with the reservations, and reservations of orders that no longer need them. */
export interface ReconcileReport {
  drift: Array<{ sku: string; location: string; reserved: number; expected: number }>;
  leaks: Array<{ reservationId: string; orderId: string; sku: string; location: string; quantity: number; orderStatus: string }>;
  repaired: boolean;
}

export type CommandResult = { ok: true; detail: Record<string, unknown> } | { ok: false; error: string };
