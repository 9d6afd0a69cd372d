/**
 * Kuaidi100's signatures: MD5 of a concatenation, as 32 upper-case hex digits of the UTF-8 text
 * ("快递100加密方式统一为MD5后转大写", kuaidi100-api/java-demo `SignUtils`).
 *
 * - real-time query (`poll/query.do`): `sign = MD5(param + key + customer)`;
 * - subscription callback: `sign = MD5(param + salt)`, with the salt given at subscription.
 *
 * `param` is the JSON text exactly as sent or received: never re-serialise it.
 *
 * @example
 * querySign('{"com":"yuantong","num":"YT9383342193097"}', 'key', 'CUSTOMER') // 32 upper-case hex digits
 */
import { md5 } from '@noble/hashes/legacy.js';

const HEX = '0123456789ABCDEF';

export function md5Upper(text: string): string {
  let out = '';
  for (const byte of md5(new TextEncoder().encode(text))) out += HEX[byte >> 4]! + HEX[byte & 15]!;
  return out;
}

export function querySign(param: string, key: string, customer: string): string {
  return md5Upper(param + key + customer);
}

export function callbackSign(param: string, salt: string): string {
  return md5Upper(param + salt);
}

/** Compares two strings in time that depends only on their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
