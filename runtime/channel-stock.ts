/**
 * Channel stock deliveries (their target is the channel's name) go out through that tenant's
 * shops of the channel, each naming the SKU by its own listing id, learned from its orders
 * (channel_skus). A SKU a shop never sold is skipped for it: its listing id is unknown.
 */
import type { Adapter, SendOutcome } from '../core/outbox/types.ts';
import type { Store } from '../core/store/port.ts';
import type { ShopBinding } from './intake.ts';

/** The outcome that decides for several shops: a refusal, else a retry, else an unknown, else delivered. */
const RANK: Record<SendOutcome['outcome'], number> = { failed: 3, retry: 2, unknown: 1, delivered: 0 };

export function channelStockAdapters(store: Store, shops: ShopBinding[]): Record<string, Adapter> {
  const byChannel = new Map<string, ShopBinding[]>();
  for (const binding of shops) if (binding.connector.updateStock) byChannel.set(binding.channel, [...(byChannel.get(binding.channel) ?? []), binding]);
  return Object.fromEntries(
    [...byChannel].map(([channel, bindings]): [string, Adapter] => [
      channel,
      {
        limits: bindings[0]!.connector.limits,
        // A stock update sets the number, never adds to it: sending it again is harmless.
        idempotent: true,
        async send(delivery) {
          const { sku, available } = delivery.payload as { sku: string; available: number };
          const known = await store.query('SELECT shop, channel_sku_id FROM channel_skus WHERE tenant = ? AND channel = ? AND sku = ?', [delivery.tenant, channel, sku]);
          const ids = new Map(known.map((k) => [String(k.shop), String(k.channel_sku_id)]));
          const targets = bindings.filter((b) => b.tenant === delivery.tenant && ids.has(b.shop));
          if (targets.length === 0) return { outcome: 'delivered', response: { skipped: `no ${channel} shop has sold ${sku} yet, so its listing id is unknown` } };
          const outcomes = await Promise.all(targets.map(async (b) => ({ shop: b.shop, ...(await b.connector.updateStock!({ sku, available, channelSkuId: ids.get(b.shop)! })) })));
          const worst = outcomes.reduce((a, b) => (RANK[b.outcome] > RANK[a.outcome] ? b : a));
          const request = outcomes.map((o) => ({ shop: o.shop, request: o.request }));
          const response = outcomes.map((o) => ({ shop: o.shop, outcome: o.outcome, ...('response' in o ? { response: o.response } : {}), ...('reason' in o ? { reason: o.reason } : {}) }));
          if (worst.outcome === 'delivered') return { outcome: 'delivered', request, response };
          const reason = `${worst.shop}: ${worst.reason}`;
          if (worst.outcome === 'unknown') return { outcome: 'unknown', reason, request };
          if (worst.outcome === 'retry') return { outcome: 'retry', reason, request, response, ...(worst.afterMs !== undefined ? { afterMs: worst.afterMs } : {}), ...(worst.pauseTarget ? { pauseTarget: true } : {}) };
          return { outcome: 'failed', reason, ...(worst.code ? { code: worst.code } : {}), request, response };
        },
      },
    ]),
  );
}
