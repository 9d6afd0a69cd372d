/**
 * The Qimen (奇门) signature, as the official TOP/Qimen SDKs compute it:
 *
 *   sign = HEX_UPPER(md5_utf8(secret + k1 + v1 + k2 + v2 + … + body + secret))
 *
 * over every query parameter except `sign` itself (method, timestamp, format, app_key, v,
 * sign_method, customerId …), sorted by name in code-unit order, then the raw request body (the
 * XML text exactly as sent), wrapped in the app secret.
 *
 * - Sending (`DefaultQimenClient` → `TaobaoUtils.signTopRequest(params, body, secret, "md5")`):
 *   parameters with an empty value are left out (`StringUtils.areNotEmpty(key, value)`).
 * - Receiving (`SpiUtils.checkSign`): every parameter of the query string counts, an empty one as
 *   its bare name; parameters named in a `top-sign-list` header count too. Pass `keepEmpty`.
 *
 * With an empty body this is exactly TOP's documented md5 signature (open.taobao.com docId=101617:
 * secret `helloworld` … → `66987CB115214E59E6EC978214934FB8`), which sign.test.ts checks.
 *
 * MD5 comes from @noble/hashes (Web Crypto has no MD5).
 *
 * @example
 * qimenSign({ app_key: '12345678', method: 'taobao.item.seller.get', … }, '', 'helloworld')
 * // '66987CB115214E59E6EC978214934FB8' (TOP's documented example; Qimen passes the XML body)
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface SignOptions {
  /** Count parameters whose value is empty as their bare name (the receiving side, SpiUtils). */
  keepEmpty?: boolean;
}

/** The text that is hashed: secret, the sorted name+value pairs, the body, secret. */
export function signSource(params: Record<string, string | undefined>, body: string, secret: string, options: SignOptions = {}): string {
  // Array.prototype.sort compares UTF-16 code units, as Java's Arrays.sort on Strings does.
  const names = Object.keys(params)
    .filter((name) => name !== 'sign' && name !== '')
    .sort();
  let source = secret;
  for (const name of names) {
    const value = params[name];
    if (value === undefined || value === null) continue;
    if (value === '' && !options.keepEmpty) continue;
    source += name + value;
  }
  return source + body + secret;
}

/** The Qimen md5 signature: 32 uppercase hex digits. */
export function qimenSign(params: Record<string, string | undefined>, body: string, secret: string, options: SignOptions = {}): string {
  return bytesToHex(md5(new TextEncoder().encode(signSource(params, body, secret, options)))).toUpperCase();
}

/** Compares two signatures in time that does not depend on where they differ. */
export function sameSignature(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const BEIJING_OFFSET_MS = 8 * 3600_000;

/**
 * The `timestamp` parameter: Beijing wall-clock time (GMT+8, the SDK's `DATE_TIMEZONE`) as
 * `yyyy-MM-dd HH:mm:ss`, whatever the server's own time zone.
 *
 * @example
 * beijingTimestamp(Date.parse('2024-05-20T02:20:00Z')) // '2024-05-20 10:20:00'
 */
export function beijingTimestamp(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}
