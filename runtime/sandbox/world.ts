/**
 * `hub serve --sandboxes`: the platforms and targets of hub.yaml that sit on loopback, played by
 * the simulators in connectors/<channel>/sandbox and adapters/<target>/sandbox, each started
 * on its configured port with the credentials the hub was configured with. Then a little
 * traffic: buyers order on every platform, the site and the store send theirs, and the WMS
 * ships what it was asked to.
 */
import { randomBytes } from 'node:crypto';
import { CATALOG as TMALL_CATALOG } from '../../connectors/tmall/sandbox/trades.ts';
import { startTmallSandbox } from '../../connectors/tmall/sandbox/server.ts';
import { startJdSandbox } from '../../connectors/jd/sandbox/server.ts';
import { beijing, CATALOGUE as JD_CATALOG, generateOrders as generateJdOrders } from '../../connectors/jd/sandbox/orders.ts';
import { startDouyinSandbox } from '../../connectors/douyin/sandbox/server.ts';
import { PRODUCTS as DOUYIN_PRODUCTS } from '../../connectors/douyin/sandbox/orders.ts';
import { CATALOG as YOUZAN_CATALOG, startYouzanSandbox } from '../../connectors/youzan/sandbox/server.ts';
import { startKingdeeSandbox } from '../../adapters/erp-kingdee/sandbox/server.ts';
import { startQimenSandbox, type QimenSandbox } from '../../adapters/wms-qimen/sandbox/server.ts';
import { startSfSandbox } from '../../adapters/carrier-sf/sandbox/server.ts';
import { startDingTalkSandbox } from '../../adapters/im-dingtalk/sandbox/server.ts';
import { startWeComSandbox } from '../../adapters/im-wecom/sandbox/server.ts';
import type { Pipeline } from '../../core/ingest/pipeline.ts';
import type { Store } from '../../core/store/port.ts';
import type { HubConfig, ShopEntry, TargetConfig } from '../config.ts';
import { siteOrder, storeSale, WORLD_SKUS } from './traffic.ts';
import { signStandardWebhook } from '../../connectors/webhook/index.ts';

/**
 * The environment for a sandbox run: what the real one has, and a made-up value (48 hex
 * digits: fits every credential format, base64 included) for each name it lacks.
 */
export function sandboxEnv(env: Record<string, string | undefined>, madeUp: Record<string, string> = {}): Record<string, string | undefined> {
  return new Proxy(env, {
    get: (target, name) => (typeof name !== 'string' ? undefined : (target[name] ?? (madeUp[name] ??= randomBytes(24).toString('hex')))),
  });
}

/** The SKUs every simulator sells, as the hub's mappings name them (merchant codes). */
export function sandboxSkus(): string[] {
  return [
    ...new Set([
      ...TMALL_CATALOG.map((s) => s.outerSkuId ?? s.outerIid),
      ...JD_CATALOG.map((s) => s.outerSkuId),
      // The Douyin simulator numbers each product's SKU codes by the line they sit on.
      ...DOUYIN_PRODUCTS.flatMap((p) => [0, 1, 2].map((line) => `${p.code}-${line}`)),
      ...YOUZAN_CATALOG.flatMap((item) => item.skus.map((s) => s.outerSkuId || item.outerItemId)),
      ...WORLD_SKUS.map((s) => s.sku),
    ]),
  ];
}

interface Simulator {
  name: string;
  url: string;
  /** Buyers place orders (pull channels). */
  newOrders?: (count: number) => string[];
  close(): Promise<void>;
}

const loopbackPort = (url: unknown): number | null => {
  if (typeof url !== 'string' || !url) return null;
  const parsed = new URL(url);
  return ['127.0.0.1', 'localhost'].includes(parsed.hostname) && parsed.port ? Number(parsed.port) : null;
};

const text = (entry: Record<string, unknown>, key: string) => String(entry[key] ?? '');
const MINUTE = 60_000;

