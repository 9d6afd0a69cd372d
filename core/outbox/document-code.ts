/**
 * Document numbers derived from a delivery's idempotency key alone, so every attempt of one
 * delivery carries the same number and the target refuses a second document with it (Kingdee
 * bill numbers, Qimen delivery order codes, SF order ids). No state is needed to match a
 * target's answer or callback back to its delivery: derive again and compare.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SAFE = /^[A-Za-z0-9_-]+$/;

/** SHA-256 of the text in RFC 4648 base32 (52 characters, upper case): safe in any document number. */
export async function keyDigest(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
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

/**
 * The key made readable (`kind/channel/order/parcel` → prefix + `channel-order-parcel`) when it
 * fits `maxLength` and holds only safe characters; else the prefix, the channel when room is
 * left for `minDigest` characters, and a digest. `digestOf: 'tail'` digests the key without its
 * kind, so that documents of one parcel under different kinds (a create and its cancel) share it.
 * The prefix is checked by the caller.
 */
export async function documentCodeFor(idempotencyKey: string, options: { prefix: string; maxLength: number; minDigest: number; digestOf: 'key' | 'tail' }): Promise<string> {
  const { prefix, maxLength, minDigest } = options;
  const parts = idempotencyKey.split('/');
  // The first segment names the delivery kind (erp.sale_order); the prefix stands for it.
  const rest = parts.length > 1 ? parts.slice(1) : parts;
  const readable = prefix + rest.join('-');
  if (readable.length <= maxLength && SAFE.test(readable)) return readable;
  const channel = rest.length > 1 && SAFE.test(rest[0]!) ? `${rest[0]!.slice(0, 8)}-` : '';
  const head = prefix.length + channel.length + minDigest <= maxLength ? prefix + channel : prefix;
  const digest = await keyDigest(options.digestOf === 'tail' ? rest.join('/') : idempotencyKey);
  return head + digest.slice(0, maxLength - head.length);
}
