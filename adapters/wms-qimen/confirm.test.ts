import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { confirmResponse, verifyAndParseConfirm } from './confirm.ts';
import { startQimenSandbox, type QimenSandbox } from './sandbox/server.ts';

const SECRET = 'erp-app-secret';
const md5Upper = (text: string) => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();

const BODY =
  '<?xml version="1.0" encoding="utf-8"?><request><deliveryOrder><deliveryOrderCode>DO-tmall-2938475610293847561-1</deliveryOrderCode>' +
  '<deliveryOrderId>WMS880001</deliveryOrderId><warehouseCode>WH-SH-01</warehouseCode><orderType>JYCK</orderType><status>DELIVERED</status>' +
  '<outBizCode>WMS880001-DELIVERED</outBizCode><confirmType>0</confirmType><orderConfirmTime>2024-05-21 09:30:00</orderConfirmTime>' +
  '<operatorName>仓库 &amp; 操作员</operatorName><operateTime>2024-05-21 09:30:00</operateTime></deliveryOrder>' +
  '<packages><package><logisticsCode>YTO</logisticsCode><expressCode>YT1234567890123</expressCode><packageCode>P1</packageCode><weight>1.25</weight>' +
  '<items><item><itemCode>SP-1001-BLK-XL</itemCode><quantity>2</quantity></item><item><itemCode>SP-2002-WHT</itemCode><quantity>1</quantity></item></items></package></packages>' +
  '<orderLines><orderLine><orderLineNo>2938475610294847561</orderLineNo><itemCode>SP-1001-BLK-XL</itemCode><planQty>2</planQty><actualQty>2</actualQty></orderLine>' +
  '<orderLine><orderLineNo>2938475610295847561</orderLineNo><itemCode>SP-2002-WHT</itemCode><planQty>1</planQty><actualQty>1</actualQty></orderLine></orderLines></request>';

const QUERY = {
  method: 'taobao.qimen.deliveryorder.confirm',
  timestamp: '2024-05-21 09:30:05',
  format: 'xml',
  app_key: '23456789',
  v: '2.0',
  sign_method: 'md5',
  customerId: 'WMS_SANDBOX',
};
// Computed independently: node:crypto over the hand-sorted source.
const SIGN = md5Upper(
  `${SECRET}app_key23456789customerIdWMS_SANDBOXformatxmlmethodtaobao.qimen.deliveryorder.confirmsign_methodmd5timestamp2024-05-21 09:30:05v2.0${BODY}${SECRET}`,
);

describe('verifyAndParseConfirm', () => {
  it('accepts a correctly signed confirm and reads the order, its parcel and its lines', () => {
    const result = verifyAndParseConfirm({ query: { ...QUERY, sign: SIGN }, body: BODY }, SECRET);
    expect(result).toEqual({
      ok: true,
      confirm: {
        method: 'taobao.qimen.deliveryorder.confirm',
        customerId: 'WMS_SANDBOX',
        deliveryOrderCode: 'DO-tmall-2938475610293847561-1',
        deliveryOrderId: 'WMS880001',
        warehouseCode: 'WH-SH-01',
        orderType: 'JYCK',
        status: 'DELIVERED',
        outBizCode: 'WMS880001-DELIVERED',
        confirmType: 0,
        operateTime: '2024-05-21T09:30:00+08:00',
        orderConfirmTime: '2024-05-21T09:30:00+08:00',
        logisticsCode: 'YTO',
        expressCode: 'YT1234567890123',
        packages: [
          {
            logisticsCode: 'YTO',
            expressCode: 'YT1234567890123',
            packageCode: 'P1',
            weight: '1.25',
            items: [
              { itemCode: 'SP-1001-BLK-XL', quantity: 2 },
              { itemCode: 'SP-2002-WHT', quantity: 1 },
            ],
          },
        ],
        lines: [
          { orderLineNo: '2938475610294847561', itemCode: 'SP-1001-BLK-XL', planQty: 2, actualQty: 2 },
          { orderLineNo: '2938475610295847561', itemCode: 'SP-2002-WHT', planQty: 1, actualQty: 1 },
        ],
      },
    });
  });

  it('refuses a wrong sign, a missing sign, a tampered body or parameter, and the wrong secret', () => {
    const refused = { ok: false, code: 'sign-check-failure', message: 'Illegal request' };
    expect(verifyAndParseConfirm({ query: { ...QUERY, sign: '0'.repeat(32) }, body: BODY }, SECRET)).toEqual(refused);
    expect(verifyAndParseConfirm({ query: QUERY, body: BODY }, SECRET)).toEqual(refused);
    expect(verifyAndParseConfirm({ query: { ...QUERY, sign: SIGN }, body: BODY.replace('DELIVERED</status>', 'CANCELED</status>') }, SECRET)).toEqual(refused);
    expect(verifyAndParseConfirm({ query: { ...QUERY, customerId: 'OTHER', sign: SIGN }, body: BODY }, SECRET)).toEqual(refused);
    expect(verifyAndParseConfirm({ query: { ...QUERY, sign: SIGN }, body: BODY }, 'another-secret')).toEqual(refused);
  });

  it('signs an empty query parameter as its bare name and the headers named in top-sign-list, as SpiUtils does', () => {
    const query = { ...QUERY, session: '' };
    const headers = { 'Top-Sign-List': 'x-ca-stage', 'x-ca-stage': 'RELEASE', 'x-other': 'not signed' };
    const sign = md5Upper(
      `${SECRET}app_key23456789customerIdWMS_SANDBOXformatxmlmethodtaobao.qimen.deliveryorder.confirmsessionsign_methodmd5timestamp2024-05-21 09:30:05v2.0x-ca-stageRELEASE${BODY}${SECRET}`,
    );
    expect(verifyAndParseConfirm({ query: { ...query, sign }, body: BODY, headers }, SECRET).ok).toBe(true);
    expect(verifyAndParseConfirm({ query: { ...query, sign }, body: BODY }, SECRET).ok).toBe(false);
  });

  it('refuses, once the sign is good, a confirm of another method, a body without deliveryOrderCode or status, and a stale timestamp', () => {
    const signed = (query: Record<string, string>, body: string) => {
      const sign = md5Upper(SECRET + Object.keys(query).sort().map((k) => k + query[k]).join('') + body + SECRET);
      return verifyAndParseConfirm({ query: { ...query, sign }, body }, SECRET, { now: Date.parse('2024-05-21T01:31:00Z') });
    };
    expect(signed({ ...QUERY, method: 'taobao.qimen.entryorder.confirm' }, BODY)).toMatchObject({ ok: false, code: 'invalid-request', message: expect.stringContaining('method') });
    expect(signed(QUERY, BODY.replace(/<deliveryOrderCode>[^<]*<\/deliveryOrderCode>/, ''))).toMatchObject({ ok: false, message: 'deliveryOrder.deliveryOrderCode is missing' });
    expect(signed(QUERY, BODY.replace(/<status>[^<]*<\/status>/, ''))).toMatchObject({ ok: false, message: 'deliveryOrder.status is missing' });
    expect(signed(QUERY, '<request><deliveryOrder>')).toMatchObject({ ok: false, code: 'invalid-request', message: expect.stringContaining('not well-formed') });
    expect(signed(QUERY, BODY).ok).toBe(true);
    expect(signed({ ...QUERY, timestamp: '2024-05-21 09:20:00' }, BODY)).toMatchObject({ ok: false, message: expect.stringContaining('too far') });
  });
});

