import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../core/ingest/pipeline.ts';
import { DEFAULT_PULL, pullShop } from '../runtime/poller.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

describe('pullShop', () => {
  it('resumes from its cursor after downtime, not from the first-pull bound', async () => {
    const store = await openLibsqlStore({ url: ':memory:' });
    const windows: string[] = [];
    const connector = {
      async pull(w: { from: string; to: string }) {
        windows.push(`${w.from}..${w.to}`);
        return { ok: true as const, orders: [], next: null };
      },
    };
    const binding = { tenant: 't1', channel: 'webhook', shop: 's1', connector } as never;
    const pipeline = {} as Pipeline;
    const dayBefore = (now: Date) => new Date(now.getTime() - 24 * 3600_000);

    let now = new Date('2024-05-01T12:00:00Z');
    await pullShop(store, pipeline, binding, { ...DEFAULT_PULL, firstFrom: dayBefore(now), maxPages: 1000 }, now);
    const [{ done_to }] = (await store.query('SELECT done_to FROM pull_cursors')) as [{ done_to: string }];

    now = new Date('2024-05-04T12:00:00Z');
    windows.length = 0;
    await pullShop(store, pipeline, binding, { ...DEFAULT_PULL, firstFrom: dayBefore(now), maxPages: 1 }, now);
    const overlap = DEFAULT_PULL.overlapMinutes * 60_000;
    expect(windows[0]!.split('..')[0]).toBe(new Date(new Date(done_to).getTime() - overlap).toISOString());
    await store.close();
  });
});
