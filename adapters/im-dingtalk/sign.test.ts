import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDingTalk } from './sign.ts';

/** The documented recipe, computed independently: HmacSHA256(secret, `${timestamp}\n${secret}`) → base64. */
function reference(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

describe('DingTalk 加签', () => {
  it('matches the documented recipe for a fixed vector', async () => {
    const secret = 'SECb6c8a0d9b7a5e2e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829';
    const timestamp = 1714528800000;
    const sign = await signDingTalk(secret, timestamp);
    expect(sign).toBe(reference(secret, timestamp));
    expect(sign).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // URL-encoded as the docs' Java (URLEncoder) and Python (quote_plus) do: + / = escaped.
    expect(new URLSearchParams({ sign }).toString()).toBe(`sign=${encodeURIComponent(sign)}`);
  });

  it('uses the timestamp as given (milliseconds) and UTF-8 for non-ASCII secrets', async () => {
    for (const [secret, timestamp] of [['this is secret', 1577836800000], ['SEC密钥ü', 1714528800123]] as const) {
      expect(await signDingTalk(secret, timestamp)).toBe(reference(secret, timestamp));
    }
    expect(await signDingTalk('s', 1)).not.toBe(await signDingTalk('s', 2));
  });
});
