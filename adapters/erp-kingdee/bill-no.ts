/**
 * The bill number (FBillNo) a delivery owes Kingdee, derived from its idempotency key alone, so
 * every repeat of a Save carries the same number and Kingdee's uniqueness check on FBillNo turns
 * a second Save into "违反字段唯一性要求" instead of a second bill.
 *
 * Readable when it fits: `erp.sale_order/tmall/2938475610293847561` → `SO-tmall-2938475610293847561`.
 * When the readable form is too long or holds other characters than `A-Z a-z 0-9 _ -` (Kingdee
 * compares numbers case-insensitively, and the number goes into a query filter), it becomes the
 * prefix, the channel (up to 8 characters) and a SHA-256 digest of the whole key in base32:
 * `SO-youzan-K7Q2M4XW9A3F…`. The channel and order id stay findable in FNote.
 *
 * @example
 * await billNoFor('erp.sale_order/jd/301234567890', 'SO-', 30) // 'SO-jd-301234567890'
 */

import { documentCodeFor } from '../../core/outbox/document-code.ts';

/** Default: what fits every FBillNo column we know of; raise it when the account set allows more. */
export const DEFAULT_BILL_NO_MAX_LENGTH = 30;
/** Digest characters kept when hashing: 5 bits each, 60 bits in all. */
const MIN_DIGEST = 12;
const SAFE = /^[A-Za-z0-9_-]+$/;

export class BillNoError extends Error {
  override name = 'BillNoError';
}

/** Throws when a prefix and a length limit leave no room for a safe digest. */
export function checkBillNoFormat(prefix: string, maxLength: number): void {
  if (prefix && !SAFE.test(prefix)) throw new BillNoError(`bill number prefix "${prefix}" may hold only A-Z a-z 0-9 _ -`);
  if (prefix.length + MIN_DIGEST > maxLength) {
    throw new BillNoError(`bill number prefix "${prefix}" leaves fewer than ${MIN_DIGEST} of ${maxLength} characters for the order`);
  }
}

export async function billNoFor(idempotencyKey: string, prefix: string, maxLength = DEFAULT_BILL_NO_MAX_LENGTH): Promise<string> {
  checkBillNoFormat(prefix, maxLength);
  return documentCodeFor(idempotencyKey, { prefix, maxLength, minDigest: MIN_DIGEST, digestOf: 'key' });
}
