/**
 * The Tmall mapping written by hand in TypeScript, as a programmer would without the mapping
 * language: the benchmark's upper bound. Same output as mappings/tmall.yaml.
 */
import { beijingToIso, yuanToFen } from '../core/order/index.ts';

type Trade = Record<string, any>;

const TRADE_STATUS: Record<string, string> = {
  TRADE_NO_CREATE_PAY: 'pending_payment', WAIT_BUYER_PAY: 'pending_payment', PAY_PENDING: 'pending_payment',
  WAIT_PRE_AUTH_CONFIRM: 'pending_payment', PAID_FORBID_CONSIGN: 'paid', WAIT_SELLER_SEND_GOODS: 'paid',
  SELLER_CONSIGNED_PART: 'partially_shipped', WAIT_BUYER_CONFIRM_GOODS: 'shipped', TRADE_BUYER_SIGNED: 'shipped',
  TRADE_FINISHED: 'completed', TRADE_CLOSED: 'cancelled', TRADE_CLOSED_BY_TAOBAO: 'cancelled',
};
const REFUND: Record<string, string> = {
  NO_REFUND: 'none', WAIT_SELLER_AGREE: 'requested', WAIT_BUYER_RETURN_GOODS: 'requested',
  WAIT_SELLER_CONFIRM_GOODS: 'requested', SELLER_REFUSE_BUYER: 'none', CLOSED: 'none', SUCCESS: 'refunded',
};

const present = (v: unknown) => v !== undefined && v !== null && v !== '';
const first = (...values: unknown[]) => values.find(present);
const time = (v: unknown) => (present(v) ? beijingToIso(String(v)) : undefined);

export function mapTmallByHand(t: Trade): Record<string, unknown> {
  const orders: Trade[] = Array.isArray(t.orders?.order) ? t.orders.order : Array.isArray(t.orders) ? t.orders : [];
  const lines = orders.map((o) => {
    const unitPrice = yuanToFen(o.price);
    const quantity = Number(o.num);
    const amount = yuanToFen(first(o.divide_order_fee, o.total_fee) as string);
    const line: Record<string, unknown> = {
      lineId: first(o.oid_str, present(o.oid) ? String(o.oid) : undefined),
      sku: first(o.outer_sku_id, o.outer_iid),
      channelSkuId: first(o.sku_id, present(o.num_iid) ? String(o.num_iid) : undefined),
      title: o.title,
      quantity,
      unitPrice,
      amount,
      discount: unitPrice * quantity - amount,
      afterSale: REFUND[o.refund_status] ?? 'none',
    };
    for (const key of Object.keys(line)) if (line[key] === undefined) delete line[key];
    return line;
  });
  const refunded = lines.filter((l) => l.afterSale === 'refunded').length;
  const requested = lines.filter((l) => l.afterSale === 'requested').length;
  const goods = yuanToFen(t.total_fee);
  const shipping = present(t.post_fee) ? yuanToFen(t.post_fee) : 0;
  const paid = yuanToFen(t.payment);
  const order: Record<string, unknown> = {
    channel: 'tmall',
    shopId: t.seller_nick,
    externalId: first(t.tid_str, present(t.tid) ? String(t.tid) : undefined),
    status: TRADE_STATUS[t.status],
    channelStatus: t.status,
    currency: 'CNY',
    createdAt: time(t.created),
    paidAt: time(t.pay_time),
    updatedAt: time(t.modified),
    buyer: compact({ id: t.buyer_open_uid, nick: t.buyer_nick, message: t.buyer_message }),
    receiver: present(t.receiver_address)
      ? compact({
          name: t.receiver_name,
          phone: first(t.receiver_mobile, t.receiver_phone),
          province: t.receiver_state,
          city: first(t.receiver_city, t.receiver_district),
          district: present(t.receiver_district) ? t.receiver_district : '',
          town: t.receiver_town,
          address: t.receiver_address,
          postalCode: t.receiver_zip,
        })
      : undefined,
    lines,
    amounts: { goods, shipping, paid, discount: goods + shipping - paid },
    afterSale: lines.length > 0 && refunded === lines.length ? 'refunded' : refunded > 0 ? 'partially_refunded' : requested > 0 ? 'requested' : 'none',
    tags: [
      t.type === 'step' || present(t.step_trade_status) ? 'presale' : undefined,
      t.type === 'cod' ? 'cod' : undefined,
      t.status === 'PAID_FORBID_CONSIGN' ? 'consign-forbidden' : undefined,
    ].filter((x) => x !== undefined),
    attributes: {},
  };
  return compact(order);
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(o)) if (o[key] === undefined) delete o[key];
  return o;
}
