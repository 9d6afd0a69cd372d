/** An order and its customer messages, for the SMS adapter's tests. */
import type { CanonicalOrder } from '../../core/order/index.ts';
import { SAMPLE_ORDER } from '../../test/support/sample-order.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import type { MessageConfig } from './templates.ts';

export const PHONE = '13812345678';
export const NAME = '张三丰';

// Its receiver is NAME at PHONE.
export const ORDER: CanonicalOrder = SAMPLE_ORDER;

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
