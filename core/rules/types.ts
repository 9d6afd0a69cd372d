/**
 * The shapes of the rules module. The config is what an integrator writes under `rules:` and
 * `priority:` in hub.yaml; `rules-config.schema.json` describes the same shape.
 */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';

export type OrderLine = CanonicalOrder['lines'][number];
export type Receiver = NonNullable<CanonicalOrder['receiver']>;

/** Every rule has a unique name and may be limited to some channels and shops. */
export interface RuleBase {
  name: string;
  /** Only orders from these channels; absent means every channel. */
  channels?: string[];
  /** Only orders from these shops; absent means every shop. */
  shops?: string[];
}

export type ReceiverField = 'name' | 'phone' | 'province' | 'city' | 'district' | 'address';

/** Hold an order that must be shipped but lacks receiver fields. */
export interface IncompleteAddressRule extends RuleBase {
  kind: 'incomplete-address';
  /** Fields that must not be empty (default name, phone, province, city, address). */
  fields?: ReceiverField[];
  /** Channels whose orders without a receiver are in-store sales, not missing an address (default [pos]). */
  storeChannels?: string[];
}

/** Hold an order whose receiver phone is not a mainland mobile (masked numbers pass). */
export interface InvalidMobileRule extends RuleBase {
  kind: 'invalid-mobile';
  /** Also accept a landline such as 021-12345678 (default false). */
  allowLandline?: boolean;
}

/** Hold when `count` or more orders (this one included) go to one address within `withinMinutes`. */
export interface SameAddressRule extends RuleBase {
  kind: 'same-address';
  count: number;
  withinMinutes: number;
}

/** Hold when the amount paid is at least `paidAtLeast` fen. */
export interface LargeAmountRule extends RuleBase {
  kind: 'large-amount';
  paidAtLeast: number;
}

/** Hold when the buyer left a message (other than the `ignore` ones). */
export interface BuyerMessageRule extends RuleBase {
  kind: 'buyer-message';
  /** Messages that count as none, compared trimmed and case-insensitively (e.g. 无, none). */
  ignore?: string[];
}

export interface GiftSpec {
  sku: string;
  title: string;
  /** Units per gift (default 1). */
  quantity?: number;
}

/** Add a gift line when the amount paid is at least `paidAtLeast` fen. */
export interface GiftByAmountRule extends RuleBase {
  kind: 'gift-by-amount';
  paidAtLeast: number;
  gift: GiftSpec;
}

/** Add a gift line when one of `skus` is bought: per unit bought, or once per order. */
export interface GiftBySkuRule extends RuleBase {
  kind: 'gift-by-sku';
  skus: string[];
  gift: GiftSpec;
  /** One gift per order, however many units are bought (default false: one per unit). */
  oncePerOrder?: boolean;
}

/**
 * Presale: an order is presale when it has one of `skus` or, without `skus`, the tag `tag`.
 * `until` is an ISO time (hold until then) or `final-payment` (hold while pending_payment);
 * `untilAttribute` reads the ISO time from an order attribute.
 */
export interface PresaleRule extends RuleBase {
  kind: 'presale';
  /** Tag that marks presale orders and is added when missing (default presale). */
  tag?: string;
  skus?: string[];
  until?: string;
  untilAttribute?: string;
}

/** Suggest merging with the buyer's other open orders to the same address, same shop. */
export interface MergeRule extends RuleBase {
  kind: 'merge';
  /** Created within this many minutes of this order. */
  withinMinutes: number;
  /** Statuses that count as open, for this and the other order (default [paid]). */
  statuses?: Array<'pending_payment' | 'paid'>;
}

export type OrderRule =
  | IncompleteAddressRule
  | InvalidMobileRule
  | SameAddressRule
  | LargeAmountRule
  | BuyerMessageRule
  | GiftByAmountRule
  | GiftBySkuRule
  | PresaleRule
  | MergeRule;

export type RuleKind = OrderRule['kind'];

/** The `priority:` section of hub.yaml: a score, higher first, as a sum of weighted factors. */
export interface PriorityConfig {
  /** Points every order starts with (default 0). */
  base?: number;
  /** Points per full 100 yuan paid, at most `max`. */
  orderValue?: { perHundredYuan: number; max?: number };
  /** Up to `points` as the promised ship-by time (an ISO order attribute) nears: 0 at `horizonHours` or more left, all when due or late. */
  shipBy?: { attribute: string; points: number; horizonHours: number };
  /** Points by channel (an SLA bonus), e.g. { jd: 20 }. */
  channels?: Record<string, number>;
  /** Points for a presale order (negative for a penalty). */
  presale?: number;
  /** Buyer level from an order attribute: points per level (numeric levels) or by name. */
  buyerLevel?: { attribute: string; perLevel?: number; levels?: Record<string, number> };
}

/**
 * The `rules:` and `priority:` sections of hub.yaml (README.md documents every field).
 *
 * @example
 * const config: RulesConfig = {
 *   rules: [{ name: 'big-order', kind: 'large-amount', paidAtLeast: 500000 }],
 *   priority: { orderValue: { perHundredYuan: 1 }, channels: { jd: 20 } },
 * };
 */
export interface RulesConfig {
  rules: OrderRule[];
  priority?: PriorityConfig;
}

export interface RuleContext {
  /** ISO time of evaluation. */
  now: string;
  /** Other orders to the same normalised receiver address, created within the largest configured window. */
  recentOrdersToSameAddress: Array<{ externalId: string; channel: string; createdAt: string }>;
  /** The buyer's orders not yet shipped. */
  openOrdersOfSameBuyer: Array<{ externalId: string; channel: string; shopId?: string; status: string; createdAt: string; addressKey: string }>;
}

export interface RuleOutcome {
  /** Audit holds: the order waits for a release. */
  holds: Array<{ rule: string; reason: string }>;
  /** Gift lines to add (amount 0, gift: true). */
  addLines: Array<{ rule: string; line: OrderLine }>;
  /** Tags to add (e.g. presale, gift-added). */
  tags: string[];
  /** Presale: hold until this ISO time (or null). */
  holdUntil: string | null;
  /** externalIds suggested for merging. */
  mergeWith: string[];
  /** Score, higher first. */
  priority: number;
  /** Every rule: fired or not, and why; then the priority. */
  explanation: string[];
}
