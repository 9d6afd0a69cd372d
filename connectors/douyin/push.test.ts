import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PushResult } from '../../core/connector/types.ts';
import { createDouyinConnector } from './index.ts';
import { startDouyinSandbox, type DouyinSandbox } from './sandbox/server.ts';

let sim: DouyinSandbox;
let hook: Server;
let hookUrl: string;
/** What the connector made of each push the hook received. */
let results: PushResult[];

beforeEach(async () => {
  sim = await startDouyinSandbox({ orders: 3 });
  const douyin = createDouyinConnector({ channel: 'douyin', shop: '4463798', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, accessToken: sim.accessToken }, { fetch, now: () => Date.parse('2025-06-01T02:00:00Z') });
  results = [];
  // The runtime's push route, reduced: headers lower-cased, the body byte for byte.
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const result = await douyin.receive({ method: req.method ?? 'POST', headers, query: {}, body: Buffer.concat(chunks).toString('utf8') });
      results.push(result);
      res.writeHead(result.response.status, result.response.headers ?? {});
      res.end(result.response.body);
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/push/douyin`;
});

afterEach(async () => {
  hook.closeAllConnections();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
  await sim.close();
});

const P_ID = 6930622047781904356n;

describe('message push', () => {
  it('verifies event-sign, answers {"code":0,"msg":"success"} and turns order tags into fetches, cancel and refund into after-sale news', async () => {
    const answer = await sim.push(hookUrl, [
      { tag: '100', msg_id: '7386611249830950001', data: { p_id: P_ID, s_ids: [P_ID], biz: 2, order_status: 1, order_type: 0, shop_id: 4463798, create_time: 1748740364 } },
      { tag: '101', msg_id: '7386611249830950002', data: { p_id: P_ID, s_ids: [P_ID], pay_amount: 23700, pay_time: 1748740382, pay_type: 2, order_status: 105, shop_id: 4463798 } },
      { tag: '105', msg_id: '7386611249830950003', data: { p_id: P_ID, order_status: 2, update_time: 1748749000, receiver_msg: { name: '王**', encrypt_name: '##x#1##' } } },
      { tag: '106', msg_id: '7386611249830950004', data: { p_id: P_ID, s_ids: [P_ID], cancel_time: 1748750000, cancel_reason: '不想要了', order_status: 4 } },
      { tag: '206', msg_id: '7386611249830950005', data: { p_id: P_ID, s_id: P_ID + 1n, aftersale_id: 7386611249830960000n, aftersale_type: 2, refund_amount: 5349, success_time: 1748760000 } },
      { tag: '200', msg_id: '7386611249830950006', data: { p_id: P_ID, s_id: P_ID + 1n, aftersale_id: 7386611249830960000n, aftersale_type: 0 } },
      { tag: '400', msg_id: '7386611249830950007', data: { product_id: 3701938475610298874n, event: 1 } },
    ]);
    expect(answer).toMatchObject({ status: 200, body: '{"code":0,"msg":"success"}' });
    const [result] = results;
    expect(result!.rejected).toBeUndefined();
    expect(result!.messageIds).toEqual(['7386611249830950001', '7386611249830950002', '7386611249830950003', '7386611249830950004', '7386611249830950005', '7386611249830950006', '7386611249830950007']);
    expect(result!.items).toEqual([
      { kind: 'fetch', externalId: '6930622047781904356' },
      { kind: 'fetch', externalId: '6930622047781904356' },
      { kind: 'fetch', externalId: '6930622047781904356' },
      { kind: 'after-sale', externalId: '6930622047781904356', type: 'cancel', at: '2025-06-01T11:53:20+08:00' },
      { kind: 'after-sale', externalId: '6930622047781904356', type: 'refund', lineIds: ['6930622047781904357'], at: '2025-06-01T14:40:00+08:00' },
      { kind: 'fetch', externalId: '6930622047781904356' },
    ]);
  });

  it('keeps a 19-digit p_id exact (JSON.parse would round it)', async () => {
    await sim.push(hookUrl, [{ tag: '102', msg_id: '1', data: '{"p_id":6930622047781904359,"s_ids":[6930622047781904359]}' }]);
    expect(results[0]!.items).toEqual([{ kind: 'fetch', externalId: '6930622047781904359' }]);
    expect(Number('6930622047781904359').toString()).not.toBe('6930622047781904359');
  });

  it('takes msgId, a numeric tag and data as an object (forms seen in other samples)', async () => {
    const body = JSON.stringify([{ tag: 101, msgId: 'm-1', data: { p_id: '6930622047781904356' } }]);
    await sim.push(hookUrl, [], { rawBody: body });
    expect(results[0]).toMatchObject({ messageIds: ['m-1'], items: [{ kind: 'fetch', externalId: '6930622047781904356' }] });
  });

  it('refuses a push signed with another secret, and one whose body was changed', async () => {
    const forged = await sim.push(hookUrl, [{ tag: '106', msg_id: 'x', data: { p_id: P_ID, cancel_time: 1 } }], { secret: 'guessed-secret' });
    expect(forged.status).toBe(401);
    expect(results[0]).toMatchObject({ rejected: 'event-sign does not match the body', items: [] });
    expect(results[0]!.messageIds).toBeUndefined();

    const good = await sim.push(hookUrl, [{ tag: '101', msg_id: 'y', data: { p_id: P_ID } }]);
    const tampered = await fetch(hookUrl, { method: 'POST', headers: good.headers, body: good.sent.replace('101', '106') });
    expect(tampered.status).toBe(401);
    expect(results[2]!.rejected).toMatch(/event-sign/);
  });

  it('refuses a push without event-sign, for another app, or not POSTed', async () => {
    const body = '[{"tag":"101","msg_id":"z","data":"{}"}]';
    expect((await fetch(hookUrl, { method: 'POST', body })).status).toBe(401);
    expect(results[0]!.rejected).toBe('no event-sign header');
    expect((await sim.push(hookUrl, [], { rawBody: body, appKey: '7000000000000000999' })).status).toBe(401);
    expect(results[1]!.rejected).toMatch(/not this shop's app/);
    expect((await fetch(hookUrl, { method: 'GET' })).status).toBe(405);
  });

  it('answers a replayed push the same way, with the same message ids for the runtime to drop', async () => {
    const first = await sim.push(hookUrl, [{ tag: '101', msg_id: '7386611249830950002', data: { p_id: P_ID } }]);
    const again = await fetch(hookUrl, { method: 'POST', headers: first.headers, body: first.sent });
    expect(again.status).toBe(200);
    expect(results[1]!.messageIds).toEqual(results[0]!.messageIds);
    expect(results[1]!.items).toEqual(results[0]!.items);
  });

  it('refuses a signed body that is not JSON, with a 400 the platform will retry', async () => {
    const answer = await sim.push(hookUrl, [], { rawBody: '[{"tag":' });
    expect(answer.status).toBe(400);
    expect(results[0]!.rejected).toMatch(/not JSON/);
  });

  it('never puts the secret in what it answers or logs', async () => {
    await sim.push(hookUrl, [{ tag: '101', msg_id: '1', data: { p_id: P_ID } }], { secret: 'guessed-secret' });
    await sim.push(hookUrl, [{ tag: '101', msg_id: '2', data: { p_id: P_ID } }]);
    expect(JSON.stringify(results)).not.toContain(sim.appSecret);
  });
});
