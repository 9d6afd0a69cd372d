/**
 * The JOS (京东宙斯) md5 signature, exactly as JD's official Java SDK computes it
 * (com.jd.open.api.sdk: `DefaultJdClient.buildUrl` → `Md5SignImpl` / `AbstractSign.signature4Jos`):
 *
 *   sign = HEX_UPPER(md5_utf8(appSecret + k1 + v1 + k2 + v2 + … + appSecret))
 *
 * over the system parameters (method, access_token, app_key, timestamp, v, format, sign_method …)
 * and `360buy_param_json` (the business parameters as one JSON string), `sign` itself excluded,
 * sorted by name in a `TreeMap` (UTF-16 code-unit order). A parameter whose name or value is
 * empty or all whitespace (`StringUtil.areNotEmpty`, Java's `Character.isWhitespace`) is left out
 * of the signature, and the SDK's `HttpUtil.buildQuery` leaves it out of the request too; so does
 * `signJos`, and its `params` are exactly what goes on the wire.
 *
 * Only `sign_method` md5 (or none, which the SDK treats as md5) is implemented; the SDK's
 * hmacmd5 / hmacsha256 variants are refused rather than silently signed the wrong way.
 *
 * MD5 comes from @noble/hashes (Web Crypto has no MD5).
 *
 * @example
 * const { sign, signed, params } = signJos({ method: 'jingdong.pop.order.get', app_key: 'K', access_token: 'T',
 *   timestamp: '2024-05-18 20:15:07', v: '2.0', format: 'json', sign_method: 'md5',
 *   '360buy_param_json': '{"order_id":301234567890}' }, 'secret');
 * // sign: 32 uppercase hex digits; signed: '{appSecret}360buy_param_json{"order_id":301234567890}access_tokenT…v2.0{appSecret}';
 * // params: the same parameters, sorted, with `sign` added
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export type JosParams = Record<string, string | null | undefined>;

export interface JosSignature {
  /** 32 uppercase hex digits. */
  sign: string;
  /**
   * The text that was hashed, for `hub sign jd` to print, with the app secret at both ends shown
   * as `{appSecret}` (the secret is never returned).
   */
  signed: string;
  /** The parameters as they are sent: blank ones dropped, sorted by name, `sign` added last. */
  params: Record<string, string>;
}

/** How `signed` shows the app secret. */
export const SECRET_PLACEHOLDER = '{appSecret}';

export class JosSignError extends Error {
  override name = 'JosSignError';
}

/**
 * Java's `Character.isWhitespace` over a whole string (the SDK's `StringUtil.isEmpty`): the
 * Unicode space, line and paragraph separators except the no-break ones (U+00A0, U+2007,
 * U+202F), plus tab, LF, VT, FF, CR and the four information separators U+001C–U+001F.
 */
const JAVA_BLANK = /^[\t\n\u000B\f\r\u001C-\u001F \u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]*$/;

/** Empty or all whitespace the way the JD SDK sees it: left out of the signature and the request. */
export function isBlank(value: string | null | undefined): boolean {
  return value === null || value === undefined || JAVA_BLANK.test(value);
}

/** The text that is hashed: secret + the sorted name/value pairs + secret. Contains the secret: never log it. */
export function josSignSource(params: JosParams, secret: string): string {
  let source = secret;
  for (const [name, value] of sortedEntries(params)) source += name + value;
  return source + secret;
}

/** Signs JOS parameters with the app secret (md5). */
export function signJos(params: JosParams, secret: string): JosSignature {
  if (isBlank(secret)) throw new JosSignError('JOS: the app secret is empty');
  const method = params.sign_method;
  if (!isBlank(method) && /^hmac/i.test(method!.trim())) {
    throw new JosSignError(`JOS: sign_method "${method}" is not supported (only md5)`);
  }
  const sign = bytesToHex(md5(new TextEncoder().encode(josSignSource(params, secret)))).toUpperCase();
  const sent: Record<string, string> = {};
  for (const [name, value] of sortedEntries(params)) sent[name] = value;
  sent.sign = sign;
  return { sign, signed: josSignSource(params, SECRET_PLACEHOLDER), params: sent };
}

/** Non-blank parameters other than `sign`, in Java TreeMap order (UTF-16 code units, as Array.sort). */
function sortedEntries(params: JosParams): Array<[string, string]> {
  return Object.keys(params)
    .filter((name) => name !== 'sign' && !isBlank(name) && !isBlank(params[name]))
    .sort()
    .map((name) => [name, params[name]!]);
}
