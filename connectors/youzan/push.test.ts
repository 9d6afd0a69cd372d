import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PushRequest, PushResult } from '../../core/connector/types.ts';
import { createYouzan } from './index.ts';
import { startYouzanSandbox, type BuiltPush, type YouzanSandbox } from './sandbox/server.ts';

const NOW = Date.parse('2024-05-29T12:00:00+08:00');
const MINUTE = 60_000;
const ACK = '{"code":0,"msg":"success"}';

let sim: YouzanSandbox;
let tid: string;
let oids: string[];
beforeEach(async () => {
  sim = await startYouzanSandbox({ now: () => NOW, generate: { count: 3, from: NOW - 60 * MINUTE, to: NOW - 30 * MINUTE } });
  const order = [...sim.orders.values()][0]!;
  tid = String(order.order_info.tid);
  oids = (order.orders as Array<{ oid: string }>).map((o) => o.oid);
});
afterEach(async () => sim.close());

function connector(extra: Record<string, unknown> = {}) {
  return createYouzan({ channel: 'youzan', shop: 'main', baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, kdtId: sim.kdtId, ...extra }, { fetch: sim.fetch, now: () => NOW });
}
const asRequest = (push: BuiltPush, changes: Partial<PushRequest> = {}): PushRequest => ({ method: 'POST', headers: push.headers, query: {}, body: push.body, ...changes });
const receive = (push: BuiltPush, changes: Partial<PushRequest> = {}) => connector().receive!(asRequest(push, changes));

