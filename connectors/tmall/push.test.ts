import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../core/connector/types.ts';
import { createTmallConnector } from './index.ts';
import { parseTmcMessages } from './push.ts';
import { startTmallSandbox, type TmallSandbox } from './sandbox/server.ts';

let clock = Date.UTC(2024, 4, 20, 6, 0, 0);
let sim: TmallSandbox;
let tmall: Connector;
let tids: string[];

beforeEach(async () => {
  clock = Date.UTC(2024, 4, 20, 6, 0, 0);
  sim = await startTmallSandbox({ trades: 4, now: () => clock });
  tmall = createTmallConnector({ channel: 'tmall', shop: 'flagship', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, session: sim.session }, { fetch, now: () => clock });
  // A multi-line trade first, so a refund names one line of several.
  tids = [...sim.trades.values()].sort((a, b) => (b.orders as { order: unknown[] }).order.length - (a.orders as { order: unknown[] }).order.length).map((t) => t.tid);
});
afterEach(async () => sim.close());

const lines = (tid: string) => (sim.trades.get(tid)!.orders as { order: Array<{ oid: string }> }).order;

describe('TMC messages from the relay', () => {
  it('accepts signed messages: a fetch per trade named, and a finished refund as after-sale news', async () => {
    const [a, b] = tids as [string, string];
    const oid = lines(a)[1]!.oid;
    const messages = [sim.tmcMessage('taobao_trade_TradeCreate', b), sim.tmcMessage('taobao_trade_TradeBuyerPay', b), sim.tmcMessage('taobao_refund_RefundSuccess', a, { oid }), sim.tmcMessage('taobao_item_ItemUpdate', a)];
    const request = sim.tmcRequest(messages);
    // Message ids and tids travel as bare int64 numbers.
    expect(request.body).toMatch(/"id":21\d{17}/);
    expect(request.body).toContain(`\\"tid\\":${b}`);
    const result = await tmall.receive!(request);
    expect(result.rejected).toBeUndefined();
    expect(result.response).toEqual({ status: 200, headers: { 'content-type': 'application/json;charset=utf-8' }, body: '{"success":true}' });
    expect(result.messageIds).toEqual(messages.map((m) => m.id));
    expect(result.items).toEqual([
      { kind: 'fetch', externalId: b },
      { kind: 'fetch', externalId: a },
      { kind: 'after-sale', externalId: a, type: 'refund', lineIds: [oid], at: '2024-05-20T14:00:00+08:00' },
    ]);
  });

  it('takes the consume response, its message list or one message, and the hmac-sha256 variant', async () => {
    const message = sim.tmcMessage('taobao_trade_TradeChanged', tids[0]!);
    for (const body of [JSON.stringify({ messages: { tmc_message: [message] } }), JSON.stringify([message]), JSON.stringify(message)]) {
      expect(parseTmcMessages(body)?.map((m) => m.content.tid)).toEqual([tids[0]]);
    }
    const result = await tmall.receive!(sim.tmcRequest([message], { signMethod: 'hmac-sha256' }));
    expect(result.items).toEqual([{ kind: 'fetch', externalId: tids[0] }]);
  });

  it('refuses a forged push: body changed after signing, another secret, no sign', async () => {
    const request = sim.tmcRequest([sim.tmcMessage('taobao_trade_TradeCreate', tids[0]!)]);
    const tampered = await tmall.receive!({ ...request, body: request.body.replace(tids[0]!, tids[1]!) });
    expect(tampered).toMatchObject({ response: { status: 401 }, rejected: 'the sign does not match', items: [] });
    const otherSecret = await tmall.receive!(sim.tmcRequest([sim.tmcMessage('taobao_trade_TradeCreate', tids[0]!)], { secret: 'someone-else' }));
    expect(otherSecret).toMatchObject({ response: { status: 401 }, rejected: 'the sign does not match' });
    const { sign: _, ...query } = request.query;
    expect(await tmall.receive!({ ...request, query })).toMatchObject({ response: { status: 401 }, rejected: 'no sign in the query string' });
    for (const r of [tampered, otherSecret]) expect(JSON.stringify(r)).not.toContain(sim.appSecret);
  });

  it('refuses a stale push (older than 10 minutes), even correctly signed', async () => {
    const request = sim.tmcRequest([sim.tmcMessage('taobao_trade_TradeCreate', tids[0]!)], { timestamp: clock - 30 * 60_000 });
    const result = await tmall.receive!(request);
    expect(result).toMatchObject({ response: { status: 401 }, items: [] });
    expect(result.rejected).toMatch(/^stale: timestamp 2024-05-20 13:30:00 \(Beijing\)/);
  });

  it('names the same message ids when a push is replayed, so the second is dropped; a late replay is stale', async () => {
    const request = sim.tmcRequest([sim.tmcMessage('taobao_trade_TradeSuccess', tids[0]!)]);
    const first = await tmall.receive!(request);
    clock += 60_000;
    const again = await tmall.receive!(request);
    // The runtime keeps the ids it has handled (push_messages) and answers a repeat without acting.
    expect(again.messageIds).toEqual(first.messageIds);
    clock += 15 * 60_000;
    expect((await tmall.receive!(request)).rejected).toMatch(/^stale/);
  });

  it('answers 400 to a signed body that holds no TMC messages, and 405 to a GET', async () => {
    const request = sim.tmcRequest([sim.tmcMessage('taobao_trade_TradeCreate', tids[0]!)]);
    for (const body of ['{"hello":"world"}', 'not json', '{"messages":{"tmc_message":[{"topic":"taobao_trade_TradeCreate","content":"{"}]}}']) {
      const result = await tmall.receive!(resign({ ...request, body }));
      expect(result).toMatchObject({ response: { status: 400 }, rejected: 'malformed: the body holds no TMC messages', items: [] });
    }
    expect((await tmall.receive!({ ...request, method: 'GET' })).response.status).toBe(405);
  });
});

/** The relay's signature (SPI md5 rule) over any body, for the malformed-body cases. */
function resign(request: { method: string; headers: Record<string, string>; query: Record<string, string>; body: string }) {
  const { sign: _, ...query } = request.query;
  const base = Object.keys(query).sort().map((k) => k + query[k]).join('') + request.body;
  const sign = createHash('md5').update(sim.appSecret + base + sim.appSecret, 'utf8').digest('hex').toUpperCase();
  return { ...request, query: { ...query, sign } };
}
