/**
 * Shops whose credentials need a person (a token due, expired, or failing to refresh): logged
 * every check, and, when hub.yaml names a `notices.credentials` bot, announced to it once a
 * day per shop and state, through the outbox like any other delivery.
 */
import { credentialsNeedAttention } from '../core/connector/types.ts';
import { newId } from '../core/ids.ts';
import type { Store } from '../core/store/port.ts';
import type { ShopBinding } from './intake.ts';

export async function checkCredentials(store: Store, shops: ShopBinding[], options: { target?: string; log: (entry: Record<string, unknown>) => void; now?: Date }): Promise<number> {
  const now = options.now ?? new Date();
  const at = now.toISOString();
  // The day as Beijing sees it: one notice a day means one a merchant's day.
  const day = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const rows = [];
  for (const { tenant, channel, shop, connector } of shops) {
    const health = connector.health?.();
    if (!health || !credentialsNeedAttention(health)) continue;
    options.log({ event: 'credentials.warning', channel, shop, ...health.token });
    if (!options.target) continue;
    const state = health.token.consecutiveRefreshFailures > 0 && health.token.state === 'valid' ? 'refresh-failing' : health.token.state;
    const payload = { channel, shop, state, expiresAt: health.token.expiresAt, lastRefreshError: health.token.lastRefreshError, consecutiveRefreshFailures: health.token.consecutiveRefreshFailures };
    rows.push({
      sql: `INSERT INTO outbox (tenant, id, target, kind, idempotency_key, payload, status, priority, next_attempt_at, created_at, updated_at)
            VALUES (?, ?, ?, 'notify.credentials', ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT DO NOTHING`,
      args: [tenant, newId('dlv', now.getTime()), options.target, `notify.credentials/${channel}/${shop}/${state}/${day}`, JSON.stringify(payload), at, at, at],
    });
  }
  if (rows.length === 0) return 0;
  return (await store.batch(rows)).reduce((n, changed) => n + changed, 0);
}
