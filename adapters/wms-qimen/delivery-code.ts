/**
 * The deliveryOrderCode (出库单号, string(50)) a delivery owes the WMS, derived from its
 * idempotency key alone: every repeat of a create carries the same code, the WMS keeps one
 * delivery order per code, and a cancel or a lookup finds it again without any stored state.
 *
 * The key's first segment names the delivery kind; the rest (channel, order id, shipment number)
 * makes the code, so the create (`wms.delivery_order/tmall/2938…/1`) and its cancel
 * (`wms.delivery_order.cancel/tmall/2938…/1`) name the same delivery order:
 * `DO-tmall-2938475610293847561-1`. When that is longer than the limit or holds other
 * characters than `A-Z a-z 0-9 _ -`, it becomes the prefix, the channel (up to 8 characters) and
 * a SHA-256 digest of the key's tail in base32.
 *
 * @example
 * await deliveryOrderCodeFor('wms.delivery_order/jd/301234567890/1', 'DO-') // 'DO-jd-301234567890-1'
 */

import { documentCodeFor } from '../../core/outbox/document-code.ts';

/** Qimen's deliveryOrderCode is string(50). */
export const DEFAULT_CODE_MAX_LENGTH = 50;
const MIN_DIGEST = 16;
const SAFE = /^[A-Za-z0-9_-]+$/;

export class DeliveryCodeError extends Error {
  override name = 'DeliveryCodeError';
}

/** Throws when a prefix and a length limit leave no room for a safe digest. */
export function checkCodeFormat(prefix: string, maxLength: number): void {
  if (prefix && !SAFE.test(prefix)) throw new DeliveryCodeError(`deliveryOrderCode prefix "${prefix}" may hold only A-Z a-z 0-9 _ -`);
  if (prefix.length + MIN_DIGEST > maxLength) {
    throw new DeliveryCodeError(`deliveryOrderCode prefix "${prefix}" leaves fewer than ${MIN_DIGEST} of ${maxLength} characters for the order`);
  }
}

export async function deliveryOrderCodeFor(idempotencyKey: string, prefix: string, maxLength = DEFAULT_CODE_MAX_LENGTH): Promise<string> {
  checkCodeFormat(prefix, maxLength);
  // The tail, not the whole key: the create and its cancel must come out the same.
  return documentCodeFor(idempotencyKey, { prefix, maxLength, minDigest: MIN_DIGEST, digestOf: 'tail' });
}
