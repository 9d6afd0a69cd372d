import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { javaUrlEncode, msgDigest, safeEqual } from './sign.ts';

/** An independent msgDigest: encodeURIComponent adjusted to Java's URLEncoder, node:crypto MD5. */
function reference(msgData: string, timestamp: string, checkWord: string): string {
  const encoded = encodeURIComponent(msgData + timestamp + checkWord)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return createHash('md5').update(encoded, 'utf8').digest('base64');
}

describe('SF msgDigest', () => {
  it('reproduces the vector of SF\'s 数字签名 guide', () => {
    // open.sf-express.com 数字签名认证说明: msgData, timestamp 12312334453453, checkWord fjcg5… → IIKJtuLVzoFTu4kHI8M8vA==
    expect(msgDigest('{"language":"zh-CN","orderId":"QIAO-20200618-004"}', '12312334453453', 'fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci')).toBe('IIKJtuLVzoFTu4kHI8M8vA==');
  });

  it('signs the URL-encoded text, not the raw one (the raw MD5 differs)', () => {
    const raw = createHash('md5').update('{"language":"zh-CN","orderId":"QIAO-20200618-004"}12312334453453fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci').digest('base64');
    expect(raw).toBe('OwYXm3XG9fjHK7A+/t7Ckw==');
    expect(msgDigest('{"language":"zh-CN","orderId":"QIAO-20200618-004"}', '12312334453453', 'fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci')).not.toBe(raw);
  });

  it('encodes like java.net.URLEncoder: space as +, + as %2B, * kept, ~ escaped, UTF-8 bytes in upper-case hex', () => {
    expect(javaUrlEncode('中 *~+')).toBe('%E4%B8%AD+*%7E%2B');
    expect(javaUrlEncode('a-b_c.d*e')).toBe('a-b_c.d*e');
    expect(javaUrlEncode("!'()&=/?:#")).toBe('%21%27%28%29%26%3D%2F%3F%3A%23');
    expect(javaUrlEncode('😀')).toBe('%F0%9F%98%80');
  });

  it('matches an independent implementation on payloads with spaces, +, &, quotes, Chinese and emoji', () => {
    const payloads = [
      '{"orderId":"OH1","contactInfoList":[{"contact":"张 三","address":"文一西路 100号 3+1室 & 后门"}]}',
      '{"remark":"it\'s (fragile) ~ handle *with* care!","cargoDetails":[{"name":"T恤 XL 😀","count":2}]}',
      '{"a":"%41 already-encoded? no: %2B"}',
    ];
    for (const msgData of payloads) expect(msgDigest(msgData, '1716170400123', 'ehpA2SxjBT0M0QY74VktZbPSx41xO9gt')).toBe(reference(msgData, '1716170400123', 'ehpA2SxjBT0M0QY74VktZbPSx41xO9gt'));
  });

  it('depends on every byte of msgData, so the sent text must be the signed text', () => {
    const compact = '{"language":"zh-CN","orderId":"QIAO-20200618-004"}';
    const spaced = '{"language": "zh-CN", "orderId": "QIAO-20200618-004"}';
    expect(msgDigest(spaced, '12312334453453', 'fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci')).not.toBe(msgDigest(compact, '12312334453453', 'fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci'));
  });

  it('compares secrets in constant time', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
