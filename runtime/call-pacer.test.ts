/**
 * A platform app's call budget, against the Tmall simulator with its call limit and ban: two
 * shops of one app pull at once without being banned, a ban is waited out (not called into, not
 * failed), and the sweep fetches only the trade the pulls missed.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTmallSandbox, type TmallSandbox } from '../connectors/tmall/sandbox/server.ts';
import { Pipeline } from '../core/ingest/pipeline.ts';
import type { PipelineConfig } from '../core/ingest/types.ts';
import { compileMapping } from '../core/mapping/index.ts';
import type { Store } from '../core/store/port.ts';
import type { HubConfig } from './config.ts';
import { bindShops } from './connectors.ts';
import { DEFAULT_PULL, pullShop, sweepShop } from './poller.ts';
import { openLibsqlStore } from './store/libsql.ts';

const mapping = compileMapping(readFileSync(new URL('../mappings/tmall.yaml', import.meta.url), 'utf8'), { file: 'mappings/tmall.yaml' });
const pipelineConfig: PipelineConfig = {
  channels: { tmall: { mapping } },
  policy: {
    route: () => ({ shipments: [], unrouted: [], explanation: ['not routed here'], rule: 'test' }),
    rules: () => ({ holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [], priority: 0, explanation: [] }),
    addressKey: (r) => `${r.province}|${r.city}|${r.district}|${r.address}`,
    lookbackMinutes: 60,
  },
  stock: { shortfall: 'backorder', channels: {} },
  deliveries: [],
  groupWindowMs: 1,
};

const HOUR = 3_600_000;
let sim: TmallSandbox;
let store: Store;

afterEach(async () => {
  await sim?.close();
  await store?.close();
});

async function setUp(options: { trades: number; callLimit?: { calls: number; perMs: number; banSeconds: number }; limits: { calls: number; perMs: number } }) {
  const window = { from: Date.now() - 3 * HOUR, to: Date.now() - 2 * HOUR };
  sim = await startTmallSandbox({ trades: options.trades, window, seed: 11, ...(options.callLimit ? { callLimit: options.callLimit } : {}) });
  store = await openLibsqlStore({ url: ':memory:' });
  const shop = (name: string) => ({ channel: 'tmall', shop: name, tenant: 't1', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, session: sim.session, limits: options.limits });
  // Two shops authorised to one app: the platform counts their calls together.
  const sent: number[] = [];
  const recording: typeof fetch = (input, init) => (sent.push(Date.now()), fetch(input, init));
  const shops = bindShops({ shops: [shop('flagship'), shop('outlet')] } as unknown as HubConfig, { fetch: recording });
  return { shops, sent, pipeline: new Pipeline(store, pipelineConfig), from: new Date(window.from - HOUR), to: new Date(window.to + HOUR) };
}

const pullOptions = (from: Date) => ({ ...DEFAULT_PULL, windowMinutes: 24 * 60, overlapMinutes: 0, lagMinutes: 0, firstFrom: from, maxPages: 100 });
const bans = () => sim.calls.filter((c) => c.error === 7).length;

describe('the call budget of a platform app', () => {
  it('paces the shops of one app together, under the platform call limit', async () => {
    // The simulator bans the app past 6 calls in any 400 ms; the app is paced at 5 per 400 ms.
    const { shops, sent, pipeline, from, to } = await setUp({ trades: 8, callLimit: { calls: 6, perMs: 400, banSeconds: 5 }, limits: { calls: 5, perMs: 400 } });
    expect(shops[0]!.pacer).toBe(shops[1]!.pacer);
    const reports = await Promise.all(shops.map((binding) => pullShop(store, pipeline, binding, pullOptions(from), to)));

    expect(bans()).toBe(0);
    expect(reports.map((r) => [r.orders, r.waits, r.error])).toEqual([
      [8, 0, undefined],
      [8, 0, undefined],
    ]);
    expect(sim.calls.filter((c) => c.method === 'taobao.trade.fullinfo.get')).toHaveLength(16);
    // As sent: the pacer spaces the calls it lets out (arrival adds the network's jitter).
    const busiest = Math.max(...sent.map((t) => sent.filter((u) => u >= t && u < t + 400).length));
    expect(busiest).toBeLessThanOrEqual(5);
    expect(await store.query("SELECT count(*) AS n FROM orders WHERE tenant = 't1'")).toEqual([{ n: 8 }]);
  });

  it('waits out a ban once, holding every call of the app, and then finishes the pull', async () => {
    const { shops, pipeline, from, to } = await setUp({ trades: 4, limits: { calls: 100, perMs: 1000 } });
    sim.ban(1);
    const started = Date.now();
    const held = async () => {
      while (!shops[1]!.pacer!.heldFor()) await new Promise((r) => setTimeout(r, 5));
    };
    const [report, other] = await Promise.all([
      pullShop(store, pipeline, shops[0]!, pullOptions(from), to),
      // The other shop of the app starts pulling during the ban: its calls wait for its end.
      held().then(() => pullShop(store, pipeline, shops[1]!, pullOptions(from), to)),
      // A stock update during the ban is not sent into it, but put off.
      held().then(async () => {
        const outcome = await shops[1]!.connector.updateStock!({ sku: 'X', available: 1, channelSkuId: '1:2' });
        expect(outcome).toMatchObject({ outcome: 'retry', pauseTarget: true });
        expect((outcome as { afterMs: number }).afterMs).toBeGreaterThan(0);
      }),
    ]);

    expect([report, other].map((r) => [r!.orders, r!.error])).toEqual([
      [4, undefined],
      [4, undefined],
    ]);
    expect(report!.waits).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // One call met the ban; nothing else was sent until it ended.
    expect(bans()).toBe(1);
    expect(sim.calls.filter((c) => c.method === 'taobao.item.quantity.update')).toHaveLength(0);
  });

  it('sweeps a past window again and fetches only the trade the pulls missed', async () => {
    const { shops, pipeline, from, to } = await setUp({ trades: 6, limits: { calls: 100, perMs: 1000 } });
    await pullShop(store, pipeline, shops[0]!, pullOptions(from), to);
    // The platform indexes a trade late: it appears in a window already read.
    const late = { ...[...sim.trades.values()][0]!, tid: '4100000000000000999', tid_str: '4100000000000000999' };
    sim.trades.set(late.tid, late);
    const callsBefore = sim.calls.length;

    const report = await sweepShop(store, pipeline, shops[0]!, from, to);

    expect(report).toMatchObject({ found: 1, listedAgain: 1 });
    const fetched = sim.calls.slice(callsBefore).filter((c) => c.method === 'taobao.trade.fullinfo.get');
    expect(fetched.map((c) => c.params.tid)).toEqual([late.tid]);
    expect(await store.query("SELECT count(*) AS n FROM orders WHERE tenant = 't1'")).toEqual([{ n: 7 }]);
  });
});