async function startChannel(shop: ShopEntry, port: number): Promise<Simulator | null> {
  const now = Date.now();
  switch (shop.channel) {
    case 'tmall':
    case 'taobao': {
      const sim = await startTmallSandbox({ port, appKey: text(shop, 'appKey'), appSecret: text(shop, 'appSecret'), session: text(shop, 'session'), trades: 24, window: { from: now - 30 * MINUTE, to: now - MINUTE } });
      return { name: `${shop.channel}/${shop.shop}`, url: sim.url, newOrders: sim.newOrders, close: sim.close };
    }
    case 'jd': {
      const orders = generateJdOrders({ count: 24, from: beijing(now - 30 * MINUTE), spanSeconds: 29 * 60 });
      const sim = await startJdSandbox({ port, appKey: text(shop, 'appKey'), appSecret: text(shop, 'appSecret'), accessToken: text(shop, 'accessToken'), orders });
      return { name: `jd/${shop.shop}`, url: sim.url, newOrders: sim.newOrders, close: sim.close };
    }
    case 'douyin': {
      const sim = await startDouyinSandbox({ port, appKey: text(shop, 'appKey'), appSecret: text(shop, 'appSecret'), accessToken: text(shop, 'accessToken'), orders: 24, from: Math.floor((now - 30 * MINUTE) / 1000), to: Math.floor((now - MINUTE) / 1000), seed: now % 100_000 });
      return { name: `douyin/${shop.shop}`, url: sim.url, newOrders: sim.newOrders, close: sim.close };
    }
    case 'youzan': {
      const sim = await startYouzanSandbox({ port, clientId: text(shop, 'clientId'), clientSecret: text(shop, 'clientSecret'), kdtId: Number(shop.kdtId), generate: { count: 24, from: now - 30 * MINUTE, to: now - MINUTE, seed: now % 100_000 } });
      return { name: `youzan/${shop.shop}`, url: sim.url, newOrders: sim.newOrders, close: sim.close };
    }
    default:
      return null;
  }
}

async function startTarget(name: string, target: TargetConfig, port: number): Promise<(Simulator & { qimen?: QimenSandbox }) | null> {
  switch (target.adapter) {
    case 'erp-kingdee': {
      const auth = target.auth as { kind: string; username: string; password?: string; appId?: string; appSecret?: string };
      const sim = await startKingdeeSandbox({
        port,
        acctId: text(target, 'acctId'),
        ...(auth.kind === 'app-secret' ? { apps: { [auth.appId!]: { username: auth.username, appSecret: auth.appSecret! } } } : { users: { [auth.username]: auth.password! } }),
      });
      return { name, url: sim.url, close: sim.close };
    }
    case 'wms-qimen': {
      const sim = await startQimenSandbox({ port, appKey: text(target, 'appKey'), appSecret: text(target, 'appSecret'), customerId: text(target, 'customerId') });
      return { name, url: sim.url, close: sim.close, qimen: sim };
    }
    case 'carrier-sf': {
      const sim = await startSfSandbox({ port, partners: { [text(target, 'partnerId')]: text(target, 'checkWord') } });
      return { name, url: sim.url, close: sim.close };
    }
    case 'im-dingtalk': {
      const sim = await startDingTalkSandbox({ port, accessToken: text(target, 'accessToken'), ...(target.secret ? { secret: text(target, 'secret') } : {}) });
      return { name, url: sim.url, close: sim.close };
    }
    case 'im-wecom': {
      const sim = await startWeComSandbox({ port, key: text(target, 'key') });
      return { name, url: sim.url, close: sim.close };
    }
    default:
      return null;
  }
}

export interface SandboxWorld {
  /** What runs where: `tmall/flagship → http://127.0.0.1:9101/router/rest` … */
  simulators: Array<{ name: string; url: string }>;
  /** Starts the traffic against the running hub. */
  drive(hubUrl: string, options?: { everyMs?: number }): void;
  close(): Promise<void>;
}

