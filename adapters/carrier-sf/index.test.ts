import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import { CONFIG_RETRY_MS } from './classify.ts';
import { createSfAdapter, msgDigest, sfOrderIdFor, verifyAndParseRoutePush, type SfConfig } from './index.ts';
import { startSfSandbox, type SfSandbox } from './sandbox/server.ts';

const here = (file: string) => new URL(file, import.meta.url);
const MAPPING = readFileSync(here('./create-order.yaml'), 'utf8');
const CASE = JSON.parse(readFileSync(here('./create-order.cases/01-tmall-one-parcel.input.json'), 'utf8')) as { order: CanonicalOrder; sender: SfConfig['senders'][string] };
const EXPECTED = JSON.parse(readFileSync(here('./create-order.cases/01-tmall-one-parcel.expected.json'), 'utf8')) as Record<string, unknown>;
const order = CASE.order;
const PARTNER = 'Y7hHmkqf';
const CHECK_WORD = 'ehpA2SxjBT0M0QY74VktZbPSx41xO9gt';

/** A carrier.waybill delivery as the pipeline queues it: one per shipment. */
function delivery(o: CanonicalOrder = order, attempts = 0, shipment = 1): Delivery {
  return {
    tenant: 't1',
    id: `dlv_${o.externalId}_${shipment}`,
    target: 'sf',
    kind: 'carrier.waybill',
    idempotencyKey: `carrier.waybill/${o.channel}/${o.externalId}/${shipment}`,
    orderId: 'ord_1',
    payload: { orderId: 'ord_1', channel: o.channel, externalId: o.externalId, event: 'released', shipment, location: 'wh-sh', carrier: 'sf', lines: o.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })) },
    order: o,
    attempts,
    createdAt: '2024-05-20T02:17:00Z',
  };
}

let sim: SfSandbox;
beforeEach(async () => {
  sim = await startSfSandbox({ partners: { [PARTNER]: CHECK_WORD }, monthlyCards: ['7551234567'], slowMs: 600 });
});
afterEach(async () => sim.close());

function adapter(extra: Partial<SfConfig> = {}, fetchFn: typeof fetch = fetch) {
  return createSfAdapter({ baseUrl: sim.url, partnerId: PARTNER, checkWord: CHECK_WORD, monthlyCard: '7551234567', mapping: MAPPING, senders: { 'wh-sh': CASE.sender }, timeoutMs: 250, ...extra }, { fetch: fetchFn });
}
const creates = () => sim.calls.filter((c) => c.serviceCode === 'EXP_RECE_CREATE_ORDER');

