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

/** Default: what fits every FBillNo column we know of; raise it when the account set allows more. */
export const DEFAULT_BILL_NO_MAX_LENGTH = 30;
/** Digest characters kept when hashing: 5 bits each, 60 bits in all. */
const MIN_DIGEST = 12;
const SAFE = /^[A-Za-z0-9_-]+$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

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
  const parts = idempotencyKey.split('/');
  // The first segment names the delivery kind (erp.sale_order); the prefix stands for it.
  const rest = parts.length > 1 ? parts.slice(1) : parts;
  const readable = prefix + rest.join('-');
  if (readable.length <= maxLength && SAFE.test(readable)) return readable;
  const channel = parts.length > 2 && SAFE.test(parts[1]!) ? `${parts[1]!.slice(0, 8)}-` : '';
  const head = prefix.length + channel.length + MIN_DIGEST <= maxLength ? prefix + channel : prefix;
  const digest = base32(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(idempotencyKey))));
  return head + digest.slice(0, maxLength - head.length);
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}