export async function startSandboxWorld(config: HubConfig, log: (entry: Record<string, unknown>) => void): Promise<SandboxWorld> {
  const started: Array<Simulator & { qimen?: QimenSandbox; tenant?: string }> = [];
  const closeAll = () => Promise.all(started.map((s) => s.close().catch(() => undefined)));
  try {
    for (const shop of config.shops) {
      const port = loopbackPort(shop.baseUrl);
      const sim = port ? await startChannel(shop, port) : null;
      if (sim) started.push(sim);
    }
    for (const [name, target] of Object.entries(config.targets)) {
      const port = loopbackPort(target.baseUrl);
      const sim = port ? await startTarget(name, target, port) : null;
      if (sim) started.push(sim);
    }
  } catch (error) {
    await closeAll();
    const e = error as NodeJS.ErrnoException & { port?: number };
    throw e.code === 'EADDRINUSE' ? new Error(`a simulator cannot listen on port ${e.port}: something else uses it (another hub serve --sandboxes?)`) : error;
  }

  const timers: Array<ReturnType<typeof setInterval>> = [];
  const site = config.shops.filter((s) => s.channel === 'webhook' && typeof s.secret === 'string');
  const stores = config.shops.filter((s) => s.channel === 'pos');
  const qimens = started.filter((s) => s.qimen);
  let tick = 0;

  return {
    simulators: started.map(({ name, url }) => ({ name, url })),
    drive(hubUrl, options = {}) {
      const seen = new Set<string>();
      const confirmed = new Set<string>();
      const round = async () => {
        tick++;
        for (const sim of started) sim.newOrders?.(1);
        for (const shop of site) {
          const body = JSON.stringify(siteOrder(tick));
          const id = `msg_${Date.now()}_${tick}`;
          const timestamp = String(Math.floor(Date.now() / 1000));
          const { sign } = await signStandardWebhook({ id, timestamp, payload: body }, String(shop.secret));
          await fetch(`${hubUrl}/webhooks/webhook/${shop.shop}`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': sign }, body });
        }
        for (const shop of stores) {
          await fetch(`${hubUrl}/pos/${shop.shop}/sales`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(storeSale(shop.shop, tick)) });
        }
        // The warehouse ships what it received a round ago, and says so.
        for (const { name, qimen } of qimens) {
          for (const [code, order] of qimen!.orders) {
            if (confirmed.has(code) || order.status !== 'NEW') continue;
            if (!seen.has(code)) {
              seen.add(code);
              continue;
            }
            confirmed.add(code);
            await qimen!.sendConfirm(`${hubUrl}/callbacks/${config.shops[0]?.tenant ?? 'default'}/qimen/${name}`, code);
          }
        }
      };
      let busy = false;
      timers.push(
        setInterval(() => {
          if (busy) return;
          busy = true;
          round()
            .catch((error) => log({ event: 'sandbox.traffic_failed', error: (error as Error).message }))
            .finally(() => (busy = false));
        }, options.everyMs ?? 3000),
      );
    },
    async close() {
      for (const t of timers) clearInterval(t);
      await closeAll();
    },
  };
}

/**
 * A first run's stock: 200 of every simulator SKU at each warehouse (and 20 in the store), put
 * through the audited adjustment path so the channels are told. Does nothing when the tenant
 * has stock already.
 */
export async function seedSandboxStock(hub: { store: Store; pipeline: Pipeline }, config: HubConfig, tenant = 'default'): Promise<number> {
  const [any] = await hub.store.query('SELECT 1 AS x FROM stock_levels WHERE tenant = ? LIMIT 1', [tenant]);
  if (any) return 0;
  const locations = config.routing?.locations ?? [];
  const lines = sandboxSkus().flatMap((sku) => locations.map((l) => ({ sku, location: l.id, set: l.kind === 'store' ? 20 : 200 })));
  if (lines.length === 0) return 0;
  const result = await hub.pipeline.adjustStock(tenant, lines, { reason: 'sandbox first run', source: 'api', actor: 'sandbox' });
  if (!result.ok) throw new Error(`seeding sandbox stock failed: ${result.error}`);
  return lines.length;
}
