import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import { createKingdeeAdapter, type KingdeeConfig } from './index.ts';
import { startKingdeeSandbox, type KingdeeSandbox } from './sandbox/server.ts';

const here = (file: string) => new URL(file, import.meta.url);
const SALE_ORDER = readFileSync(here('./sale-order.yaml'), 'utf8');
const RECEIVABLE = readFileSync(here('./receivable.yaml'), 'utf8');
const tmallOrder = JSON.parse(readFileSync(here('./sale-order.cases/01-tmall-two-lines-discounts.input.json'), 'utf8')) as CanonicalOrder;
const expectedModel = JSON.parse(readFileSync(here('./sale-order.cases/01-tmall-two-lines-discounts.expected.json'), 'utf8')) as Record<string, unknown>;

function delivery(order: CanonicalOrder, kind = 'erp.sale_order', attempts = 0): Delivery {
  return { tenant: 't1', id: `dlv_${kind}`, target: 'kingdee', kind, idempotencyKey: `${kind}/${order.channel}/${order.externalId}`, orderId: 'ord_1', payload: {}, order, attempts, createdAt: '2024-05-20T02:17:00Z' };
}

let sim: KingdeeSandbox;
beforeEach(async () => {
  sim = await startKingdeeSandbox({ users: { api: 'secret' }, apps: { '245678_abcDEF': { username: 'api', appSecret: 'app-secret-32' } }, slowMs: 600 });
});
afterEach(async () => sim.close());

function adapter(extra: Partial<KingdeeConfig> = {}) {
  return createKingdeeAdapter(
    { baseUrl: sim.url, acctId: sim.acctId, auth: { kind: 'password', username: 'api', password: 'secret' }, mappings: { saleOrder: SALE_ORDER, receivable: RECEIVABLE }, timeoutMs: 250, ...extra },
    { fetch },
  );
}
const calls = (service: string) => sim.calls.filter((c) => c.service === service);

