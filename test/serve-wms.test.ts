import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startQimenSandbox, type QimenSandbox } from '../adapters/wms-qimen/sandbox/server.ts';
import { parseConfig } from '../runtime/config.ts';
import { startServer, type Running } from '../runtime/serve.ts';
import { pushPaidOrder, seedSku1, SITE_SHOP_YAML } from './support/site-shop.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

const db = `file:${join(mkdtempSync(join(tmpdir(), 'hub-wms-')), 'hub.db')}`;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let wms: QimenSandbox;
let running: Running;

beforeAll(async () => {
  wms = await startQimenSandbox();
  await seedSku1(db);
  const config = parseConfig(
    `${SITE_SHOP_YAML}targets:
  qimen:
    adapter: wms-qimen
    baseUrl: ${wms.url}
    appKey: "${wms.appKey}"
    appSecret: "\${env:QIMEN_SECRET}"
    customerId: "${wms.customerId}"
deliveries:
  - { kind: wms.delivery_order, target: qimen, per: shipment }
  - { kind: notify.shipped, target: qimen-less, on: shipped }
routing:
  locations: [{ id: wh-sh, name: 上海仓, kind: warehouse, province: 上海 }]
  rules: [{ name: all, strategy: priority, locations: [wh-sh], carrier: YTO }]
`,
    'hub.yaml',
    { HOOK: SECRET, QIMEN_SECRET: wms.appSecret },
  );
  running = await startServer(config, { port: 0, url: db, log: () => undefined });
});
afterAll(async () => {
  await running.stop();
  await wms.close();
});

describe('hub serve with a Qimen WMS', () => {
  it('sends the delivery order, takes the signed confirm back, and ships the order with its waybill', { timeout: 30_000 }, async () => {
    expect(await pushPaidOrder(running.url, SECRET, 'WEB-7')).toBe(204);

    // The delivery engine inside hub serve sends the delivery order to the WMS.
    for (let i = 0; i < 50 && wms.orders.size === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect([...wms.orders.keys()]).toEqual(['DO-webhook-WEB-7-1']);

    const forged = await wms.sendConfirm(`${running.url}/callbacks/t1/qimen/qimen`, 'DO-webhook-WEB-7-1', { secret: 'wrong' });
    expect(forged.text).toContain('sign-check-failure');
    const confirmed = await wms.sendConfirm(`${running.url}/callbacks/t1/qimen/qimen`, 'DO-webhook-WEB-7-1', { logisticsCode: 'YTO', expressCode: 'YT1234567890123' });
    expect(confirmed.text).toContain('<flag>success</flag>');

    const store = await openLibsqlStore({ url: db });
    try {
      expect(await store.query("SELECT status, stage FROM orders WHERE tenant = 't1' AND external_id = 'WEB-7'")).toEqual([{ status: 'shipped', stage: 'shipped' }]);
      expect(await store.query("SELECT on_hand, reserved FROM stock_levels WHERE tenant = 't1' AND sku = 'SKU-1'")).toEqual([{ on_hand: 8, reserved: 0 }]);
      const [notice] = await store.query("SELECT payload FROM outbox WHERE tenant = 't1' AND kind = 'notify.shipped'");
      expect(JSON.parse(String(notice!.payload))).toMatchObject({ carrier: 'YTO', waybillNo: 'YT1234567890123' });
    } finally {
      await store.close();
    }
  });
});
