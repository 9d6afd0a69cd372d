import { describe, expect, it } from 'vitest';
import { classifyCancel, classifyCreate, classifyQuery, retryAfterMs } from './classify.ts';

const CODE = 'DO-tmall-2938475610293847561-1';
const xml = (flag: string, code: string, message: string, extra = '') =>
  `<?xml version="1.0" encoding="utf-8"?><response><flag>${flag}</flag><code>${code}</code><message>${message}</message>${extra}</response>`;
const ok200 = (text: string, retryAfter: string | null = null) => ({ status: 200, text, retryAfter });

describe('a create answer', () => {
  it('success → ok, with the WMS order id', () => {
    expect(classifyCreate(ok200(xml('success', '0', 'success', '<deliveryOrderId>WMS880001</deliveryOrderId>')), CODE)).toMatchObject({ kind: 'ok', deliveryOrderId: 'WMS880001' });
  });

  it('"already exists" for our deliveryOrderCode → duplicate (delivered by an earlier try)', () => {
    expect(classifyCreate(ok200(xml('failure', 'B0001', `出库单号[${CODE}]已存在，请勿重复创建`)), CODE)).toMatchObject({ kind: 'duplicate', reason: `B0001: 出库单号[${CODE}]已存在，请勿重复创建` });
    expect(classifyCreate(ok200(xml('failure', '500', `Delivery order ${CODE} already exists`)), CODE).kind).toBe('duplicate');
    // A code that says duplicate is enough even when the message does not repeat ours.
    expect(classifyCreate(ok200(xml('failure', 'ORDER_DUPLICATE', '单据重复')), CODE).kind).toBe('duplicate');
  });

  it('"already exists" that names neither our code nor a duplicate code → exists-unclear (the adapter asks)', () => {
    expect(classifyCreate(ok200(xml('failure', '400', '单据已存在')), CODE)).toMatchObject({ kind: 'exists-unclear', reason: '400: 单据已存在' });
  });

  it('"does not exist" is not a duplicate', () => {
    expect(classifyCreate(ok200(xml('failure', 'ITEM_NOT_EXIST', '商品编码[SP-1]不存在')), CODE)).toMatchObject({ kind: 'failed', code: 'ITEM_NOT_EXIST', reason: '商品编码[SP-1]不存在' });
    expect(classifyCreate(ok200(xml('failure', 'E1', 'item SP-1 does not exist')), CODE).kind).toBe('failed');
  });

  it('sign-check-failure "Illegal request" → failed, code sign-check-failure', () => {
    expect(classifyCreate(ok200(xml('failure', 'sign-check-failure', 'Illegal request')), CODE)).toMatchObject({ kind: 'failed', code: 'sign-check-failure' });
    expect(classifyCreate(ok200(xml('failure', '', 'Illegal request')), CODE)).toMatchObject({ kind: 'failed', code: 'sign-check-failure' });
  });

  it('system errors answered with HTTP 200 → retry', () => {
    expect(classifyCreate(ok200(xml('failure', 'SYSTEM_ERROR', '系统繁忙，请稍后重试')), CODE)).toMatchObject({ kind: 'retry', reason: 'SYSTEM_ERROR: 系统繁忙，请稍后重试' });
    expect(classifyCreate(ok200(xml('failure', 'isp.remote-service-timeout', 'remote service timeout')), CODE).kind).toBe('retry');
  });

  it('a business refusal → failed, the WMS code as code and its message as reason, verbatim', () => {
    expect(classifyCreate(ok200(xml('failure', 'INVENTORY_SHORTAGE', '商品[SP-1]库存不足，无法创建出库单')), CODE)).toEqual({
      kind: 'failed',
      code: 'INVENTORY_SHORTAGE',
      reason: '商品[SP-1]库存不足，无法创建出库单',
      body: { flag: 'failure', code: 'INVENTORY_SHORTAGE', message: '商品[SP-1]库存不足，无法创建出库单' },
    });
    expect(classifyCreate(ok200(xml('failure', '', '')), CODE)).toMatchObject({ kind: 'failed', code: 'failure', reason: 'flag failure without code or message' });
  });

  it('HTTP 5xx → retry (Retry-After as the floor), 429 → retry and pause, 504 → unknown', () => {
    expect(classifyCreate({ status: 502, text: '<html>Bad Gateway</html>' }, CODE)).toMatchObject({ kind: 'retry', reason: 'HTTP 502: <html>Bad Gateway</html>' });
    expect(classifyCreate({ status: 503, text: '', retryAfter: '30' }, CODE)).toEqual({ kind: 'retry', reason: 'HTTP 503', afterMs: 30_000 });
    expect(classifyCreate({ status: 429, text: '' }, CODE)).toEqual({ kind: 'retry', reason: 'HTTP 429', afterMs: 60_000, pauseTarget: true });
    expect(classifyCreate({ status: 504, text: 'Gateway Timeout' }, CODE)).toMatchObject({ kind: 'unknown' });
    expect(classifyCreate({ status: 404, text: '' }, CODE)).toMatchObject({ kind: 'failed', code: 'http_404', reason: 'HTTP 404 (check baseUrl)' });
  });

  it('an HTTP 200 that cannot be read, or has no flag → unknown (it may have been created)', () => {
    expect(classifyCreate(ok200('<response><flag>succ'), CODE)).toMatchObject({ kind: 'unknown' });
    expect(classifyCreate(ok200('OK'), CODE)).toMatchObject({ kind: 'unknown' });
    expect(classifyCreate(ok200('<response><code>0</code></response>'), CODE)).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('no <response><flag>') });
  });

  it("TOP's error_response: the app call limit → retry after the ban with the target paused; a bad sign → failed", () => {
    const limited = '<error_response><code>7</code><msg>App Call Limited</msg><sub_code>accesscontrol.limited-by-app-access-count</sub_code><sub_msg>This ban will last 12 more seconds</sub_msg></error_response>';
    expect(classifyCreate(ok200(limited), CODE)).toMatchObject({ kind: 'retry', afterMs: 12_000, pauseTarget: true });
    expect(classifyCreate(ok200('<error_response><code>25</code><msg>Invalid signature</msg><sub_code>isv.sign-check-failure</sub_code></error_response>'), CODE)).toMatchObject({
      kind: 'failed',
      code: 'sign-check-failure',
    });
    expect(classifyCreate(ok200('<error_response><code>15</code><msg>Remote service error</msg><sub_code>isp.unknown-error</sub_code></error_response>'), CODE).kind).toBe('retry');
  });
});