describe('the Kingdee adapter', () => {
  it('logs in once, saves the mapped Model with the derived bill number, and is delivered', async () => {
    const kingdee = adapter();
    const outcome = await kingdee.send(delivery(tmallOrder));
    expect(outcome).toMatchObject({ outcome: 'delivered', response: { Result: { Number: 'SO-tmall-2938475610293847561' } } });
    const [save] = calls('Save');
    // The envelope: formid, and data as a JSON string holding Kingdee's options and the Model.
    expect(Object.keys(save!.body as object)).toEqual(['formid', 'data']);
    expect((save!.body as { formid: string }).formid).toBe('SAL_SaleOrder');
    const data = JSON.parse((save!.body as { data: string }).data) as Record<string, unknown>;
    expect(data).toMatchObject({ IsDeleteEntry: true, IsVerifyBaseDataField: true, ValidateFlag: true, NumberSearch: true, IgnoreInterationFlag: true, InterationFlags: '', IsAutoSubmitAndAudit: false });
    expect(Object.keys(data).at(-1)).toBe('Model');
    const model = data.Model as Record<string, unknown>;
    expect(Object.keys(model).slice(0, 3)).toEqual(['FBillTypeID', 'FBillNo', 'FDate']);
    expect(model).toEqual({ ...expectedModel, FBillNo: 'SO-tmall-2938475610293847561' });
    expect(sim.bills.get('SAL_SaleOrder/SO-TMALL-2938475610293847561')?.status).toBe('A');
    expect(calls('ValidateUser')).toHaveLength(1);
    expect(calls('ValidateUser')[0]!.body).toEqual({ acctID: sim.acctId, username: 'api', password: 'secret', lcid: 2052 });
    // The request kept for the attempt log carries no credentials.
    expect(JSON.stringify(outcome)).not.toContain('secret');
  });

  it('takes Kingdee refusing a repeated bill number as delivered: one bill, never two', async () => {
    const kingdee = adapter();
    expect((await kingdee.send(delivery(tmallOrder))).outcome).toBe('delivered');
    expect(await kingdee.send(delivery(tmallOrder, 'erp.sale_order', 1))).toMatchObject({ outcome: 'delivered', response: { Result: { ResponseStatus: { MsgCode: 11 } } } });
    expect(calls('Save')).toHaveLength(2);
    expect(sim.bills.size).toBe(1);
  });

  it('sends the receivable to AR_receivable with its own number', async () => {
    expect((await adapter().send(delivery(tmallOrder, 'erp.receivable'))).outcome).toBe('delivered');
    expect(sim.bills.get('AR_receivable/AR-TMALL-2938475610293847561')?.model).toMatchObject({ FBillTypeID: { FNumber: 'YSD01_SYS' }, FBillNo: 'AR-tmall-2938475610293847561' });
  });

  it('reverses a refund after the receivable with a red receivable naming it', async () => {
    const kingdee = adapter({ mappings: { receivable: RECEIVABLE, receivableRed: readFileSync(here('./receivable-red.yaml'), 'utf8') } });
    expect((await kingdee.send(delivery(tmallOrder, 'erp.receivable'))).outcome).toBe('delivered');
    const line = tmallOrder.lines[1]!;
    const red: Delivery = {
      ...delivery(tmallOrder, 'erp.receivable.red'),
      idempotencyKey: `erp.receivable.red/tmall/${tmallOrder.externalId}/refund-v3`,
      payload: { refundedLines: [{ lineId: line.lineId, sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice, amount: line.amount }], reverses: `erp.receivable/tmall/${tmallOrder.externalId}` },
    };
    expect((await kingdee.send(red)).outcome).toBe('delivered');
    const [, bill] = [...sim.bills.values()];
    expect(bill!.formId).toBe('AR_receivable');
    expect(bill!.billNo).toMatch(/^ARR-tmall-/);
    expect(bill!.model.FAR_Remark).toBe(`红字 冲 AR-tmall-${tmallOrder.externalId}：tmall ${tmallOrder.externalId} 退款`);
    const yuan = (fen: number) => `${Math.trunc(fen / line.quantity / 100)}.${String((fen / line.quantity) % 100).padStart(2, '0')}`;
    expect(bill!.model.FEntityDetail).toEqual([{ FMATERIALID: { FNumber: line.sku }, FPriceQty: -line.quantity, FTaxPrice: yuan(line.amount), FEntryTaxRate: 13 }]);
  });

  it('fails a business error for good, with Kingdee\'s message verbatim', async () => {
    await sim.close();
    sim = await startKingdeeSandbox({ materials: ['SP-1001-BLK-XL'] });
    expect(await adapter().send(delivery(tmallOrder))).toMatchObject({ outcome: 'failed', code: '11', reason: 'FMaterialId: 第2行物料编码“SP-2002-WHT”不存在或未审核（模拟）' });
    sim.failNext('business-error');
    const other: CanonicalOrder = { ...tmallOrder, externalId: '1', lines: [tmallOrder.lines[0]] };
    expect(await adapter().send(delivery(other))).toMatchObject({ outcome: 'failed', reason: 'FCustId: 客户信用额度不足，不允许保存（模拟）' });
    expect(sim.bills.size).toBe(0);
  });

  it('fails an order the mapping cannot map, naming the rule', async () => {
    const outcome = await adapter().send(delivery({ ...tmallOrder, channel: 'xiaohongshu' }));
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'mapping' });
    expect((outcome as { reason: string }).reason).toContain('adapters/erp-kingdee/sale-order.yaml:39:28: FSaleOrgId.FNumber: "xiaohongshu" is not in table saleOrg');
    expect(calls('Save')).toHaveLength(0);
  });

  it('retries a 5xx, and a connection that was refused before anything was sent', async () => {
    sim.failNext('server-error');
    expect(await adapter().send(delivery(tmallOrder))).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('HTTP 503') });
    expect(sim.bills.size).toBe(0);
    const closed = await closedPort();
    const nowhere = createKingdeeAdapter({ baseUrl: `http://127.0.0.1:${closed}/k3cloud/`, acctId: 'x', auth: { kind: 'password', username: 'a', password: 'b' }, mappings: { saleOrder: SALE_ORDER } }, { fetch });
    expect(await nowhere.send(delivery(tmallOrder))).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('calls a timeout after sending unknown; the lookup then finds the bill by its number', async () => {
    const kingdee = adapter();
    sim.failNext('slow-after-store');
    expect(await kingdee.send(delivery(tmallOrder))).toMatchObject({ outcome: 'unknown', reason: 'Save SO-tmall-2938475610293847561: no answer within 250 ms' });
    expect(await kingdee.lookup!(delivery(tmallOrder))).toBe('exists');
    expect(await kingdee.lookup!(delivery({ ...tmallOrder, externalId: '42' }))).toBe('absent');
    expect(calls('ExecuteBillQuery')[0]!.body).toEqual({
      data: JSON.stringify({ FormId: 'SAL_SaleOrder', FieldKeys: 'FBillNo,FDocumentStatus', FilterString: "FBillNo='SO-tmall-2938475610293847561'", OrderString: '', TopRowCount: 0, StartRow: 0, Limit: 10, SubSystemId: '' }),
    });
  });

  it('on a lost session returns retry soon, drops the session, and logs in again on the next attempt', async () => {
    const kingdee = adapter();
    expect((await kingdee.send(delivery({ ...tmallOrder, externalId: '1' }))).outcome).toBe('delivered');
    sim.expireSessions();
    expect(await kingdee.send(delivery(tmallOrder))).toMatchObject({ outcome: 'retry', afterMs: 1000, reason: 'Kingdee session lost: 会话信息已丢失，请重新登录' });
    expect(calls('ValidateUser')).toHaveLength(1);
    expect(sim.bills.size).toBe(1);
    expect((await kingdee.send(delivery(tmallOrder, 'erp.sale_order', 1))).outcome).toBe('delivered');
    expect(calls('ValidateUser')).toHaveLength(2);
    expect(sim.bills.size).toBe(2);
    // A lookup that meets a lost session cannot answer: it throws, and the next one logs in.
    sim.expireSessions();
    await expect(kingdee.lookup!(delivery(tmallOrder))).rejects.toThrow('会话信息已丢失');
    expect(await kingdee.lookup!(delivery(tmallOrder))).toBe('exists');
    expect(calls('ValidateUser')).toHaveLength(3);
  });

  it('shares one login between concurrent sends', async () => {
    const kingdee = adapter();
    const orders = Array.from({ length: 4 }, (_, i) => ({ ...tmallOrder, externalId: `c${i}` }));
    const outcomes = await Promise.all(orders.map((o) => kingdee.send(delivery(o))));
    expect(outcomes.map((o) => o.outcome)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(calls('ValidateUser')).toHaveLength(1);
  });

  it('waits minutes after a refused login, without trying to save', async () => {
    const kingdee = createKingdeeAdapter({ baseUrl: sim.url, acctId: sim.acctId, auth: { kind: 'password', username: 'api', password: 'wrong' }, mappings: { saleOrder: SALE_ORDER } }, { fetch });
    expect(await kingdee.send(delivery(tmallOrder))).toMatchObject({ outcome: 'retry', afterMs: 300_000, reason: 'Kingdee login refused (LoginResultType 0): 用户名或密码错误！' });
    expect(calls('Save')).toHaveLength(0);
  });

  it('logs in with a third-party app id and secret (LoginByAppSecret)', async () => {
    const kingdee = adapter({ auth: { kind: 'app-secret', username: 'api', appId: '245678_abcDEF', appSecret: 'app-secret-32' } });
    expect((await kingdee.send(delivery(tmallOrder))).outcome).toBe('delivered');
    expect(calls('LoginByAppSecret')[0]!.body).toEqual({ acctID: sim.acctId, username: 'api', appId: '245678_abcDEF', appSecret: 'app-secret-32', lcid: 2052 });
  });

  it('saves with IsAutoSubmitAndAudit when configured', async () => {
    expect((await adapter({ autoSubmitAndAudit: true, interationFlags: 'STK_InvCheckResult' }).send(delivery(tmallOrder))).outcome).toBe('delivered');
    const data = JSON.parse((calls('Save')[0]!.body as { data: string }).data) as Record<string, unknown>;
    expect(data).toMatchObject({ IsAutoSubmitAndAudit: true, InterationFlags: 'STK_InvCheckResult', IgnoreInterationFlag: true });
    expect([...sim.bills.values()][0]!.status).toBe('C');
    expect(calls('Submit')).toHaveLength(0);
  });

  it('submits and audits with separate calls, and finishes a bill an earlier attempt left half done', async () => {
    const kingdee = adapter({ submit: true, audit: true });
    expect((await kingdee.send(delivery(tmallOrder))).outcome).toBe('delivered');
    expect([...sim.bills.values()][0]!.status).toBe('C');
    expect(calls('Submit')[0]!.body).toEqual({ formid: 'SAL_SaleOrder', data: JSON.stringify({ Numbers: ['SO-tmall-2938475610293847561'], Ids: '', IgnoreInterationFlag: true }) });

    // Saved, but the answer never came: the bill sits in 创建 (A).
    const other = { ...tmallOrder, externalId: '77' };
    sim.failNext('slow-after-store');
    expect((await kingdee.send(delivery(other))).outcome).toBe('unknown');
    expect(sim.bills.get('SAL_SaleOrder/SO-TMALL-77')?.status).toBe('A');
    // Not done yet, so the lookup says absent and the engine sends again: the Save is refused as a
    // duplicate, and Submit and Audit run from the bill's status.
    expect(await kingdee.lookup!(delivery(other))).toBe('absent');
    expect((await kingdee.send(delivery(other, 'erp.sale_order', 1))).outcome).toBe('delivered');
    expect(sim.bills.get('SAL_SaleOrder/SO-TMALL-77')?.status).toBe('C');
    expect(await kingdee.lookup!(delivery(other))).toBe('exists');
    expect([...sim.bills.keys()].filter((k) => k.endsWith('-77'))).toHaveLength(1);
  });

  it('fails a kind it has no mapping for, and declares its limits', () => {
    const kingdee = adapter();
    expect(kingdee.limits).toEqual({ concurrency: 4 });
    expect(adapter({ limits: { concurrency: 2, calls: 10, perMs: 1000 } }).limits).toEqual({ concurrency: 2, calls: 10, perMs: 1000 });
    return expect(kingdee.send(delivery(tmallOrder, 'wms.delivery_order'))).resolves.toMatchObject({ outcome: 'failed', code: 'kind' });
  });

  it('refuses a mapping that does not fit the Model schema when it is created', () => {
    const broken = SALE_ORDER.replace('FQty: $.quantity', 'FQuantity: $.quantity');
    expect(() => adapter({ mappings: { saleOrder: broken } })).toThrow('adapters/erp-kingdee/sale-order.yaml:49:7: error: FSaleOrderEntry[].FQty is required by the target schema but not mapped (销售数量)');
    expect(() => adapter({ mappings: {} })).toThrow(/at least one mapping/);
  });
});