describe('the SF adapter', () => {
  it('creates one SF order per parcel, with the mapped msgData and a derived orderId, and returns its waybill', async () => {
    const orderId = await sfOrderIdFor('carrier.waybill/tmall/2938475610293847561/1');
    const outcome = await adapter().send(delivery());
    expect(outcome).toEqual({
      outcome: 'delivered',
      request: expect.objectContaining({ serviceCode: 'EXP_RECE_CREATE_ORDER', orderId }),
      response: { orderId, waybillNo: 'SF1440000000001', waybillNos: ['SF1440000000001'], filterResult: 2, originCode: '755', destCode: '571', apiResponseID: expect.stringMatching(/^[0-9A-F]{32}$/) },
      // Kept on the delivery: SF's route pushes name the parcel by orderId and waybill.
      documentCode: orderId,
      externalRef: 'SF1440000000001',
    });
    const [call] = creates();
    // msgData: the mapping's output, orderId right after language, monthlyCard from the config.
    expect(call!.msgData).toEqual({ language: 'zh-CN', orderId, ...EXPECTED, monthlyCard: '7551234567' });
    expect(Object.keys(call!.msgData as object).slice(0, 2)).toEqual(['language', 'orderId']);
    expect(call!.partnerId).toBe(PARTNER);
    expect(call!.requestID).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.orders.get(orderId)?.waybillNo).toBe('SF1440000000001');
    // The attempt log keeps neither the checkWord nor whole names.
    expect(JSON.stringify(outcome)).not.toContain(CHECK_WORD);
    expect(JSON.stringify(outcome)).not.toContain('张三');
  });

  it('posts the form SF documents, signed over the exact msgData text it sends', async () => {
    let seen: { url: string; headers: Headers; body: URLSearchParams } | undefined;
    const spy = (async (url: string | URL | Request, init?: RequestInit) => {
      seen = { url: String(url), headers: new Headers(init?.headers), body: new URLSearchParams(String(init?.body)) };
      return fetch(url, init);
    }) as typeof fetch;
    const sf = createSfAdapter(
      { baseUrl: `${sim.url}/`, partnerId: PARTNER, checkWord: CHECK_WORD, monthlyCard: '7551234567', mapping: MAPPING, senders: { '*': CASE.sender } },
      { fetch: spy, now: () => 1716171332000, uuid: () => 'fe4be6fc-065d-4914-bf78-da366639ec80' },
    );
    expect((await sf.send(delivery())).outcome).toBe('delivered');
    expect(seen!.url).toBe(`${sim.url}/std/service`);
    expect(seen!.headers.get('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect([...seen!.body.keys()]).toEqual(['partnerID', 'requestID', 'serviceCode', 'timestamp', 'msgDigest', 'msgData']);
    expect(seen!.body.get('requestID')).toBe('fe4be6fc-065d-4914-bf78-da366639ec80');
    expect(seen!.body.get('timestamp')).toBe('1716171332000');
    expect(seen!.body.get('msgDigest')).toBe(msgDigest(seen!.body.get('msgData')!, '1716171332000', CHECK_WORD));
  });

  it('takes SF refusing a repeated orderId (8016) as delivered and fetches the waybill: one order, never two', async () => {
    const sf = adapter();
    expect((await sf.send(delivery())).outcome).toBe('delivered');
    const again = await sf.send(delivery(order, 1));
    expect(again).toMatchObject({ outcome: 'delivered', response: { waybillNo: 'SF1440000000001', duplicate: 'SF 8016: 重复下单' } });
    expect(creates().map((c) => c.apiResultCode)).toEqual(['A1000', 'A1000']);
    expect(sim.calls.filter((c) => c.serviceCode === 'EXP_RECE_SEARCH_ORDER_RESP')[0]!.msgData).toEqual({ orderId: await sfOrderIdFor(delivery().idempotencyKey), searchType: '1', language: 'zh-CN' });
    expect(sim.orders.size).toBe(1);
    // Another parcel of the same order is another SF order.
    expect(await sf.send(delivery(order, 0, 2))).toMatchObject({ outcome: 'delivered', response: { waybillNo: 'SF1440000000002' } });
  });

  it('calls a timeout after sending unknown; the lookup then finds the order by its orderId', async () => {
    const sf = adapter();
    sim.failNext('slow-after-store');
    const outcome = await sf.send(delivery());
    expect(outcome).toMatchObject({ outcome: 'unknown', reason: `EXP_RECE_CREATE_ORDER ${await sfOrderIdFor(delivery().idempotencyKey)}: no answer within 250 ms` });
    expect(sim.orders.size).toBe(1);
    expect(await sf.lookup!(delivery())).toBe('exists');
    expect(await sf.lookup!(delivery({ ...order, externalId: '42' }))).toBe('absent');
  });

  it('retries a 5xx, an unreachable service and a refused connection; pauses the target when rate limited', async () => {
    const sf = adapter();
    sim.failNext('server-error');
    expect(await sf.send(delivery())).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('HTTP 503') });
    sim.failNext('unreachable');
    expect(await sf.send(delivery())).toMatchObject({ outcome: 'retry', reason: 'SF A1009: 目标服务异常或不可达' });
    sim.failNext('rate-limited');
    expect(await sf.send(delivery())).toMatchObject({ outcome: 'retry', afterMs: 60_000, pauseTarget: true, reason: 'SF A1005: 流量受控' });
    expect(sim.orders.size).toBe(0);
    const closed = await closedPort();
    const nowhere = createSfAdapter({ baseUrl: `http://127.0.0.1:${closed}`, partnerId: PARTNER, checkWord: CHECK_WORD, mapping: MAPPING, senders: { '*': CASE.sender } }, { fetch });
    expect(await nowhere.send(delivery())).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('fails business errors for good, with SF\'s code and message verbatim', async () => {
    sim.failNext('business-error');
    expect(await adapter().send(delivery())).toMatchObject({ outcome: 'failed', code: '20035', reason: 'SF 20035: 托寄物违禁品不可收寄' });
    expect(await adapter({ monthlyCard: '0000000000' }).send(delivery())).toMatchObject({ outcome: 'failed', code: '8119', reason: 'SF 8119: 月结卡号不存在或已失效' });
    expect(sim.orders.size).toBe(0);
  });

  it('waits minutes and pauses the target on a wrong checkWord or partner (an account problem, not this order\'s)', async () => {
    expect(await adapter({ checkWord: 'wrong' }).send(delivery())).toMatchObject({ outcome: 'retry', afterMs: CONFIG_RETRY_MS, pauseTarget: true, reason: 'SF A1006: 数字签名无效' });
    expect(await adapter({ partnerId: 'nobody' }).send(delivery())).toMatchObject({ outcome: 'retry', pauseTarget: true, reason: 'SF A1004: 无对应服务权限' });
    expect(sim.orders.size).toBe(0);
  });

  it('fails what it cannot send: another kind, no order, no sender, an unmappable order, a masked phone', async () => {
    const sf = adapter();
    expect(await sf.send({ ...delivery(), kind: 'tracking.subscribe' })).toMatchObject({ outcome: 'failed', code: 'kind' });
    const { order: _order, ...withoutOrder } = delivery();
    expect(await sf.send(withoutOrder)).toMatchObject({ outcome: 'failed', code: 'order' });
    expect(await adapter({ senders: { 'wh-gz': CASE.sender } }).send(delivery())).toMatchObject({ outcome: 'failed', code: 'sender', reason: expect.stringContaining('"wh-sh"') });
    const { receiver: _receiver, ...storeSale } = order;
    expect(await sf.send(delivery(storeSale))).toMatchObject({ outcome: 'failed', code: 'mapping', reason: expect.stringContaining('adapters/carrier-sf/create-order.yaml:43:16: contactInfoList[1].contact') });
    expect(await sf.send(delivery({ ...order, receiver: { ...order.receiver!, phone: '138****5678' } }))).toMatchObject({ outcome: 'failed', code: 'masked' });
    expect(creates()).toHaveLength(0);
  });

  it('declares its limits, that SF drops a repeated orderId, and refuses a mapping that does not fit the schema', () => {
    expect(adapter().limits).toEqual({ calls: 30, perMs: 1000, concurrency: 8 });
    expect(adapter({ limits: { concurrency: 2 } }).limits).toEqual({ calls: 30, perMs: 1000, concurrency: 2 });
    expect(adapter().idempotent).toBe(true);
    expect(() => adapter({ mapping: MAPPING.replace('      address: $.sender.address', '      adress: $.sender.address') })).toThrow(/create-order\.yaml:41:7: error: contactInfoList\[0\]\.adress is not a field/);
    expect(() => adapter({ checkWord: '' })).toThrow(/checkWord is required/);
    expect(() => adapter({ orderIdPrefix: '订单' })).toThrow(/prefix/);
  });
});

describe('the SF adapter over an injected fetch', () => {
  const config = (): SfConfig => ({ baseUrl: 'https://sfapi-sbox.sf-express.com', partnerId: PARTNER, checkWord: CHECK_WORD, mapping: MAPPING, senders: { '*': CASE.sender } });
  const envelope = (apiResultCode: string, data?: unknown) => new Response(JSON.stringify({ apiErrorMsg: '', apiResponseID: 'X', apiResultCode, apiResultData: data === undefined ? null : JSON.stringify(data) }), { status: 200 });

  it('cannot tell after a 504 or an unreadable 200', async () => {
    expect(await createSfAdapter(config(), { fetch: (async () => new Response('Gateway Timeout', { status: 504 })) as typeof fetch }).send(delivery())).toMatchObject({ outcome: 'unknown', reason: 'HTTP 504: Gateway Timeout' });
    expect(await createSfAdapter(config(), { fetch: (async () => new Response('<html>维护中</html>', { status: 200 })) as typeof fetch }).send(delivery())).toMatchObject({ outcome: 'unknown' });
  });

  it('retries a duplicate whose waybill it cannot fetch yet (the next attempt finds it)', async () => {
    const answers = [envelope('A1000', { success: false, errorCode: '8016', errorMsg: '重复下单', msgData: null }), envelope('A1099')];
    const sf = createSfAdapter(config(), { fetch: (async () => answers.shift()!) as typeof fetch });
    expect(await sf.send(delivery())).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/exists \(SF 8016: 重复下单\); EXP_RECE_SEARCH_ORDER_RESP: SF A1099/) });
  });

  it('has the lookup throw when SF cannot be asked (the engine keeps the delivery unknown)', async () => {
    const sf = createSfAdapter(config(), { fetch: (async () => envelope('A1006')) as typeof fetch });
    await expect(sf.lookup!(delivery())).rejects.toThrow('EXP_RECE_SEARCH_ORDER_RESP: SF A1006');
  });
});

