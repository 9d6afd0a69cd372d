/**
 * The TOP (Taobao Open Platform) request signature, as the official SDKs compute it
 * (Java `TaobaoUtils.signTopRequest(params, body, secret, signMethod)`, .NET
 * `TopUtils.SignTopRequestWithBody`, the 2024 Go SDK `util.GetSign`):
 *
 * 1. every parameter except `sign` — system (method, app_key, session, timestamp, format, v,
 *    sign_method, simplify, partner_id …) and business ones alike — sorted by name in code-unit
 *    order (Java `Arrays.sort`, .NET `StringComparer.Ordinal`); a parameter with an empty value
 *    is left out (`StringUtils.areNotEmpty(key, value)`);
 * 2. concatenated as `name1value1name2value2…`, then the raw request body when there is one
 *    (APIs that post a body, and SPI / push requests);
 * 3. `md5`:         MD5(secret + s + secret)
 *    `hmac`:        HMAC-MD5(key = secret, s)
 *    `hmac-sha256`: HMAC-SHA256(key = secret, s)
 *    all UTF-8, the digest as uppercase hex.
 *
 * Checked against TOP's documented example (open.taobao.com docId=101617, secret `helloworld`
 * → `66987CB115214E59E6EC978214934FB8`) in sign.test.ts.
 *
 * MD5 and HMAC-MD5 come from @noble/hashes (Web Crypto has no MD5); HMAC-SHA256 from
 * crypto.subtle, which is why signing is async.
 *
 * @example
 * await signTop({ method: 'taobao.item.seller.get', app_key: '12345678', session: 'test', timestamp: '2016-01-01 12:00:00',
 *   format: 'json', v: '2.0', sign_method: 'md5', fields: 'num_iid,title,nick,price,num', num_iid: '11223344' }, 'helloworld')
 * // { sign: '66987CB115214E59E6EC978214934FB8', signed: 'app_key12345678fieldsnum_iid,…v2.0', method: 'md5' }
 */
import { hmac } from '@noble/hashes/hmac.js';
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export type SignMethod = 'md5' | 'hmac' | 'hmac-sha256';
export const SIGN_METHODS: readonly SignMethod[] = ['md5', 'hmac', 'hmac-sha256'];

export interface SignOptions {
  /**
   * Count a parameter with an empty value as its bare name. The SDKs' signing side leaves empty
   * values out; their receiving side (`SpiUtils.checkSign`, for requests TOP sends to an app)
   * counts every query parameter.
   */
  keepEmpty?: boolean;
  /** Overrides `params.sign_method`. */
  method?: SignMethod;
}

export interface TopSignature {
  /** 32 (md5, hmac) or 64 (hmac-sha256) uppercase hex digits. */
  sign: string;
  /**
   * The text the digest is taken over, without the secret: the sorted name+value pairs and the
   * body. (md5 wraps it in the secret; the HMACs key with it.) Safe to print.
   */
  signed: string;
  method: SignMethod;
}

/** The sorted `name+value` concatenation, then the body. */
export function signBase(params: Record<string, string | undefined>, body?: string, options: SignOptions = {}): string {
  // Array.prototype.sort compares UTF-16 code units, as Java's Arrays.sort on Strings does.
  const names = Object.keys(params)
    .filter((name) => name !== 'sign' && name !== '')
    .sort();
  let base = '';
  for (const name of names) {
    const value = params[name];
    if (value === undefined || value === null) continue;
    if (value === '' && !options.keepEmpty) continue;
    base += name + value;
  }
  return body ? base + body : base;
}

/** The method a parameter set asks for; the SDKs treat a missing one as md5. */
export function signMethodOf(params: Record<string, string | undefined>, override?: SignMethod): SignMethod | undefined {
  const method = override ?? params.sign_method ?? 'md5';
  return (SIGN_METHODS as readonly string[]).includes(method) ? (method as SignMethod) : undefined;
}

/**
 * Signs TOP parameters (and a body) with the app secret. Throws on an unknown sign_method.
 *
 * @example
 * const { sign } = await signTop({ ...params, sign_method: 'hmac-sha256' }, secret);
 */
export async function signTop(params: Record<string, string | undefined>, secret: string, body?: string, options: SignOptions = {}): Promise<TopSignature> {
  const method = signMethodOf(params, options.method);
  if (!method) throw new Error(`unknown sign_method "${params.sign_method}" (md5, hmac or hmac-sha256)`);
  const signed = signBase(params, body, options);
  const encoder = new TextEncoder();
  let digest: Uint8Array;
  if (method === 'md5') {
    digest = md5(encoder.encode(secret + signed + secret));
  } else if (method === 'hmac') {
    digest = hmac(md5, encoder.encode(secret), encoder.encode(signed));
  } else {
    const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    digest = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(signed)));
  }
  return { sign: bytesToHex(digest).toUpperCase(), signed, method };
}

/** Compares two signatures in time that does not depend on where they differ. */
export function sameSignature(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a.toUpperCase());
  const y = new TextEncoder().encode(b.toUpperCase());
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

const BEIJING_OFFSET_MS = 8 * 3_600_000;

/**
 * Epoch milliseconds → TOP's `yyyy-MM-dd HH:mm:ss` in Beijing time (GMT+8), whatever the
 * server's zone: a UTC server sending its local clock is 8 hours off and TOP refuses it
 * (code 31 Invalid timestamp; the gateway allows about 10 minutes of skew).
 *
 * @example
 * beijingTime(Date.UTC(2016, 0, 1, 4, 0, 0)) // '2016-01-01 12:00:00'
 */
export function beijingTime(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** TOP's `yyyy-MM-dd HH:mm:ss` (Beijing time) → epoch milliseconds; NaN when malformed. */
export function parseBeijingTime(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return Number.NaN;
  return Date.parse(`${text.replace(' ', 'T')}+08:00`);
}

/** TOP's Beijing `yyyy-MM-dd HH:mm:ss` → ISO-8601 with the +08:00 offset. */
export function beijingToIso(text: string): string | undefined {
  return Number.isNaN(parseBeijingTime(text)) ? undefined : `${text.replace(' ', 'T')}+08:00`;
}