describe('confirmResponse', () => {
  it('is the Qimen response the WMS expects', () => {
    expect(confirmResponse(true, '成功')).toBe('<?xml version="1.0" encoding="utf-8"?><response><flag>success</flag><code>0</code><message>成功</message></response>');
    expect(confirmResponse(false, 'Illegal request', 'sign-check-failure')).toBe(
      '<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>sign-check-failure</code><message>Illegal request</message></response>',
    );
    expect(confirmResponse(false, '出库单[DO-1]不存在 & <未知>')).toContain('<code>failure</code><message>出库单[DO-1]不存在 &amp; &lt;未知&gt;</message>');
  });
});

describe('the simulator calling a confirm back', () => {
  let sim: QimenSandbox | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await sim?.close();
    await close?.();
  });

  it('signs it so that verifyAndParseConfirm accepts it, and a wrong secret is refused', async () => {
    sim = await startQimenSandbox({ appSecret: SECRET });
    // A minimal receiving route, as the runtime will have one.
    const seen: unknown[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const result = verifyAndParseConfirm({ query: Object.fromEntries(url.searchParams), body: Buffer.concat(chunks).toString('utf8') }, SECRET);
        seen.push(result);
        res.writeHead(200, { 'content-type': 'text/xml;charset=utf-8' });
        res.end(result.ok ? confirmResponse(true, 'success') : confirmResponse(false, result.message, result.code));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/qimen/callback`;

    // An order in the WMS, created through the router.
    const order = {
      deliveryOrderCode: 'DO-jd-301234567890-1', orderType: 'JYCK', warehouseCode: 'WH-GZ-01', createTime: '2024-06-01 23:40:00', placeOrderTime: '2024-06-01 23:30:00',
      operateTime: '2024-06-01 23:40:00', shopNick: '某某京东自营店', logisticsCode: 'JD',
      receiverInfo: { name: '王五', mobile: '13700001111', province: '北京', city: '北京市', detailAddress: '建国路88号' },
    };
    const { buildXml } = await import('./xml.ts');
    const { QimenClient } = await import('./client.ts');
    const client = new QimenClient({ baseUrl: sim.url, appKey: sim.appKey, appSecret: SECRET, customerId: sim.customerId }, fetch);
    const created = await client.call('taobao.qimen.deliveryorder.create', buildXml({ request: { deliveryOrder: order, orderLines: { orderLine: [{ orderLineNo: '1', ownerCode: 'OWNER-001', itemCode: 'BOOK-0001', planQty: 3, actualPrice: '45.00' }] } } }));
    expect(created).toMatchObject({ kind: 'answer', status: 200, text: expect.stringContaining('<flag>success</flag>') });

    const answer = await sim.sendConfirm(target, 'DO-jd-301234567890-1', { expressCode: 'JDVA00012345678' });
    expect(answer.text).toBe(confirmResponse(true, 'success'));
    expect(seen[0]).toMatchObject({ ok: true, confirm: { deliveryOrderCode: 'DO-jd-301234567890-1', status: 'DELIVERED', logisticsCode: 'JD', expressCode: 'JDVA00012345678', lines: [{ orderLineNo: '1', itemCode: 'BOOK-0001', planQty: 3, actualQty: 3 }] } });
    expect(sim.orders.get('DO-jd-301234567890-1')?.status).toBe('DELIVERED');

    const forged = await sim.sendConfirm(target, 'DO-jd-301234567890-1', { status: 'CANCELED', secret: 'not-the-secret' });
    expect(forged.text).toBe(confirmResponse(false, 'Illegal request', 'sign-check-failure'));
    expect(seen[1]).toEqual({ ok: false, code: 'sign-check-failure', message: 'Illegal request' });
  });
});