describe('route pushes from the simulator', () => {
  let hook: Server;
  let hookUrl: string;
  const received: unknown[] = [];
  beforeEach(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const result = verifyAndParseRoutePush({ url: req.url ?? '', contentType: req.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString('utf8') }, { token: 'push-secret' });
        if (result.ok) received.push(...result.routes);
        res.writeHead(result.reply.status, { 'content-type': result.reply.contentType });
        res.end(result.reply.body);
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/sf/route`;
  });
  afterEach(async () => {
    received.length = 0;
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  it('are verified and parsed, in both formats, and answered the way SF expects', async () => {
    expect((await adapter().send(delivery())).outcome).toBe('delivered');
    const orderId = await sfOrderIdFor(delivery().idempotencyKey);
    expect(await sim.pushRoute(orderId, { opCode: '50', acceptTime: '2024-05-20 18:00:00' }, { url: `${hookUrl}?token=push-secret` })).toEqual({ status: 200, body: '{"return_code":"0000","return_msg":"成功"}' });
    expect(await sim.pushRoute('SF1440000000001', { opCode: '80', acceptTime: '2024-05-22 10:00:00', remark: '已签收' }, { url: `${hookUrl}?token=push-secret`, format: 'xml' })).toEqual({
      status: 200,
      body: '<Response service="RoutePushService"><Head>OK</Head></Response>',
    });
    expect(await sim.pushRoute(orderId, { opCode: '44' }, { url: `${hookUrl}?token=guess` })).toEqual({ status: 401, body: expect.stringContaining('"return_code":"1000"') });
    expect(received).toEqual([
      expect.objectContaining({ waybillNo: 'SF1440000000001', orderId, opCode: '50', stage: 'collected', at: '2024-05-20T18:00:00+08:00' }),
      expect.objectContaining({ waybillNo: 'SF1440000000001', orderId, opCode: '80', stage: 'delivered', remark: '已签收' }),
    ]);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
