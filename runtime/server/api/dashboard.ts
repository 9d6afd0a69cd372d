/** The dashboard's numbers in one call: orders, sales, SKUs, provinces, target health, quarantine. */
import { orderStats } from '../../../core/orders/queries.ts';
import { targetHealth } from '../../../core/outbox/queries.ts';
import type { Store } from '../../../core/store/port.ts';
import { defineRoute } from './route.ts';
import { anything, int, list, object, str } from './schemas.ts';

export function dashboardRoutes(store: Store) {
  return [
    defineRoute({
      operationId: 'getDashboard',
      method: 'get',
      path: '/dashboard',
      role: 'viewer',
      tag: 'dashboard',
      summary: 'Orders per minute by channel, sales, top SKUs, orders by province, delivery health per target, open quarantine',
      query: { minutes: { description: 'how far back (default 60)', schema: { type: 'integer', minimum: 1, maximum: 10080 } } },
      response: object({
        since: str,
        orders: object({ perMinute: list(anything), topSkus: list(anything), provinces: list(anything), held: int }),
        targets: list(anything),
        quarantineOpen: int,
      }),
      run: async ({ caller, query }) => {
        const since = new Date(Date.now() - Number(query.minutes ?? 60) * 60_000);
        const [orders, targets, [quarantine]] = await Promise.all([
          orderStats(store, caller.tenant, since),
          targetHealth(store, caller.tenant, since.toISOString()),
          store.query('SELECT count(*) AS n FROM quarantine WHERE tenant = ? AND resolved_at IS NULL', [caller.tenant]),
        ]);
        return { body: { since: since.toISOString(), orders, targets, quarantineOpen: Number(quarantine?.n ?? 0) } };
      },
    }),
  ];
}
