/**
 * SF's msgDigest (丰桥 数字签名), exactly as the official SDKs compute it:
 *
 *     msgDigest = Base64( MD5( URLEncoder.encode(msgData + timestamp + checkWord, "UTF-8") ) )
 *
 * The URL encoding is Java's `java.net.URLEncoder` (form encoding): `A-Z a-z 0-9 . - * _` stay,
 * a space becomes `+`, every other byte of the UTF-8 text becomes `%XX` with upper-case hex. So
 * `+` becomes `%2B`, `~` becomes `%7E` and `*` stays `*` (the official Python sample's
 * `quote_plus` agrees except for `~` and `*`, which SF's error table lists as trouble spots).
 * The MD5 is of the ASCII bytes of that encoded text; the Base64 is standard, with padding.
 *
 * `msgData` is signed as the exact string that is sent: never re-serialise it between signing
 * and sending.
 *
 * @example
 * msgDigest('{"language":"zh-CN","orderId":"QIAO-20200618-004"}', '12312334453453', 'fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci')
 * // 'IIKJtuLVzoFTu4kHI8M8vA==' (the vector in SF's 数字签名 guide)
 */
import { md5 } from '@noble/hashes/legacy.js';

const HEX = '0123456789ABCDEF';

/** Java's URLEncoder.encode(text, "UTF-8"). */
export function javaUrlEncode(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2e || byte === 0x2d || byte === 0x2a || byte === 0x5f) {
      out += String.fromCharCode(byte);
    } else if (byte === 0x20) {
      out += '+';
    } else {
      out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
    }
  }
  return out;
}

/** Standard Base64 (with padding) of raw bytes. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function msgDigest(msgData: string, timestamp: string, checkWord: string): string {
  return base64(md5(new TextEncoder().encode(javaUrlEncode(msgData + timestamp + checkWord))));
}

/** Compares two strings in time that depends only on their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
