/**
 * The Hono app: the front door for channel pushes (one route per channel and shop, answered in
 * each platform's expected format), the POS upload, health, and the admin API under /api. The
 * Workers entry serves the same app.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { credentialsNeedAttention } from '../../core/connector/types.ts';
import type { Pipeline } from '../../core/ingest/pipeline.ts';
import type { Store } from '../../core/store/port.ts';
import { mountAdminApi, type ApiDeps } from './api/index.ts';
import { collectMetrics, formatMetrics } from './metrics.ts';
import { receivePush, type ShopBinding } from '../intake.ts';
import { receiveKuaidi100Callback, receiveQimenConfirm, receiveSfRoutePush, type QimenCallbackTarget, type SfRouteTarget } from './callbacks.ts';

export interface AppDeps {
  store: Store;
  pipeline: Pipeline;
  shops: ShopBinding[];
  /** WMS targets that call back (deliveryorder.confirm), by target name. */
  qimen?: Record<string, QimenCallbackTarget>;
  /** SF targets whose route push comes back here, by target name. */
  sf?: Record<string, SfRouteTarget>;
  /** Kuaidi100 targets whose tracking callbacks come back here (the salt signs them). */
  kuaidi100?: Record<string, { salt: string }>;
  /** The admin API: each channel's mapping (for the playground) and the declared attributes. */
  api?: Omit<ApiDeps, 'store' | 'pipeline'>;
  /** Serves the built console (index.html and /assets/*); the runtime entry brings its own way of reading files. */
  console?: MiddlewareHandler;
  log?: (entry: Record<string, unknown>) => void;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const log = deps.log ?? (() => undefined);
  const byRoute = new Map(deps.shops.map((s) => [`${s.channel}/${s.shop}`, s]));

  app.get('/healthz', (c) => c.json({ ok: true }));

  // Ready when the database answers: a load balancer sends nothing before that.
  app.get('/readyz', async (c) => {
    try {
      const [row] = await deps.store.query('SELECT max(version) AS version FROM schema_migrations');
      return c.json({ ready: true, schema: Number(row?.version ?? 0) });
    } catch (error) {
      return c.json({ ready: false, reason: (error as Error).message }, 503);
    }
  });

  // Pushes are counted here, in the process that answered them: a refused push writes nothing,
  // so a flood of forged ones cannot turn into database writes.
  const pushes = new Map<string, { labels: Record<string, string>; value: number }>();
  const countPush = (labels: Record<string, string>) => {
    const key = Object.values(labels).join('\u0000');
    const entry = pushes.get(key) ?? { labels, value: 0 };
    entry.value++;
    pushes.set(key, entry);
  };

  app.get('/metrics', async (c) => {
    const families = await collectMetrics(deps.store);
    families.push({ name: 'hub_push_requests_total', help: 'Channel pushes this process answered, by outcome: accepted, replayed (a message already handled), rejected (bad signature, stale timestamp, malformed).', type: 'counter', samples: [...pushes.values()] });
    return c.body(formatMetrics(families), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  if (deps.console) {
    app.get('/', deps.console);
    app.get('/assets/*', deps.console);
  }

  if (deps.api) mountAdminApi(app, { store: deps.store, pipeline: deps.pipeline, ...deps.api });

  // Each shop's credentials: a token about to expire or failing to refresh stops its orders.
  app.get('/shops/health', (c) =>
    c.json(
      deps.shops.map(({ tenant, channel, shop, connector, pacer, lastSweep }) => {
        const health = connector.health?.();
        const decrypt = connector.quota?.decrypt ?? null;
        const calls = pacer ? { app: pacer.app, heldForMs: pacer.heldFor() } : null;
        return {
          tenant,
          channel,
          shop,
          credentials: health ?? null,
          decrypt,
          calls,
          lastSweep: lastSweep ?? null,
          warning: (health ? credentialsNeedAttention(health) : false) || Boolean(decrypt?.exhausted) || Boolean(calls?.heldForMs) || Boolean(lastSweep?.found || lastSweep?.error),
        };
      }),
    ),
  );

  app.post('/webhooks/:channel/:shop', async (c) => {
    const binding = byRoute.get(`${c.req.param('channel')}/${c.req.param('shop')}`);
    if (!binding) return c.json({ error: 'no such channel shop' }, 404);
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
    const outcome = await receivePush(deps.store, deps.pipeline, binding, { method: c.req.method, headers, query: c.req.query(), body: await c.req.text() });
    log({ event: outcome.rejected ? 'push.rejected' : 'push.received', channel: binding.channel, shop: binding.shop, reason: outcome.rejected, ingested: outcome.ingested, queued: outcome.queued, replayed: outcome.replayed });
    countPush({ tenant: binding.tenant, channel: binding.channel, shop: binding.shop, outcome: outcome.rejected ? 'rejected' : outcome.replayed ? 'replayed' : 'accepted' });
    return new Response(outcome.body, { status: outcome.status, headers: outcome.headers ?? {} });
  });

  app.post('/callbacks/:tenant/qimen/:target', async (c) => {
    const target = c.req.param('target');
    const config = deps.qimen?.[target];
    if (!config) return c.text('no such WMS target', 404);
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
    const outcome = await receiveQimenConfirm(deps, c.req.param('tenant'), target, config, { query: c.req.query(), body: await c.req.text(), headers });
    log({ event: 'wms.confirm', target, note: outcome.note });
    return new Response(outcome.body, { status: outcome.status, headers: { 'content-type': 'text/xml; charset=utf-8' } });
  });

  app.post('/callbacks/:tenant/sf/:target', async (c) => {
    const target = c.req.param('target');
    const config = deps.sf?.[target];
    if (!config) return c.text('no such SF target', 404);
    const outcome = await receiveSfRoutePush(deps, c.req.param('tenant'), target, config, { url: c.req.url, contentType: c.req.header('content-type') ?? null, body: await c.req.text() });
    log({ event: 'carrier.route', target, note: outcome.note });
    return new Response(outcome.body, { status: outcome.status, headers: { 'content-type': outcome.contentType } });
  });

  app.post('/callbacks/:tenant/kuaidi100/:target', async (c) => {
    const target = c.req.param('target');
    const config = deps.kuaidi100?.[target];
    if (!config) return c.text('no such Kuaidi100 target', 404);
    const outcome = await receiveKuaidi100Callback(deps, c.req.param('tenant'), target, config, await c.req.text());
    log({ event: 'carrier.tracking', target, note: outcome.note });
    return new Response(outcome.body, { status: outcome.status, headers: { 'content-type': outcome.contentType } });
  });

  app.post('/pos/:shop/sales', async (c) => {
    const shop = c.req.param('shop');
    const binding = byRoute.get(`pos/${shop}`);
    if (!binding) return c.json({ error: 'no such POS shop' }, 404);
    // Store systems export GBK as often as UTF-8: the charset of the request says which.
    const charset = /charset=([\w-]+)/i.exec(c.req.header('content-type') ?? '')?.[1] ?? 'utf-8';
    const text = new TextDecoder(charset).decode(await c.req.arrayBuffer());
    const result = await deps.pipeline.ingest({ tenant: binding.tenant, channel: 'pos', shop, payload: text, meta: { contentType: c.req.header('content-type') ?? null } });
    return c.json(result, result.quarantined ? 422 : 200);
  });

  return app;
}
