import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import { SAMPLE_ORDER } from '../../test/support/sample-order.ts';
import { createYonyouAdapter, documentKeyFor, TOKEN_RETRY_MS } from './index.ts';
import { THROTTLED_MS } from './classify.ts';
import { startYonyouSandbox, type YonyouSandbox } from './sandbox/server.ts';
import { signYonyouToken } from './sign.ts';

const mapping = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
// The second line a book, taxed at 9 %.
const ORDER: CanonicalOrder = { ...SAMPLE_ORDER, lines: [SAMPLE_ORDER.lines[0]!, { lineId: 'L2', sku: 'BOOK-0001', title: '茶经', quantity: 1, unitPrice: 3900, discount: 0, amount: 3900 }] };
const delivery = (kind: string, payload: Record<string, unknown> = {}, key = `${kind}/tmall/${ORDER.externalId}`): Delivery => ({
  tenant: 't1', id: `dlv_${kind}`, target: 'yonyou', kind, idempotencyKey: key, orderId: 'ord_1', payload, order: ORDER, attempts: 0, createdAt: '2024-05-01T02:00:00Z',
});

let sim: YonyouSandbox;
afterEach(async () => sim?.close());

async function adapter(extra: { timeoutMs?: number } = {}) {
  sim ??= await startYonyouSandbox();
  return createYonyouAdapter(
    { baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, mappings: { saleOrder: mapping('sale-order.yaml'), voucher: mapping('voucher.yaml'), voucherRefund: mapping('voucher-refund.yaml') }, ...extra },
    { fetch },
  );
}

describe('the Yonyou token signature', () => {
  it('is Base64 HmacSHA256 of the sorted parameters written name then value (corp-demo SignHelper.java)', async () => {
    const { signed, sign } = await signYonyouToken('7f3e2d1c0b9a8f7e6d5c4b3a29180716', { timestamp: '1714528800000', appKey: '41c1a5d1' });
    expect(signed).toBe('appKey41c1a5d1timestamp1714528800000');
    expect(sign).toBe(createHmac('sha256', '7f3e2d1c0b9a8f7e6d5c4b3a29180716').update('appKey41c1a5d1timestamp1714528800000').digest('base64'));
  });
});

describe('the Yonyou adapter against the sandbox', () => {
  it('saves a sale order with tax split per line in whole fen, on one token', async () => {
    sim = await startYonyouSandbox();
    const yonyou = await adapter();
    const outcome = await yonyou.send(delivery('erp.sale_order'));
    expect(outcome).toMatchObject({ outcome: 'delivered', response: { code: '200', data: { code: expect.stringMatching(/^SO/) } } });
    const [stored] = [...sim.saleOrders.values()];
    expect(stored).toMatchObject({ resubmitCheckKey: 'SO-tmall-3791827364510', _status: 'Insert', salesOrgId: '1001', agentId: 'CUST-TMALL', vouchdate: '2024-05-01 09:58:00', payMoney: '1237.00' });
    const lines = stored!.orderDetails as Array<Record<string, unknown>>;
    // 1198.00 at 13 %: 137.82 tax (13782.3 fen); the book at 9 %: 3.22 (322.02 fen).
    expect(lines.map((l) => [l.productId, l.taxId, l.oriSum, l['orderDetailPrices!oriTax'], l['orderDetailPrices!oriMoney']])).toEqual([
      ['TEA-001', 'VAT13', '1198.00', '137.82', '1060.18'],
      ['BOOK-0001', 'VAT9', '39.00', '3.22', '35.78'],
    ]);
    expect((await yonyou.send(delivery('erp.sale_order', {}, 'erp.sale_order/tmall/2'))).outcome).toBe('delivered');
    expect(sim.tokensIssued).toBe(1);
    expect(yonyou.idempotent).toBe(true);
  });

  it('sends an ambiguous call again with the same resubmitCheckKey and keeps one sale order', async () => {
    sim = await startYonyouSandbox({ slowMs: 600 });
    const yonyou = await adapter({ timeoutMs: 200 });
    sim.failNext('slow-after-store');
    expect(await yonyou.send(delivery('erp.sale_order'))).toMatchObject({ outcome: 'unknown' });
    const again = await yonyou.send(delivery('erp.sale_order'));
    expect(again).toMatchObject({ outcome: 'delivered' });
    expect(sim.saleOrders.size).toBe(1);
    expect((again as { response: { data: { id: string } } }).response.data.id).toBe([...sim.saleOrders.values()][0]!.id);
  });

  it('posts a balanced voucher, takes a repeat of its businessId as done, and reverses a refund with a red voucher', async () => {
    sim = await startYonyouSandbox();
    const yonyou = await adapter();
    expect(await yonyou.send(delivery('erp.voucher'))).toMatchObject({ outcome: 'delivered', response: { code: '200', data: { totalDebitOrg: 1237 } } });
    expect(await yonyou.send(delivery('erp.voucher'))).toMatchObject({ outcome: 'delivered', response: { code: '999' } });
    expect(sim.vouchers.size).toBe(1);
    const voucher = sim.vouchers.get('GL-tmall-3791827364510')!;
    expect((voucher.bodies as Array<Record<string, unknown>>).map((b) => [b.accsubjectCode, b.debitOrg ?? null, b.creditOrg ?? null])).toEqual([
      ['1122', '1237.00', null],
      ['6001', null, '1094.69'],
      ['22210102', null, '142.31'],
    ]);

    const refund = delivery('erp.voucher.red', { refundedLines: [{ lineId: 'L2', sku: 'BOOK-0001', quantity: 1, amount: 3900 }], reverses: `erp.voucher/tmall/${ORDER.externalId}` }, `erp.voucher.red/tmall/${ORDER.externalId}/refund-v3`);
    expect(await yonyou.send(refund)).toMatchObject({ outcome: 'delivered' });
    // Too long to read as it is: the channel and a digest of the key.
    const red = sim.vouchers.get(await documentKeyFor(refund.idempotencyKey, 'voucherRefund'))!;
    expect(await documentKeyFor(refund.idempotencyKey, 'voucherRefund')).toMatch(/^GLR-tmall-[A-Z2-7]{22}$/);
    expect(red.description).toBe('冲销 GL-tmall-3791827364510：tmall 订单 3791827364510 退款');
    expect((red.bodies as Array<Record<string, unknown>>).map((b) => b.debitOrg ?? b.creditOrg)).toEqual(['-39.00', '-34.51', '-4.49']);
  });

  it('classifies the gateway: a lost token is fetched again, throttling holds the target, 5xx retries, a business error fails', async () => {
    sim = await startYonyouSandbox();
    const yonyou = await adapter();
    sim.failNext('token-lost', 'throttle', 'server-error', 'business-error');
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await yonyou.send(delivery('erp.sale_order')));
    expect(outcomes.map((o) => [o.outcome, 'afterMs' in o ? o.afterMs : null, 'pauseTarget' in o ? o.pauseTarget : null, 'code' in o ? o.code : null])).toEqual([
      ['retry', TOKEN_RETRY_MS, null, null],
      ['retry', THROTTLED_MS, true, null],
      ['retry', 5_000, null, null],
      ['failed', null, null, '999'],
      ['delivered', null, null, null],
    ]);
    expect(sim.tokensIssued).toBe(2);
    const kept = JSON.stringify(outcomes);
    expect(kept).not.toContain(sim.appSecret);
    expect(kept).not.toMatch(/yb_[0-9a-f]{32}/);
  });
});