describe('Youzan pushes', () => {
  it('are received over HTTP, verified on the raw body, and answered {"code":0,"msg":"success"}', async () => {
    const youzan = connector();
    const results: PushResult[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
        void youzan.receive!({ method: req.method ?? 'POST', headers, query: {}, body: Buffer.concat(chunks).toString('utf8') }).then((result) => {
          results.push(result);
          res.writeHead(result.response.status, result.response.headers);
          res.end(result.response.body);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push/youzan/main`;
      const sent = await sim.push(url, { type: 'trade_TradeBuyerPay', tid, msgId: 'b3f1c1f0-1111-4a4a-9c9c-000000000001' });
      expect(sent).toMatchObject({ status: 200, text: ACK });
      expect(results[0]).toEqual({ response: { status: 200, headers: { 'content-type': 'application/json' }, body: ACK }, messageIds: ['b3f1c1f0-1111-4a4a-9c9c-000000000001'], items: [{ kind: 'fetch', externalId: tid }] });
      // The push carried the documented fields and headers.
      expect(Object.keys(sent.sent.envelope)).toEqual(expect.arrayContaining(['client_id', 'id', 'kdt_id', 'kdt_name', 'mode', 'msg', 'sendCount', 'sign', 'status', 'test', 'type', 'version']));
      expect(Object.keys(sent.sent.headers)).toEqual(expect.arrayContaining(['event-sign', 'event-type', 'client-id']));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it.each(['trade_TradeCreate', 'trade_TradeBuyerPay', 'trade_TradeSellerShip', 'trade_TradeSuccess', 'trade_TradeClose', 'trade_TradeMemoModified', 'trade_TradePartlySellerShip'])('%s asks for the order to be fetched', async (type) => {
    const result = await receive(sim.buildPush({ type, tid }));
    expect(result).toMatchObject({ response: { status: 200, body: ACK }, items: [{ kind: 'fetch', externalId: tid }] });
    expect(result.rejected).toBeUndefined();
  });

  it('take the order number from a whole full_order_info in msg too', async () => {
    const result = await receive(sim.buildPush({ type: 'trade_TradePaid', tid, msg: { full_order_info: sim.orders.get(tid) } }));
    expect(result.items).toEqual([{ kind: 'fetch', externalId: tid }]);
  });

  it('turn a refund that went through into an after-sale refund of its lines, at its time, plus a fetch', async () => {
    const msg = { tid, oids: `${oids[0]}`, refund_id: '201905211234', refunded_fee: '10.00', refund_type: 'REFUND_ONLY', update_time: '2024-05-29 11:45:10' };
    const result = await receive(sim.buildPush({ type: 'trade_refund_RefundSuccess', tid, msg }));
    expect(result.items).toEqual([
      { kind: 'after-sale', externalId: tid, type: 'refund', lineIds: [oids[0]], at: '2024-05-29T11:45:10+08:00' },
      { kind: 'fetch', externalId: tid },
    ]);
    // A system refund of the whole order (no oids).
    const whole = await receive(sim.buildPush({ type: 'trade_refund_SysRefund', tid, msg: { tid, update_time: '2024-05-29 11:50:00' } }));
    expect(whole.items[0]).toEqual({ kind: 'after-sale', externalId: tid, type: 'refund', at: '2024-05-29T11:50:00+08:00' });
  });

  it('only fetch for refunds still in progress, so nothing is refunded early', async () => {
    for (const type of ['trade_refund_BuyerCreated', 'trade_refund_RefundSellerAgree', 'trade_refund_RefundSellerRefuse', 'trade_refund_RefundClosed', 'trade_refund_RefundBuyerReturnGoods']) {
      expect((await receive(sim.buildPush({ type, tid }))).items).toEqual([{ kind: 'fetch', externalId: tid }]);
    }
  });

  it('refuse a forged or altered push: 401, the reason kept, nothing taken', async () => {
    const push = sim.buildPush({ type: 'trade_refund_RefundSuccess', tid });
    const altered = await receive(push, { body: push.body.replace('"sendCount":1', '"sendCount":2') });
    expect(altered).toMatchObject({ response: { status: 401 }, rejected: 'Event-Sign does not match md5(client_id + body + client_secret)', items: [] });
    expect(altered.messageIds).toBeUndefined();
    const forger = await startYouzanSandbox({ clientId: sim.clientId, clientSecret: 'a-guessed-secret' });
    try {
      expect(await receive(forger.buildPush({ type: 'trade_TradeCreate', tid }))).toMatchObject({ response: { status: 401 }, items: [] });
    } finally {
      await forger.close();
    }
    const unsigned = sim.buildPush({ type: 'trade_TradeCreate', tid, withoutEventSign: true });
    const envelope = { ...unsigned.envelope, sign: undefined };
    expect(await receive(unsigned, { body: JSON.stringify(envelope) })).toMatchObject({ response: { status: 401 }, rejected: 'no Event-Sign header and no sign field' });
    expect(await receive(push, { body: 'not json' })).toMatchObject({ response: { status: 400 }, items: [] });
    expect(JSON.stringify(altered)).not.toContain(sim.clientSecret);
  });

  it('acknowledge test messages and take nothing from them', async () => {
    const result = await receive(sim.buildPush({ type: 'trade_TradeCreate', tid, test: true }));
    expect(result).toEqual({ response: { status: 200, headers: { 'content-type': 'application/json' }, body: ACK }, items: [] });
  });

  it('name each message for replay detection: a resend has the same id, another message of the same order does not', async () => {
    const first = await receive(sim.buildPush({ type: 'trade_TradeCreate', tid, msgId: 'm-1' }));
    const resent = await receive(sim.buildPush({ type: 'trade_TradeCreate', tid, msgId: 'm-1', sendCount: 2 }));
    const paid = await receive(sim.buildPush({ type: 'trade_TradeBuyerPay', tid, msgId: 'm-2' }));
    expect(first.messageIds).toEqual(['m-1']);
    expect(resent.messageIds).toEqual(['m-1']);
    expect(paid.messageIds).toEqual(['m-2']);
    // Without msg_id: type, order number and version (which a resend keeps).
    const old = await receive(sim.buildPush({ type: 'trade_TradeClose', tid, msgId: null, version: 1621946649 }));
    const oldAgain = await receive(sim.buildPush({ type: 'trade_TradeClose', tid, msgId: null, version: 1621946649, sendCount: 3 }));
    expect(old.messageIds).toEqual([`trade_TradeClose:${tid}:1621946649`]);
    expect(oldAgain.messageIds).toEqual(old.messageIds);
  });

  it('accept the legacy body sign without Event-Sign, but then only as a nudge to fetch', async () => {
    const push = sim.buildPush({ type: 'trade_refund_RefundSuccess', tid, withoutEventSign: true });
    expect((await receive(push)).items).toEqual([{ kind: 'fetch', externalId: tid }]);
    const forged = JSON.stringify({ ...push.envelope, sign: '0123456789abcdef0123456789abcdef' });
    expect(await receive(push, { body: forged })).toMatchObject({ response: { status: 401 }, rejected: 'sign does not match md5(client_id + msg + client_secret)' });
  });

  it('decode msg as Youzan encodes it: URL-encoded UTF-8, spaces as +', async () => {
    const push = sim.buildPush({ type: 'trade_refund_RefundSuccess', tid, msg: { tid, oids: oids.join(','), update_time: '2024-05-29 11:45:10', refund_reason: '多拍/拍错/不想要 (50%)' } });
    expect(push.envelope.msg).toContain('+11%3A45%3A10');
    const result = await receive(push);
    expect(result.items[0]).toMatchObject({ kind: 'after-sale', lineIds: oids, at: '2024-05-29T11:45:10+08:00' });
  });

  it("acknowledge but take nothing from a push for another shop, or another app's push", async () => {
    const other = await receive(sim.buildPush({ type: 'trade_TradeCreate', tid, kdtId: 11111111 }));
    expect(other).toMatchObject({ response: { status: 200, body: ACK }, rejected: `the push is for kdt_id 11111111, this shop is ${sim.kdtId}`, items: [] });
    const otherApp = await startYouzanSandbox({ clientId: 'another-client-id', clientSecret: sim.clientSecret });
    try {
      // Signed with our secret but naming another client_id: the signature fails first.
      expect((await receive(otherApp.buildPush({ type: 'trade_TradeCreate', tid }))).response.status).toBe(401);
    } finally {
      await otherApp.close();
    }
  });

  it('acknowledge message types they do not handle', async () => {
    const result = await receive(sim.buildPush({ type: 'ITEM_STATE', tid, msg: { item_id: 1 } }));
    expect(result).toMatchObject({ response: { status: 200, body: ACK }, items: [] });
  });
});
