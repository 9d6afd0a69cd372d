/**
 * The self-built app's token request signature (自建应用 getAccessToken): the request's parameters
 * but `signature`, sorted by name, written name then value with nothing between
 * (`appKey<appKey>timestamp<ms>`), HMAC-SHA256 with the app secret as key, Base64. The URL
 * carries it URL-encoded once (URLSearchParams does that).
 * Source: yonyoucloud-open/corp-demo `crypto/SignHelper.java` and its README ("签名算法").
 *
 * @example
 * await signYonyouToken('…secret…', { appKey: '41c1…', timestamp: '1714528800000' })
 * // { signed: 'appKey41c1…timestamp1714528800000', sign: 'aP3v…=' }
 */
export async function signYonyouToken(appSecret: string, params: Record<string, string>): Promise<{ signed: string; sign: string }> {
  const signed = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(appSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(signed)));
  return { signed, sign: btoa(String.fromCharCode(...mac)) };
}