describe('a cancel answer', () => {
  it('success, or "already cancelled" → ok', () => {
    expect(classifyCancel(ok200(xml('success', '0', 'success'))).kind).toBe('ok');
    expect(classifyCancel(ok200(xml('failure', 'E01', '单据已取消'))).kind).toBe('ok');
  });

  it('shipped / cannot be cancelled → failed not-cancellable; not found → failed not-found', () => {
    expect(classifyCancel(ok200(xml('failure', 'E02', '单据[DO-1]已发货，不能取消')))).toMatchObject({ kind: 'failed', code: 'not-cancellable' });
    expect(classifyCancel(ok200(xml('failure', 'E03', '订单已取消，不能取消'))).kind).toBe('failed');
    expect(classifyCancel(ok200(xml('failure', 'E04', '单据[DO-1]不存在')))).toMatchObject({ kind: 'failed', code: 'not-found' });
  });

  it('system errors → retry; a bad sign → failed', () => {
    expect(classifyCancel(ok200(xml('failure', 'SYSTEM_ERROR', '系统异常'))).kind).toBe('retry');
    expect(classifyCancel(ok200(xml('failure', 'sign-check-failure', 'Illegal request')))).toMatchObject({ kind: 'failed', code: 'sign-check-failure' });
  });
});

describe('a query answer', () => {
  it('the delivery order → found, with its status and line count', () => {
    const found = xml('success', '0', 'success', `<totalLines>2</totalLines><deliveryOrder><deliveryOrderCode>${CODE}</deliveryOrderCode><deliveryOrderId>WMS1</deliveryOrderId><status>ACCEPT</status></deliveryOrder>`);
    expect(classifyQuery(ok200(found), CODE)).toMatchObject({ kind: 'found', status: 'ACCEPT', deliveryOrderId: 'WMS1', totalLines: 2 });
  });

  it('"does not exist", success without the order, or another order → absent', () => {
    expect(classifyQuery(ok200(xml('failure', 'ORDER_NOT_EXIST', `单据[${CODE}]不存在`)), CODE)).toMatchObject({ kind: 'absent' });
    expect(classifyQuery(ok200(xml('success', '0', '')), CODE)).toMatchObject({ kind: 'absent' });
    expect(classifyQuery(ok200(xml('success', '0', '', '<deliveryOrder><deliveryOrderCode>DO-other</deliveryOrderCode></deliveryOrder>')), CODE)).toMatchObject({ kind: 'absent' });
  });

  it('anything else → error (the engine keeps the delivery unknown)', () => {
    expect(classifyQuery(ok200(xml('failure', 'sign-check-failure', 'Illegal request')), CODE)).toMatchObject({ kind: 'error' });
    expect(classifyQuery({ status: 502, text: '' }, CODE)).toMatchObject({ kind: 'error', reason: 'HTTP 502' });
    expect(classifyQuery(ok200('garbage'), CODE)).toMatchObject({ kind: 'error' });
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('5')).toBe(5000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
