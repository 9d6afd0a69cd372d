import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Dispatcher } from '../core/outbox/index.ts';
import { insertRows } from '../core/store/port.ts';
import { createKingdeeAdapter } from '../adapters/erp-kingdee/index.ts';
import { startKingdeeSandbox } from '../adapters/erp-kingdee/sandbox/server.ts';
import { createDingTalkAdapter } from '../adapters/im-dingtalk/index.ts';
import { startDingTalkSandbox } from '../adapters/im-dingtalk/sandbox/server.ts';
import { createHttpWebhookAdapter } from '../adapters/http-webhook/index.ts';
import { startWebhookSandbox } from '../adapters/http-webhook/sandbox/server.ts';
import { parseConfig } from '../runtime/config.ts';
import { openHub } from '../runtime/hub.ts';

const ORDERS = Number(process.env.FAULT_ORDERS ?? 2000);

function order(n: number) {
  return {
    id: `F${n}`,
    status: 'paid',
    createdAt: '2024-05-01T10:00:00+08:00',
    updatedAt: '2024-05-01T10:00:00+08:00',
    customer: { id: `b${n}`, ...(n % 50 === 0 ? { note: '请开发票' } : {}) },
    shippingAddress: { name: '林小姐', phone: '13800138000', province: '上海市', city: '上海市', district: '静安区', address: `南京西路${n}号` },
    items: [{ id: '1', sku: `SKU-${n % 7}`, title: 'T恤', quantity: 1 + (n % 3), price: '59.00' }],
    total: String(59 * (1 + (n % 3))) + '.00',
  };
}

describe('faults everywhere', () => {
  it(`${ORDERS} orders reach an ERP, a WMS stand-in and a bot that fail 30% of calls: each document once, or a dead letter with its reason`, { timeout: 300_000 }, async () => {
    const kingdee = await startKingdeeSandbox({ slowMs: 150, rates: { 'server-error': 0.12, 'slow-after-store': 0.12, 'business-error': 0.06 } });
    const bot = await startDingTalkSandbox({ accessToken: 'tok', secret: 'SECbot', failRate: 0.3, failModes: ['5xx'], limit: { calls: 40, perMs: 1000 } });
    const wms = await startWebhookSandbox({ secret: 'wms', failRate: 0.3 });
    const config = parseConfig(
      `stock: { shortfall: backorder }
deliveries:
  - { kind: erp.sale_order, target: kingdee }
  - { kind: erp.receivable, target: kingdee, after: erp.sale_order }
  - { kind: wms.delivery_order, target: wms, per: shipment }
  - { kind: notify.held, target: bot, on: held }
routing:
  locations: [{ id: wh-sh, name: 上海仓, kind: warehouse, province: 上海 }]
  rules: [{ name: all, strategy: priority, locations: [wh-sh] }]
rules:
  - { name: note, kind: buyer-message }
`,
      'fault.yaml',
    );
    const hub = await openHub(config, { url: ':memory:' });
    try {
      await hub.store.batch(insertRows('stock_levels', ['tenant', 'sku', 'location', 'on_hand', 'reserved', 'safety', 'updated_at'], Array.from({ length: 7 }, (_, i) => ['f', `SKU-${i}`, 'wh-sh', 1_000_000, 0, 0, '2024-01-01T00:00:00Z'])));
      await Promise.all(Array.from({ length: ORDERS }, (_, n) => hub.pipeline.ingest({ tenant: 'f', channel: 'webhook', payload: JSON.stringify(order(n)) })));

      const mapping = (name: string) => ({ text: readFileSync(`adapters/erp-kingdee/${name}.yaml`, 'utf8'), file: `adapters/erp-kingdee/${name}.yaml` });
      const adapters = {
        kingdee: createKingdeeAdapter({ baseUrl: kingdee.url, acctId: kingdee.acctId, auth: { kind: 'password', username: 'api', password: 'secret' }, mappings: { saleOrder: mapping('sale-order'), receivable: mapping('receivable') }, timeoutMs: 100 }, { fetch }),
        bot: { ...createDingTalkAdapter({ baseUrl: bot.url, accessToken: 'tok', secret: 'SECbot' }, { fetch }), limits: { calls: 40, perMs: 1000 } },
        wms: createHttpWebhookAdapter({ url: wms.url, secret: 'wms' }, { fetch }),
      };
      const dispatcher = new Dispatcher(hub.store, adapters, { tenants: ['f'], backoff: { baseMs: 1, capMs: 20 }, maxAttempts: 25, batchSize: 500, concurrency: 32 });
      for (let round = 0; round < 400; round++) {
        await dispatcher.drain();
        const [open] = await hub.store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 'f' AND status NOT IN ('delivered', 'dead')");
        if (Number(open!.n) === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }

      const byStatusRows = await hub.store.query("SELECT target, status, count(*) AS n, max(last_error) AS e FROM outbox WHERE tenant = 'f' AND kind != 'channel.stock' GROUP BY target, status");
      const byStatus = Object.fromEntries((await hub.store.query("SELECT status, count(*) AS n FROM outbox WHERE tenant = 'f' AND kind != 'channel.stock' GROUP BY status")).map((r) => [r.status, Number(r.n)]));
      expect(Object.keys(byStatus).sort()).toEqual(Object.keys(byStatus).filter((s) => s === 'delivered' || s === 'dead').sort());
      expect(byStatus.delivered).toBeGreaterThan(ORDERS * 2);
      // Every dead letter says why, in the target's own words.
      const dead = await hub.store.query("SELECT last_error FROM outbox WHERE tenant = 'f' AND status = 'dead'");
      expect(dead.every((r) => typeof r.last_error === 'string' && r.last_error.length > 0)).toBe(true);

      // The ERP holds one bill per delivered document, whatever the timeouts did.
      const deliveredErp = await hub.store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 'f' AND target = 'kingdee' AND status = 'delivered'");
      expect(kingdee.bills.size).toBe(Number(deliveredErp[0]!.n));
      // The WMS stand-in dropped nothing and got nothing twice.
      expect(wms.duplicates).toBe(0);
      // Every order but the held ones (a buyer message on every 50th) went to the warehouse.
      expect(wms.received.size).toBe(ORDERS - ORDERS / 50);
      // The bot posted each held notice once, and no second held more than its 40 messages.
      const held = await hub.store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 'f' AND kind = 'notify.held' AND status = 'delivered'");
      expect(bot.received).toHaveLength(Number(held[0]!.n));
      const notices = await hub.store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 'f' AND kind = 'notify.held'");
      expect(Number(notices[0]!.n)).toBe(ORDERS / 50);
      const times = bot.received.map((m) => m.at).sort((a, b) => a - b);
      for (let i = 0; i + 40 < times.length; i++) expect(times[i + 40]! - times[i]!).toBeGreaterThanOrEqual(1000);
    } finally {
      await hub.close();
      await Promise.all([kingdee.close(), bot.close(), wms.close()]);
    }
  });
});