describe('the Kingdee adapter over an injected fetch', () => {
  /** Logs in, then answers every other call with the given response. */
  function stub(answer: () => Response): typeof fetch {
    return (async (url: string | URL | Request) => {
      if (String(url).endsWith('ValidateUser.common.kdsvc')) {
        const headers = new Headers({ 'content-type': 'application/json' });
        headers.append('set-cookie', 'kdservice-sessionid=s-1; path=/');
        headers.append('set-cookie', 'ASP.NET_SessionId=abc; path=/; HttpOnly');
        return new Response(JSON.stringify({ LoginResultType: 1, KDSVCSessionId: 's-1', Message: null }), { status: 200, headers });
      }
      return answer();
    }) as typeof fetch;
  }
  const config = (): KingdeeConfig => ({ baseUrl: 'https://erp.example.com/k3cloud', acctId: 'a', auth: { kind: 'password', username: 'u', password: 'p' }, mappings: { saleOrder: SALE_ORDER } });

  it('waits as long as a 429 says, and cannot tell after a 504', async () => {
    const throttled = createKingdeeAdapter(config(), { fetch: stub(() => new Response('too many', { status: 429, headers: { 'retry-after': '30' } })) });
    expect(await throttled.send(delivery(tmallOrder))).toMatchObject({ outcome: 'retry', afterMs: 30_000 });
    const gateway = createKingdeeAdapter(config(), { fetch: stub(() => new Response('Gateway Timeout', { status: 504 })) });
    expect(await gateway.send(delivery(tmallOrder))).toMatchObject({ outcome: 'unknown', reason: 'HTTP 504: Gateway Timeout' });
  });

  it('sends the session cookies and the kdservice-sessionid header back', async () => {
    let seen: Headers | undefined;
    let url = '';
    const fetchFn = stub(() => new Response(JSON.stringify({ Result: { ResponseStatus: { IsSuccess: true, SuccessEntitys: [{ Id: 1, Number: 'SO-tmall-2938475610293847561' }] } } })));
    const kingdee = createKingdeeAdapter(config(), {
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        if (!String(input).includes('ValidateUser')) {
          seen = new Headers(init?.headers);
          url = String(input);
        }
        return fetchFn(input, init);
      }) as typeof fetch,
    });
    expect((await kingdee.send(delivery(tmallOrder))).outcome).toBe('delivered');
    expect(url).toBe('https://erp.example.com/k3cloud/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.Save.common.kdsvc');
    expect(seen?.get('cookie')).toBe('kdservice-sessionid=s-1; ASP.NET_SessionId=abc');
    expect(seen?.get('kdservice-sessionid')).toBe('s-1');
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
