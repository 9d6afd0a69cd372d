/**
 * Aliyun RPC signature, version 1.0 (the "POP" signature of SendSms, QuerySendDetails and every
 * other RPC-style Aliyun API), as Aliyun's signature docs give it:
 *
 *   1. every parameter but `Signature` (common and action ones), sorted by name (code units);
 *   2. name and value percent-encoded as UTF-8, RFC 3986 style: A–Z a–z 0–9 - _ . ~ kept, every
 *      other byte %XY in upper-case hex — so a space is %20 (never +), `*` is %2A, `~` stays;
 *   3. canonicalized  = join("&", encode(name) + "=" + encode(value));
 *   4. StringToSign   = HTTPMethod + "&" + encode("/") + "&" + encode(canonicalized);
 *   5. Signature      = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)).
 *
 * The request then carries `Signature` like any other parameter (percent-encoded in the query or
 * the form body). Tested against the SendSms example of Aliyun's SMS signature docs
 * (`testSecret` → `zJDF+Lrzhj/ThnlvIToysFRq6t4=`) and the DescribeRegions example of the ECS
 * docs (`testsecret` → `CT9X0VtwR86fNWSnsc6v8YGOjuE=`).
 *
 * @example
 * await signAliyunRpc({ Action: 'SendSms', … }, 'POST', accessKeySecret); // 'zJDF+Lrzhj/ThnlvIToysFRq6t4='
 */

export type RpcMethod = 'GET' | 'POST';

/**
 * Aliyun's percent-encoding: encodeURIComponent leaves `! ' ( ) *` alone, which Aliyun encodes.
 *
 * @example
 * percentEncode('a b*c~') // 'a%20b%2Ac~'
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Sorted and encoded parameters, without `Signature`: the query string the signature covers. */
export function canonicalizedQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    // Plain code-unit order, as Java's TreeMap and the SDKs sort (uppercase before lowercase).
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name]!)}`)
    .join('&');
}

/** `GET&%2F&<encoded canonicalized query>`. */
export function stringToSign(params: Record<string, string>, method: RpcMethod): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalizedQuery(params))}`;
}

/**
 * The `Signature` parameter (Base64, not yet percent-encoded) for a request with these
 * parameters. Pure: the caller puts in `Timestamp`, `SignatureNonce` and the rest.
 */
export async function signAliyunRpc(params: Record<string, string>, method: RpcMethod, accessKeySecret: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(`${accessKeySecret}&`), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(stringToSign(params, method))));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * UTC ISO 8601 without milliseconds, as `Timestamp` wants it: `yyyy-MM-ddTHH:mm:ssZ`.
 *
 * @example
 * aliyunTimestamp(Date.parse('2017-07-12T02:42:19.512Z')) // '2017-07-12T02:42:19Z'
 */
export function aliyunTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
