/**
 * DingTalk custom robot signing (加签), as the robot docs give it:
 *
 *   stringToSign = timestamp + "\n" + secret      (timestamp: epoch milliseconds, UTF-8)
 *   sign         = urlEncode(base64(HmacSHA256(key = secret, message = stringToSign)))
 *
 * and the request goes to `/robot/send?access_token=…&timestamp=…&sign=…`. The server rejects a
 * timestamp more than an hour away from its clock (310000 "invalid timestamp").
 *
 * @example
 * const sign = await signDingTalk('SEC000…', 1714528800000); // base64, e.g. 'q0sY…='
 * new URLSearchParams({ timestamp: '1714528800000', sign }).toString(); // URL-encodes + / =
 */
export async function signDingTalk(secret: string, timestamp: number): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}\n${secret}`)));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}
