/**
 * A generic signed JSON webhook: for the merchant's own systems (a data warehouse, a CRM) that
 * want each delivery as an HTTP POST. The body is the delivery and the order as it is now; the
 * `Idempotency-Key` header lets the receiver drop repeats, and the signature lets it trust us.
 *
 *   POST {url}
 *   Idempotency-Key: erp.sale_order/tmall/123
 *   Webhook-Timestamp: 1714528800
 *   Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 */
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { retryAfterMs } from '../../core/outbox/http-answer.ts';
export { retryAfterMs } from '../../core/outbox/http-answer.ts';

export interface HttpWebhookConfig {
  url: string;
  /** Signs each request when set. */
  secret?: string;
  timeoutMs?: number;
  limits?: TargetLimits;
}

export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`));
  return `v1=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function createHttpWebhookAdapter(config: HttpWebhookConfig, deps: { fetch: typeof fetch; now?: () => number }): Adapter {
  return {
    idempotent: true,
    ...(config.limits ? { limits: config.limits } : {}),
    async send(delivery: Delivery): Promise<SendOutcome> {
      const body = JSON.stringify({ id: delivery.id, kind: delivery.kind, idempotencyKey: delivery.idempotencyKey, payload: delivery.payload, order: delivery.order ?? null });
      const timestamp = Math.floor((deps.now?.() ?? Date.now()) / 1000);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': delivery.idempotencyKey, 'webhook-timestamp': String(timestamp) };
      if (config.secret) headers['webhook-signature'] = await signWebhook(config.secret, timestamp, body);
      const request = { url: config.url, idempotencyKey: delivery.idempotencyKey };
      let response: Response;
      try {
        response = await deps.fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(config.timeoutMs ?? 10_000) });
      } catch (e) {
        // The receiver dedupes on the key, so a repeat after an ambiguous failure is harmless.
        return { outcome: 'retry', reason: `no response: ${(e as Error).message}`, request };
      }
      const text = await response.text().catch(() => '');
      const summary = { status: response.status, body: text.slice(0, 500) };
      if (response.ok) return { outcome: 'delivered', request, response: summary };
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        return { outcome: 'retry', reason: `HTTP ${response.status}`, afterMs: retryAfterMs(response.headers.get('retry-after'), deps.now?.() ?? Date.now()), request, response: summary };
      }
      return { outcome: 'failed', code: `HTTP ${response.status}`, reason: text.slice(0, 200) || response.statusText, request, response: summary };
    },
  };
}

