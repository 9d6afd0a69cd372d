/**
 * `hub serve`: the Node entry. One process runs the HTTP front door, a poller per shop that
 * pulls, the fetcher for orders pushes only named, and the delivery engine.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import { DEFAULT_ORDER_ID_PREFIX } from '../adapters/carrier-sf/order-id.ts';
import { Dispatcher } from '../core/outbox/index.ts';
import type { HubConfig } from './config.ts';
import { checkCredentials } from './credential-notices.ts';
import { queueDailySummaries } from './daily-summary.ts';
import { bindShops } from './connectors.ts';
import type { DataKey } from '../core/order/sealing.ts';
import { mappingFileOf, openHub } from './hub.ts';
import { createLog } from './log.ts';
import { fetchNamedOrders } from './intake.ts';
import { DEFAULT_PULL, pullShop, sweepShop } from './poller.ts';
import { createApp } from './server/app.ts';
import { watchMappings } from './mapping-reload.ts';
import { deliveryAdapters, dispatcherOptions } from './targets.ts';

const CONSOLE_DIST = fileURLToPath(new URL('./console/dist/', import.meta.url));

/** The built console from runtime/console/dist, or a page that says how to build it. */
function consoleAssets(): MiddlewareHandler {
  if (!existsSync(CONSOLE_DIST)) return async (c) => c.text('The console is not built: run `npm run build:console` (npm start does it first).', 503);
  return serveStatic({ root: CONSOLE_DIST });
}

