/**
 * Youzan Cloud (有赞云) push signatures, both MD5 over `client_id + X + client_secret`, lowercase hex:
 *
 * - `Event-Sign` header: X is the raw request body, byte for byte. The one to trust: it covers
 *   every field of the push (type, id, kdt_id, test, msg …). Source: the demo Youzan's docs link
 *   (doc.youzanyun.com/resource/develop-guide/41355/41536), github cuncle/youzanyun-push-demo
 *   `pushdemo.go` and cuncle/YouzanyunPush `YouzanyunPush.go`.
 * - body field `sign`: X is the `msg` field as sent (still URL-encoded). Youzan's own field notes
 *   say not to rely on it ("不建议使用此字段，可以用请求头中的Event-Sign进行防伪验证",
 *   github TsangJx/YouZanYunSDK `Msg/*.cs`); it covers `msg` only.
 *
 * MD5 comes from @noble/hashes (Web Crypto has none).
 *
 * @example
 * signYouzanPush({ client_id: '1', body: '{"test":1}' }, '2')
 * // { sign: '4a553ae0b22d6ab013ec53ee291d688b', signed: '1{"test":1}', kind: 'event-sign' }
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export type SignInput = { client_id: string; body: string } | { client_id: string; msg: string };

export interface Signature {
  /** Lowercase hex MD5. */
  sign: string;
  /** What was signed, before the client secret that is appended to it (the secret is never returned). */
  signed: string;
  /** Where it goes: the `Event-Sign` header (over the body) or the body's `sign` field (over `msg`). */
  kind: 'event-sign' | 'body-sign';
}

export function md5Hex(text: string): string {
  return bytesToHex(md5(new TextEncoder().encode(text)));
}

/** For `hub sign youzan-push` and the simulator: the signature Youzan would send. */
export function signYouzanPush(input: SignInput, clientSecret: string): Signature {
  const [payload, kind] = 'body' in input ? [input.body, 'event-sign' as const] : [input.msg, 'body-sign' as const];
  const signed = input.client_id + payload;
  return { sign: md5Hex(signed + clientSecret), signed, kind };
}

/** Compares without an early exit, so the time taken says nothing about where the strings differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Whether `offered` (hex, any case) is the MD5 of `client_id + payload + secret`. */
export function signatureMatches(offered: string, clientId: string, payload: string, clientSecret: string): boolean {
  return constantTimeEqual(offered.trim().toLowerCase(), md5Hex(clientId + payload + clientSecret));
}
