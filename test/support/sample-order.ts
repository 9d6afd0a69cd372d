/** One order as the adapters' tests send it: a Tmall order of two lines, 1,237.00 yuan paid. */
import type { CanonicalOrder } from '../../core/order/index.ts';

export const SAMPLE_ORDER: CanonicalOrder = {
  channel: 'tmall',
  externalId: '3791827364510',
  status: 'paid',
  channelStatus: 'WAIT_SELLER_SEND_GOODS',
  afterSale: 'none',
  currency: 'CNY',
  createdAt: '2024-05-01T09:58:00+08:00',
  paidAt: '2024-05-01T09:59:00+08:00',
  updatedAt: '2024-05-01T09:59:00+08:00',
  buyer: { nick: 'tb_buyer' },
  receiver: { name: '张三丰', phone: '13812345678', province: '浙江省', city: '杭州市', district: '西湖区', address: '文三路 100 号 3 单元 501', postalCode: '310000' },
  lines: [
    { lineId: 'L1', sku: 'TEA-001', title: '龙井 250g', quantity: 2, unitPrice: 59900, discount: 0, amount: 119800 },
    { lineId: 'L2', sku: 'CUP-002', title: '玻璃杯', quantity: 1, unitPrice: 3900, discount: 0, amount: 3900 },
  ],
  amounts: { goods: 123700, shipping: 0, discount: 0, paid: 123700 },
  tags: [],
  attributes: {},
};
