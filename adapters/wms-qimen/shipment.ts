/**
 * The input of delivery-order.yaml: the canonical order and the one shipment a delivery order is
 * for. A delivery queued `per: shipment` carries the shipment in its payload
 * (`{ shipment: 1, location, carrier, lines: [{ lineId, sku, quantity }] }`); its lines are joined
 * here with the order's lines for their titles and prices, per piece, in fen:
 *
 * - unitPrice: the line's unit price (零售价);
 * - unitPaid: what the buyer paid per piece, `round(amount / quantity)` (实际成交价);
 * - unitDiscount: `unitPrice - unitPaid` (单件商品折扣金额), so retail = actual + discount exactly.
 *
 * - paid: what the buyer paid for the pieces in this shipment, `round(amount × quantity / line quantity)`.
 *
 * The shipment's amounts: goods = Σ unitPrice × quantity, total = Σ paid + shipping, discount =
 * goods − Σ paid, so a line shipped whole counts exactly what the buyer paid for it (the
 * per-piece prices can be a fen off, the totals cannot). Shipping is charged on the first
 * shipment only.
 * A delivery without a shipment (queued `per: order`) ships every line from `payload.location`.
 *
 * @example
 * shipmentInput(delivery) // { order, shipment: { index: 1, location: 'wh-sh', carrier: 'yto', createdAt, lines: [...], amounts: { goods, discount, shipping, total } } }
 */
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';

export interface ShipmentLine {
  lineId: string;
  sku: string;
  title: string;
  channelSkuId?: string;
  quantity: number;
  unitPrice: number;
  unitPaid: number;
  unitDiscount: number;
  /** Paid for this shipment's pieces of the line (fen). */
  paid: number;
  gift?: boolean;
}

export interface ShipmentInput {
  order: CanonicalOrder;
  shipment: {
    index: number;
    location?: string;
    carrier?: string;
    /** When the hub queued this delivery (发货单创建时间). */
    createdAt: string;
    lines: ShipmentLine[];
    amounts: { goods: number; discount: number; shipping: number; total: number };
  };
}

export class ShipmentError extends Error {
  override name = 'ShipmentError';
}

interface PayloadLine {
  lineId?: unknown;
  sku?: unknown;
  quantity?: unknown;
}

export function shipmentInput(delivery: Delivery): ShipmentInput {
  const order = delivery.order;
  if (!order) throw new ShipmentError(`delivery ${delivery.id} carries no order`);
  const { extraLines, ...doc } = order;
  const orderLines = [...order.lines, ...(extraLines ?? [])];
  const payload = delivery.payload;
  const planned = Array.isArray(payload.lines) ? (payload.lines as PayloadLine[]) : undefined;
  const index = typeof payload.shipment === 'number' ? payload.shipment : 1;

  const lines: ShipmentLine[] = (planned ?? orderLines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity }))).map((p, i) => {
    const lineId = String(p.lineId ?? '');
    const source = orderLines.find((l) => l.lineId === lineId);
    if (!source) throw new ShipmentError(`shipment line ${i + 1} (lineId "${lineId}") is not a line of order ${order.channel}/${order.externalId}`);
    const quantity = Number(p.quantity ?? source.quantity);
    if (!Number.isInteger(quantity) || quantity < 1) throw new ShipmentError(`shipment line ${i + 1} (lineId "${lineId}") has quantity ${JSON.stringify(p.quantity)}`);
    const unitPaid = Math.round(source.amount / source.quantity);
    return {
      lineId,
      sku: typeof p.sku === 'string' && p.sku ? p.sku : source.sku,
      title: source.title,
      ...(source.channelSkuId ? { channelSkuId: source.channelSkuId } : {}),
      quantity,
      unitPrice: source.unitPrice,
      unitPaid,
      unitDiscount: source.unitPrice - unitPaid,
      paid: Math.round((source.amount * quantity) / source.quantity),
      ...(source.gift !== undefined ? { gift: source.gift } : {}),
    };
  });
  if (lines.length === 0) throw new ShipmentError(`delivery ${delivery.id} has no lines to ship`);

  const goods = lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
  const paid = lines.reduce((sum, l) => sum + l.paid, 0);
  const shipping = index <= 1 ? order.amounts.shipping : 0;
  const location = typeof payload.location === 'string' ? payload.location : undefined;
  const carrier = typeof payload.carrier === 'string' ? payload.carrier : undefined;
  return {
    order: doc,
    shipment: {
      index,
      ...(location ? { location } : {}),
      ...(carrier ? { carrier } : {}),
      createdAt: delivery.createdAt,
      lines,
      amounts: { goods, discount: goods - paid, shipping, total: paid + shipping },
    },
  };
}
