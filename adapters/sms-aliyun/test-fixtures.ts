/** An order and its customer messages, for the SMS adapter's tests. */
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import type { MessageConfig } from './templates.ts';

export const PHONE = '13812345678';
export const NAME = '张三丰';

export const ORDER: CanonicalOrder = {
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
  receiver: { name: NAME, phone: PHONE, province: '浙江省', city: '杭州市', district: '西湖区', address: '文三路 100 号 3 单元 501', postalCode: '310000' },
  lines: [
    { lineId: 'L1', sku: 'TEA-001', title: '龙井 250g', quantity: 2, unitPrice: 59900, discount: 0, amount: 119800 },
    { lineId: 'L2', sku: 'CUP-002', title: '玻璃杯', quantity: 1, unitPrice: 3900, discount: 0, amount: 3900 },
  ],
  amounts: { goods: 123700, shipping: 0, discount: 0, paid: 123700 },
  tags: [],
  attributes: {},
};

/** Template codes as the merchant's Aliyun console lists them. */
export const MESSAGES: Record<string, MessageConfig> = {
  'sms.order_confirmed': { templateCode: 'SMS_460001' },
  'sms.shipped': { templateCode: 'SMS_460002' },
  'sms.delivered': { templateCode: 'SMS_460003' },
  'sms.refund_done': { templateCode: 'SMS_460004' },
};

/** The same templates as approved in the (sandbox) console, with their ${variables}. */
export const APPROVED: Record<string, string> = {
  SMS_460001: '您的订单${order}已确认，实付${amount}元，我们会尽快发货。',
  SMS_460002: '您的订单${order}已由${company}发出，运单号${waybill}。',
  SMS_460003: '您的订单${order}已签收，感谢惠顾。',
  SMS_460004: '您的订单${order}退款${amount}元已原路退回。',
};

export function delivery(kind: string, payload: Record<string, unknown> = {}, extra: Partial<Delivery> = {}): Delivery {
  return {
    tenant: 't1',
    id: `dlv_${kind}`,
    target: 'sms',
    kind,
    idempotencyKey: `${kind}/tmall/${ORDER.externalId}`,
    orderId: 'ord_1',
    payload: { orderId: 'ord_1', channel: 'tmall', externalId: ORDER.externalId, ...payload },
    order: ORDER,
    attempts: 0,
    createdAt: '2024-05-01T02:00:00Z',
    ...extra,
  };
}

export const CONFIRMED = delivery('sms.order_confirmed');
export const SHIPPED = delivery('sms.shipped', { carrier: 'sf', waybillNo: 'SF1402918273645' });
export const DELIVERED = delivery('sms.delivered');
export const REFUNDED = delivery('sms.refund_done', { refundAmount: 3900 });
export const ALL = [CONFIRMED, SHIPPED, DELIVERED, REFUNDED];
