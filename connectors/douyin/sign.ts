/**
 * Doudian (抖店开放平台) signatures, as the official SDKs compute them.
 *
 * API calls (official Go SDK doudian-sdk-golang-1.1.0 `utils/sign_util.go`, copied in
 * zsmhub/doudian-sdk; the Java SDK `com/doudian/open/utils/SignUtil.java`; the PHP sample of the
 * 签名算法 guide):
 *
 *     param_json = the business parameters as compact JSON, object keys sorted at every depth
 *     pattern    = app_secret + "app_key" + app_key + "method" + method + "param_json" + param_json
 *                  + "timestamp" + timestamp + "v" + v + app_secret
 *     sign       = hex( HMAC-SHA256(key = app_secret, pattern) )   with sign_method=hmac-sha256
 *                = hex( MD5(pattern) )                              with sign_method=md5 (or none)
 *
 * Lower-case hex in both. access_token and sign_method are sent but not signed. The Go SDK sends
 * `sign_method=hmac-sha256`; the Java and Python SDKs send no sign_method and use MD5, which is
 * the platform's default.
 *
 * param_json follows the Go SDK's Marshal (json.Marshal → decode to maps → re-encode with
 * SetEscapeHTML(false)): no spaces; keys sorted by code point at every depth, inside arrays too;
 * `& < > = ' /` and non-ASCII text written as is (the guide's "附加符号、中日韩、Emoji都不转义");
 * U+2028 and U+2029 escaped (Go and PHP json_encode do); integers without a decimal point (1.0 is
 * 1); null written; undefined members left out (Go's omitempty); an empty object is `{}`.
 * Numbers beyond 2^53 may be given as bigint or as lossless-json LosslessNumber and are written
 * digit for digit.
 *
 * Pushes (消息推送, official Go SDK message sample `message/doudian_sign.go`; SKIT
 * `DouyinShopClientEventExtensions.VerifyEventSignature`; cnJun `DoudianUtils.checkPushMessage`):
 *
 *     event-sign = hex( MD5(app_key + raw body + app_secret) )
 *
 * `signed` in the results is the hashed text with the app secret written as `<app_secret>`: the
 * secret never leaves this module.
 *
 * @example
 * await signDoudian({ app_key: '7000000000000000001', method: 'order.orderDetail', param_json: { shop_order_id: '6921234567890123456' }, timestamp: 1740801600 }, secret)
 * // { sign: '…64 hex…', param_json: '{"shop_order_id":"6921234567890123456"}', signed: '<app_secret>app_key7000…v2<app_secret>' }
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';

export type SignMethod = 'hmac-sha256' | 'md5';

export interface DoudianSignInput {
  app_key: string;
  /** Dotted: `order.searchList`. */
  method: string;
  /** The business parameters: an object (serialised here) or JSON text (re-serialised canonically). */
  param_json: unknown;
  /** Epoch seconds, as sent in the query. */
  timestamp: number | string;
  /** Always "2" today. */
  v?: string | number;
  /** Default hmac-sha256. */
  sign_method?: SignMethod;
}

export interface DoudianSignature {
  /** Lower-case hex. */
  sign: string;
  /** The param_json that was signed: send exactly this text. */
  param_json: string;
  /** The text that was hashed, the secret shown as `<app_secret>`. */
  signed: string;
}

const SECRET_MARK = '<app_secret>';
const encoder = new TextEncoder();

export class ParamJsonError extends Error {
  override name = 'ParamJsonError';
}

/** Signs one API call. */
export async function signDoudian(input: DoudianSignInput, appSecret: string): Promise<DoudianSignature> {
  if (!appSecret) throw new Error('signDoudian: the app secret is empty');
  const paramJson = canonicalParamJson(input.param_json);
  const v = String(input.v ?? '2');
  const body = `app_key${input.app_key}method${input.method}param_json${paramJson}timestamp${input.timestamp}v${v}`;
  const pattern = appSecret + body + appSecret;
  const method = input.sign_method ?? 'hmac-sha256';
  if (method !== 'hmac-sha256' && method !== 'md5') throw new Error(`signDoudian: unknown sign_method "${String(method)}" (hmac-sha256 or md5)`);
  const sign = method === 'md5' ? md5Hex(pattern) : await hmacSha256Hex(appSecret, pattern);
  return { sign, param_json: paramJson, signed: SECRET_MARK + body + SECRET_MARK };
}

/** The `event-sign` header of a push: md5(app_key + body + app_secret), lower-case hex. */
export function signDoudianPush(input: { app_key: string; body: string }, appSecret: string): { sign: string; signed: string } {
  if (!appSecret) throw new Error('signDoudianPush: the app secret is empty');
  return { sign: md5Hex(input.app_key + input.body + appSecret), signed: input.app_key + input.body + SECRET_MARK };
}

/**
 * The HMAC variant of the push signature (`sign-method: hmac-sha256` header), seen in one
 * integrator's tests only: hex(HMAC-SHA256(app_secret, app_key + body + app_secret)).
 */
export async function signDoudianPushHmac(input: { app_key: string; body: string }, appSecret: string): Promise<string> {
  return hmacSha256Hex(appSecret, input.app_key + input.body + appSecret);
}

/** Compares two strings in time that depends only on their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export function md5Hex(text: string): string {
  return bytesToHex(md5(encoder.encode(text)));
}

export async function hmacSha256Hex(key: string, text: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return bytesToHex(new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(text))));
}

/**
 * The canonical param_json of an object, or of JSON text (parsed without rounding big numbers).
 *
 * @example
 * canonicalParamJson({ size: 100, page: 0, order_by: 'update_time' }) // '{"order_by":"update_time","page":0,"size":100}'
 * canonicalParamJson('{"b": 1.0, "a": [ {"y":2,"x":1} ]}')          // '{"a":[{"x":1,"y":2}],"b":1}'
 */
export function canonicalParamJson(params: unknown): string {
  if (params === undefined || params === null) return '{}';
  let value: unknown = params;
  if (typeof params === 'string') {
    try {
      value = parseLossless(params);
    } catch (e) {
      throw new ParamJsonError(`param_json is not JSON: ${(e as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isLosslessNumber(value)) {
    throw new ParamJsonError('param_json must be a JSON object');
  }
  return write(value, 0);
}

function write(value: unknown, depth: number): string {
  if (depth > 64) throw new ParamJsonError('param_json is nested too deeply');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new ParamJsonError(`param_json holds ${value}, which JSON cannot carry`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new ParamJsonError(`param_json holds a ${typeof value}`);
  }
  if (isLosslessNumber(value)) return numberLiteral(String((value as { value: string }).value));
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : write(v, depth + 1))).join(',')}]`;
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), depth + 1);
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function');
  entries.sort(([a], [b]) => compareCodePoints(a, b));
  return `{${entries.map(([k, v]) => `${quote(k)}:${write(v, depth + 1)}`).join(',')}}`;
}

/** A number as Go writes it: safe values minimal (1.0 → 1), bigger integers digit for digit. */
function numberLiteral(text: string): string {
  const n = Number(text);
  if (/^-?\d+$/.test(text)) return Number.isSafeInteger(n) ? String(n) : text.replace(/^(-?)0+(?=\d)/, '$1');
  if (!Number.isFinite(n)) throw new ParamJsonError(`param_json holds the number ${text}, which is out of range`);
  return JSON.stringify(n);
}

function quote(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

/** Orders like Go's sort.Strings on UTF-8 bytes: by code point, not by UTF-16 unit. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