/** The no-missed-orders sweep: hourly, over the last day the pull has finished. */
const DEFAULT_SWEEP = { everyMinutes: 60, hours: 24 };

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export interface Running {
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: HubConfig, options: { host?: string; port?: number; url?: string; log?: (e: Record<string, unknown>) => void; dataKeys?: DataKey[] } = {}): Promise<Running> {
  const log = options.log ?? createLog();
  const hub = await openHub(config, { ...(options.url ? { url: options.url } : {}), ...(options.dataKeys ? { dataKeys: options.dataKeys } : {}), storeThread: true });
  const shops = bindShops(config);
  // WMS targets that confirm shipments call back on /callbacks/<tenant>/qimen/<target>.
  const qimen = Object.fromEntries(
    Object.entries(config.targets)
      .filter(([, t]) => t.adapter === 'wms-qimen')
      .map(([name, t]) => [name, { secret: String(t.appSecret ?? ''), codePrefix: typeof t.codePrefix === 'string' ? t.codePrefix : 'DO-' }]),
  );
  // SF targets with a pushToken take route pushes on /callbacks/<tenant>/sf/<target>?token=….
  const sf = Object.fromEntries(
    Object.entries(config.targets)
      .filter(([, t]) => t.adapter === 'carrier-sf' && typeof t.pushToken === 'string' && t.pushToken)
      .map(([name, t]) => [name, { pushToken: String(t.pushToken), orderIdPrefix: typeof t.orderIdPrefix === 'string' ? t.orderIdPrefix : DEFAULT_ORDER_ID_PREFIX }]),
  );
  const kuaidi100 = Object.fromEntries(
    Object.entries(config.targets)
      .filter(([, t]) => t.adapter === 'tracking-kuaidi100')
      .map(([name, t]) => [name, { salt: String(t.salt ?? '') }]),
  );
  // The playground runs what the pipeline runs, reloads included.
  const mappings = Object.keys(hub.channels).map((channel) => ({ channel, file: mappingFileOf(config, channel), get setup() { return hub.channels[channel]!; } }));
  const stopWatching = watchMappings(hub.channels, config, log);
  const app = createApp({ store: hub.store, pipeline: hub.pipeline, shops, qimen, sf, kuaidi100, log, api: { mappings, attributes: config.attributes, ...(hub.sealer ? { sealer: hub.sealer } : {}) }, console: consoleAssets() });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: options.host ?? '127.0.0.1', port: options.port ?? 8080 }, () => resolve(s));
  });
  const address = server.address();
  const url = typeof address === 'object' && address ? `http://${address.address}:${address.port}` : '';
  log({ event: 'server.started', url, shops: shops.map((s) => `${s.channel}/${s.shop}`) });

  const timers: Array<ReturnType<typeof setInterval>> = [];
  for (const [i, binding] of shops.entries()) {
    const pull = config.shops[i]!.pull;
    if (!pull || !binding.connector.pull) continue;
    // Pulls and sweeps of a shop take turns: both move its cursors.
    let busy = false;
    const firstFrom = pull.since ? new Date(pull.since) : new Date(Date.now() - 24 * 3600_000);
    const { sweep, ...window } = pull;
    const run = (what: string, work: () => Promise<void>) => async () => {
      // While the platform holds the app (a ban), asking again only lengthens it.
      if (busy || (binding.pacer?.heldFor() ?? 0) > 0) return;
      busy = true;
      try {
        await work();
      } catch (error) {
        log({ event: `${what}.failed`, channel: binding.channel, shop: binding.shop, error: errorMessage(error) });
      } finally {
        busy = false;
      }
    };
    const pullOnce = run('pull', async () => {
      const report = await pullShop(hub.store, hub.pipeline, binding, { ...DEFAULT_PULL, ...window, firstFrom });
      if (report.orders || report.error) log({ event: 'pull', channel: binding.channel, shop: binding.shop, ...report });
    });
    // The first pull at start, not a period later: a restarted hub catches up at once.
    timers.push(setTimeout(pullOnce, 0), setInterval(pullOnce, (pull.everySeconds ?? 60) * 1000));
    if (sweep?.everyMinutes === 0) continue;
    timers.push(
      setInterval(
        run('sweep', async () => {
          // The sweep reads again what the regular pull has finished, back `hours` from there.
          const [row] = await hub.store.query('SELECT done_to FROM pull_cursors WHERE tenant = ? AND channel = ? AND shop = ?', [binding.tenant, binding.channel, binding.shop]);
          if (!row?.done_to) return;
          const to = new Date(String(row.done_to));
          const report = await sweepShop(hub.store, hub.pipeline, binding, new Date(to.getTime() - (sweep?.hours ?? DEFAULT_SWEEP.hours) * 3600_000), to);
          binding.lastSweep = { ...report, at: new Date().toISOString() };
          log({ event: report.found ? 'sweep.warning' : 'sweep', channel: binding.channel, shop: binding.shop, ...report });
        }),
        (sweep?.everyMinutes ?? DEFAULT_SWEEP.everyMinutes) * 60_000,
      ),
    );
  }
  timers.push(
    setInterval(() => {
      fetchNamedOrders(hub.store, hub.pipeline, shops).catch((error) => log({ event: 'fetch.failed', error: errorMessage(error) }));
    }, 2000),
  );
  timers.push(
    setInterval(() => {
      checkCredentials(hub.store, shops, { log, ...(config.notices?.credentials ? { target: config.notices.credentials } : {}) }).catch((error) => log({ event: 'credentials.check_failed', error: errorMessage(error) }));
    }, 60_000),
  );
  const tenants = [...new Set(shops.map((s) => s.tenant).concat('default'))];
  const summary = config.notices?.dailySummary;
  if (summary) {
    timers.push(
      setInterval(() => {
        queueDailySummaries(hub.store, { tenants, targets: summary.targets, ...(summary.at ? { at: summary.at } : {}) }).catch((error) => log({ event: 'daily_summary.failed', error: errorMessage(error) }));
      }, 60_000),
    );
  }
  const dispatcher = new Dispatcher(hub.store, await deliveryAdapters(config, hub.store, shops), { tenants, ...dispatcherOptions(config), ...(hub.sealer ? { sealer: hub.sealer } : {}), onError: (error) => log({ event: 'delivery.round_failed', error: errorMessage(error) }) });
  dispatcher.start();

  return {
    url,
    async stop() {
      stopWatching();
      for (const t of timers) clearInterval(t);
      await dispatcher.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
    },
  };
}
