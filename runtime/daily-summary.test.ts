import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileMessages } from '../adapters/im-dingtalk/templates.ts';
import { insertRows, type Store } from '../core/store/port.ts';
import { queueDailySummaries } from './daily-summary.ts';
import { openLibsqlStore } from './store/libsql.ts';

let store: Store;

const order = (id: string, channel: string, paid: number, createdAt: string, holds: string | null = null) => [
  't1', id, channel, `X${id}`, 'paid', 'none', createdAt, Date.parse(createdAt), 1, JSON.stringify({ amounts: { paid } }), holds, 'allocated', createdAt, 'inb_1',
];

beforeEach(async () => {
  store = await openLibsqlStore({ url: ':memory:' });
  await store.batch(
    insertRows(
      'orders',
      ['tenant', 'id', 'channel', 'external_id', 'status', 'after_sale', 'updated_at', 'updated_ms', 'version', 'doc', 'holds', 'stage', 'created_at', 'last_inbox'],
      [
        // 2024-05-01 in Beijing runs from 2024-04-30T16:00Z to 2024-05-01T16:00Z.
        order('o1', 'tmall', 12_345, '2024-04-30T16:00:00.000Z'),
        order('o2', 'tmall', 100, '2024-05-01T10:00:00.000Z', '[{"rule":"big","reason":"x"}]'),
        order('o3', 'jd', 99_900, '2024-05-01T15:59:59.999Z'),
        order('o4', 'jd', 1, '2024-05-01T16:00:00.000Z'),
        order('o5', 'tmall', 7, '2024-04-30T15:59:59.999Z'),
      ],
    ),
  );
  const at = '2024-05-01T12:00:00.000Z';
  await store.batch(
    insertRows(
      'outbox',
      ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at', 'delivered_at'],
      [
        ['t1', 'd1', 'kingdee', 'erp.sale_order', 'k1', '{}', 'delivered', 0, at, at, at, at],
        ['t1', 'd2', 'kingdee', 'erp.sale_order', 'k2', '{}', 'dead', 0, at, at, at, null],
      ],
    ),
  );
});
afterEach(async () => store.close());

describe('the daily summary', () => {
  it("queues yesterday's numbers once per bot after the hour, and the robot template shows them", async () => {
    const options = { tenants: ['t1'], targets: ['dingtalk', 'wecom'], at: '09:00' };
    expect(await queueDailySummaries(store, { ...options, now: new Date('2024-05-02T00:59:00Z') })).toBe(0); // 08:59 Beijing
    expect(await queueDailySummaries(store, { ...options, now: new Date('2024-05-02T01:01:00Z') })).toBe(2);
    expect(await queueDailySummaries(store, { ...options, now: new Date('2024-05-02T05:00:00Z') })).toBe(0);

    const rows = await store.query("SELECT target, idempotency_key, payload FROM outbox WHERE kind = 'notify.daily_summary' ORDER BY target");
    expect(rows.map((r) => [r.target, r.idempotency_key])).toEqual([
      ['dingtalk', 'notify.daily_summary/dingtalk/2024-05-01'],
      ['wecom', 'notify.daily_summary/wecom/2024-05-01'],
    ]);
    const summary = JSON.parse(String(rows[0]!.payload));
    expect(summary).toEqual({
      day: '2024-05-01',
      orders: 3,
      paid: 112_345,
      paidYuan: '1123.45',
      byChannel: [
        { channel: 'tmall', orders: 2, paid: 12_445, paidYuan: '124.45' },
        { channel: 'jd', orders: 1, paid: 99_900, paidYuan: '999.00' },
      ],
      delivered: 1,
      held: 1,
      quarantined: 0,
      deadLetters: 1,
    });

    const render = compileMessages();
    const message = render({ tenant: 't1', id: 'd', target: 'dingtalk', kind: 'notify.daily_summary', idempotencyKey: 'k', orderId: null, payload: summary, attempts: 0, createdAt: '' }, Date.parse('2024-05-02T01:01:00Z'));
    expect(message.title).toBe('每日汇总 2024-05-01');
    expect(message.text).toContain('- 新订单：3 单，实付 ¥1123.45');
    expect(message.text).toContain('  - jd：1 单，¥999.00');
    expect(message.text).toContain('- 投递失败待处理：1');
  });
});
