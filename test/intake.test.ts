import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../core/ingest/pipeline.ts';
import type { PushResult } from '../core/connector/types.ts';
import { receivePush } from '../runtime/intake.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

describe('receivePush', () => {
  it('keeps every after-sale item of one message, and a repeated item once', async () => {
    const store = await openLibsqlStore({ url: ':memory:' });
    const refund = (lineId: string, at: string) => ({ kind: 'after-sale' as const, externalId: 'T1', type: 'refund' as const, lineIds: [lineId], at });
    const pushes: PushResult[] = [
      { response: { status: 200, body: 'ok' }, messageIds: ['m1'], items: [refund('1', '2024-05-01T11:00:00+08:00'), refund('2', '2024-05-01T11:01:00+08:00')] },
      { response: { status: 200, body: 'ok' }, items: [refund('1', '2024-05-01T11:00:00+08:00')] },
    ];
    const connector = { channel: 'webhook', limits: {}, receive: async () => pushes.shift()! };
    const binding = { tenant: 't1', channel: 'webhook', shop: 's1', connector } as never;
    const pipeline = { applyAfterSale: (...args: [string, string, string, never, string]) => store.batch([{ sql: 'INSERT INTO pending_after_sale (tenant, channel, external_id, inbox_id, received_at, event) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', args: [args[0], args[1], args[2], args[4], 'now', JSON.stringify(args[3])] }]) } as unknown as Pipeline;
    const request = { headers: {}, body: '{}' } as never;
    await receivePush(store, pipeline, binding, request);
    await receivePush(store, pipeline, binding, request);
    const events = (await store.query('SELECT event FROM pending_after_sale ORDER BY event')).map((r) => JSON.parse(String(r.event)).lineIds);
    expect(events).toEqual([['1'], ['2']]);
    await store.close();
  });
});
