import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sfOrderIdFor } from '../adapters/carrier-sf/order-id.ts';
import { callbackSign } from '../adapters/tracking-kuaidi100/sign.ts';
import { parseConfig } from '../runtime/config.ts';
import { startServer, type Running } from '../runtime/serve.ts';
import { pushPaidOrder, seedSku1, SITE_SHOP_YAML } from './support/site-shop.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

const db = `file:${join(mkdtempSync(join(tmpdir(), 'hub-sf-')), 'hub.db')}`;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PUSH_TOKEN = 'route-push-token-0123456789';
const SALT = 'kuaidi100-salt-0123';
let running: Running;

beforeAll(async () => {
  await seedSku1(db);
  // SF and Kuaidi100 are not reachable here: their deliveries stay queued, which is all the callbacks need.
  const config = parseConfig(
    `${SITE_SHOP_YAML}targets:
  sf:
    adapter: carrier-sf
    baseUrl: http://127.0.0.1:9
    partnerId: P1
    checkWord: "\${env:SF_CHECK_WORD}"
    pushToken: "\${env:SF_PUSH_TOKEN}"
    senders: { "*": { contact: 上海仓, mobile: "13900000000", address: 上海市静安区南京西路1号 } }
  kuaidi100:
    adapter: tracking-kuaidi100
    baseUrl: http://127.0.0.1:9
    key: K1
    callbackUrl: https://hub.example.com/callbacks/t1/kuaidi100/kuaidi100
    salt: "\${env:KUAIDI100_SALT}"
deliveries:
  - { kind: carrier.waybill, target: sf, per: shipment }
  - { kind: tracking.subscribe, target: kuaidi100, on: shipped, per: shipment }
routing:
  locations: [{ id: wh-sh, name: 上海仓, kind: warehouse, province: 上海 }]
  rules: [{ name: all, strategy: priority, locations: [wh-sh], carrier: SF }]
`,
    'hub.yaml',
    { HOOK: SECRET, SF_CHECK_WORD: 'check-word', SF_PUSH_TOKEN: PUSH_TOKEN, KUAIDI100_SALT: SALT },
  );
  running = await startServer(config, { port: 0, url: db, log: () => undefined });
});
afterAll(async () => running.stop());

async function orderRow(): Promise<{ status: string; stage: string; on_hand: number; reserved: number }> {
  const store = await openLibsqlStore({ url: db });
  try {
    const [row] = await store.query("SELECT o.status, o.stage, s.on_hand, s.reserved FROM orders o, stock_levels s WHERE o.tenant = 't1' AND s.tenant = 't1' AND s.sku = 'SKU-1'");
    return row as never;
  } finally {
    await store.close();
  }
}

describe('hub serve with SF route pushes and Kuaidi100 tracking', () => {
  it('ships the order when SF collects the parcel and completes it when Kuaidi100 says the buyer signed; forged pushes are refused', { timeout: 30_000 }, async () => {
    expect(await pushPaidOrder(running.url, SECRET, 'WEB-9')).toBe(204);

    const sfOrderId = await sfOrderIdFor('carrier.waybill/webhook/WEB-9/1');
    const route = (id: string, opCode: string, acceptTime: string) => ({ id, mailno: 'SF1400000000001', orderid: sfOrderId, acceptTime, acceptAddress: '上海市', remark: '', opCode });
    const push = (token: string, routes: unknown[]) =>
      fetch(`${running.url}/callbacks/t1/sf/sf?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json;charset=UTF-8' }, body: JSON.stringify({ Body: { WaybillRoute: routes } }) });

    const forged = await push('wrong', [route('r1', '50', '2024-05-01 16:00:00')]);
    expect(forged.status).toBe(401);
    expect(await orderRow()).toMatchObject({ status: 'paid', reserved: 2 });

    const collected = await push(PUSH_TOKEN, [route('r1', '50', '2024-05-01 16:00:00')]);
    expect(await collected.json()).toEqual({ return_code: '0000', return_msg: '成功' });
    expect(await orderRow()).toEqual({ status: 'shipped', stage: 'shipped', on_hand: 8, reserved: 0 });

    // Shipping queued the tracking subscription of that waybill; Kuaidi100 now reports it signed for.
    const param = JSON.stringify({ status: 'shutdown', billstatus: '', message: '', autoCheck: '0', comOld: '', comNew: '', lastResult: { message: 'ok', nu: 'SF1400000000001', ischeck: '1', com: 'shunfeng', status: '200', state: '3', condition: 'F00', data: [{ time: '2024-05-02 11:00:00', ftime: '2024-05-02 11:00:00', context: '已签收', status: '签收' }] } });
    const tracked = (sign: string) => fetch(`${running.url}/callbacks/t1/kuaidi100/kuaidi100`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ param, sign }).toString() });
    expect((await tracked(callbackSign(param, 'wrong-salt'))).status).toBe(401);
    expect(await orderRow()).toMatchObject({ status: 'shipped' });
    expect(await (await tracked(callbackSign(param, SALT))).json()).toEqual({ result: true, returnCode: '200', message: '成功' });
    expect(await orderRow()).toMatchObject({ status: 'completed', on_hand: 8 });
  });
});
