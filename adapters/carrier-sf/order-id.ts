/**
 * The SF orderId (客户订单号) a delivery owes, derived from its idempotency key alone.
 *
 * SF refuses a second order with the same orderId (errorCode 8016 重复下单), which is what makes
 * a repeated create safe: every attempt of one delivery carries the same orderId, and the repeat
 * is answered with 8016 instead of a second waybill. The orderId is never the platform's order
 * number (an order split into parcels, or shipped again, needs a new SF order each time, and SF
 * keeps a used orderId for good): it is a prefix and a SHA-256 digest of the key in base32.
 *
 * @example
 * await sfOrderIdFor('carrier.waybill/tmall/2938475610293847561/1') // 'OH' + 26 base32 characters
 */

import { keyDigest } from '../../core/outbox/document-code.ts';

export const DEFAULT_ORDER_ID_PREFIX = 'OH';
/** 26 base32 characters: 130 bits of the digest. */
const DIGEST_LENGTH = 26;
/** SF's orderId is String(64). */
const MAX_LENGTH = 64;
const SAFE = /^[A-Za-z0-9_-]*$/;

export class OrderIdError extends Error {
  override name = 'OrderIdError';
}

export function checkOrderIdPrefix(prefix: string): void {
  if (!SAFE.test(prefix)) throw new OrderIdError(`SF orderId prefix "${prefix}" may hold only A-Z a-z 0-9 _ -`);
  if (prefix.length + DIGEST_LENGTH > MAX_LENGTH) throw new OrderIdError(`SF orderId prefix "${prefix}" is too long (at most ${MAX_LENGTH - DIGEST_LENGTH} characters)`);
}

export async function sfOrderIdFor(idempotencyKey: string, prefix = DEFAULT_ORDER_ID_PREFIX): Promise<string> {
  checkOrderIdPrefix(prefix);
  return prefix + (await keyDigest(idempotencyKey)).slice(0, DIGEST_LENGTH);
}
