/** Builders shared by this folder's tests. */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import type { SkuInfo, StockView } from './types.ts';

type Line = CanonicalOrder['lines'][number];

/** A paid Tmall order to 上海; override any field. Lines are `[sku, quantity]` pairs. */
export function makeOrder(lines: Array<[string, number]> = [['TEA-1', 2]], overrides: Partial<CanonicalOrder> = {}): CanonicalOrder {
  const built: Line[] = lines.map(([sku, quantity], i) => ({ lineId: String(i + 1), sku, title: sku, quantity, unitPrice: 6450, discount: 0, amount: 6450 * quantity }));
  const goods = built.reduce((sum, l) => sum + l.amount, 0);
  return {
    channel: 'tmall',
    shopId: 'tm-flagship',
    externalId: 'T1001',
    status: 'paid',
    channelStatus: 'WAIT_SELLER_SEND_GOODS',
    afterSale: 'none',
    currency: 'CNY',
    createdAt: '2024-05-01T10:00:00+08:00',
    paidAt: '2024-05-01T10:01:00+08:00',
    updatedAt: '2024-05-01T10:01:00+08:00',
    buyer: { id: 'b1' },
    receiver: { name: '张三', phone: '13800138000', province: '上海市', city: '上海市', district: '浦东新区', address: '张江路1号' },
    lines: built as [Line, ...Line[]],
    amounts: { goods, shipping: 0, discount: 0, paid: goods },
    tags: [],
    attributes: {},
    ...overrides,
  };
}

/** A stock view from `{ location: { sku: units } }`. */
export function stockOf(table: Record<string, Record<string, number>>): StockView {
  return { available: (sku, location) => table[location]?.[sku] ?? 0 };
}

/** A SKU lookup from `{ sku: info }`. */
export function skusOf(table: Record<string, SkuInfo>): (sku: string) => SkuInfo | undefined {
  return (sku) => table[sku];
}
