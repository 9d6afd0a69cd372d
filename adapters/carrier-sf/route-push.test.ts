import { describe, expect, it } from 'vitest';
import { routePushReply, verifyAndParseRoutePush } from './route-push.ts';

const TOKEN = 'k7Q2m4XW9a3F';
const route = { mailno: 'SF7444400031887', acceptAddress: '深圳市', reasonName: '', orderid: 'OHABCDEFGHIJKLMNOPQRSTUVWXYZ', acceptTime: '2020-05-11 16:56:54', remark: '顺丰速运 已收取快件', opCode: '50', id: '158918741444476', reasonCode: '' };
const jsonPush = (routes: unknown[]) => JSON.stringify({ Body: { WaybillRoute: routes } });
const xmlPush = (attrs: string) =>
  new URLSearchParams({ content: `<?xml version="1.0" encoding="UTF-8"?><Request service="RoutePushService" lang="zh-CN"><Body>${attrs}</Body></Request>` }).toString();

describe('SF route push', () => {
  it('parses the json push and answers return_code 0000', () => {
    const signed = { ...route, id: '158918741444477', opCode: '80', acceptTime: '2020-05-12 09:30:00', remark: '已签收,感谢使用顺丰,期待再次为您服务' };
    const result = verifyAndParseRoutePush({ url: `/hooks/sf/route?token=${TOKEN}`, contentType: 'application/json;charset=UTF-8', body: jsonPush([route, signed]) }, { token: TOKEN });
    expect(result).toEqual({
      ok: true,
      format: 'json',
      routes: [
        { id: '158918741444476', waybillNo: 'SF7444400031887', orderId: 'OHABCDEFGHIJKLMNOPQRSTUVWXYZ', opCode: '50', stage: 'collected', acceptTime: '2020-05-11 16:56:54', at: '2020-05-11T16:56:54+08:00', address: '深圳市', remark: '顺丰速运 已收取快件' },
        { id: '158918741444477', waybillNo: 'SF7444400031887', orderId: 'OHABCDEFGHIJKLMNOPQRSTUVWXYZ', opCode: '80', stage: 'delivered', acceptTime: '2020-05-12 09:30:00', at: '2020-05-12T09:30:00+08:00', address: '深圳市', remark: '已签收,感谢使用顺丰,期待再次为您服务' },
      ],
      reply: { status: 200, contentType: 'application/json;charset=UTF-8', body: '{"return_code":"0000","return_msg":"成功"}' },
    });
  });

  it('parses the form push (content = URL-encoded XML) and answers <Head>OK</Head>', () => {
    const body = xmlPush(`<WaybillRoute id="1001" mailno="SF1440000000001" orderid="OH1" acceptTime="2024-05-21 08:00:00" acceptAddress="杭州市" remark="快件交给张三，正在派送途中" opCode="44"/><WaybillRoute id="1002" mailno="SF1440000000001" orderid="OH1" acceptTime="2024-05-21 08:01:00" acceptAddress="杭州市" remark="中转 &amp; 分拣" opCode="31"/>`);
    const result = verifyAndParseRoutePush({ url: `https://hub.example.com/hooks/sf/route?token=${TOKEN}`, contentType: 'application/x-www-form-urlencoded; charset=UTF-8', body }, { token: TOKEN });
    expect(result).toMatchObject({ ok: true, format: 'xml', reply: { body: '<Response service="RoutePushService"><Head>OK</Head></Response>' } });
    expect(result.ok && result.routes.map((r) => [r.id, r.opCode, r.stage, r.remark])).toEqual([
      ['1001', '44', 'out_for_delivery', '快件交给张三，正在派送途中'],
      ['1002', '31', 'in_transit', '中转 & 分拣'],
    ]);
    // A single WaybillRoute is a list of one.
    const one = verifyAndParseRoutePush({ url: `/?token=${TOKEN}`, contentType: 'application/x-www-form-urlencoded', body: xmlPush('<WaybillRoute id="9" mailno="SF1" acceptTime="2024-05-21 08:00:00" opCode="648"/>') }, { token: TOKEN });
    expect(one.ok && one.routes).toEqual([{ id: '9', waybillNo: 'SF1', opCode: '648', stage: 'returned', acceptTime: '2024-05-21 08:00:00', at: '2024-05-21T08:00:00+08:00' }]);
  });

  it('refuses a push without the registered token, in the format SF expects (so a real push would come again)', () => {
    for (const url of ['/hooks/sf/route', `/hooks/sf/route?token=${TOKEN}x`, '/hooks/sf/route?token=', `/hooks/sf/route?secret=${TOKEN}`]) {
      expect(verifyAndParseRoutePush({ url, contentType: 'application/json', body: jsonPush([route]) }, { token: TOKEN })).toMatchObject({
        ok: false,
        status: 401,
        reply: { status: 401, body: '{"return_code":"1000","return_msg":"the push URL does not carry the expected token"}' },
      });
    }
    expect(verifyAndParseRoutePush({ url: `/r?secret=${TOKEN}`, contentType: 'application/json', body: jsonPush([route]) }, { token: TOKEN, tokenParam: 'secret' }).ok).toBe(true);
    expect(verifyAndParseRoutePush({ url: '/r', contentType: 'application/x-www-form-urlencoded', body: xmlPush('') }, { token: TOKEN })).toMatchObject({ ok: false, status: 401, format: 'xml', reply: { body: expect.stringContaining('<Head>ERR</Head>') } });
    expect(() => verifyAndParseRoutePush({ url: '/r', body: '' }, { token: '' })).toThrow(/token is required/);
  });

  it('refuses what is not a route push', () => {
    const bad = (body: string, contentType = 'application/json') => verifyAndParseRoutePush({ url: `/?token=${TOKEN}`, contentType, body }, { token: TOKEN });
    expect(bad('not json')).toMatchObject({ ok: false, status: 400, reason: 'the body is not JSON' });
    expect(bad('{"Body":{}}')).toMatchObject({ ok: false, status: 400, reason: 'no Body.WaybillRoute' });
    expect(bad(jsonPush([{ ...route, mailno: '' }]))).toMatchObject({ ok: false, status: 400, reason: 'WaybillRoute[0] lacks mailno' });
    expect(bad(xmlPush('<WaybillRoute id="1"/>').replace('RoutePushService', 'OrderService'), 'application/x-www-form-urlencoded')).toMatchObject({ ok: false, status: 400, reason: 'service is OrderService, not RoutePushService' });
    expect(bad('content=', 'application/x-www-form-urlencoded')).toMatchObject({ ok: false, reason: 'no content field' });
    const bomb = new URLSearchParams({ content: '<!DOCTYPE r [<!ENTITY a "aaaa">]><Request service="RoutePushService"><Body><WaybillRoute id="1" mailno="&a;" acceptTime="2024-05-21 08:00:00" opCode="50"/></Body></Request>' }).toString();
    expect(bad(bomb, 'application/x-www-form-urlencoded')).toMatchObject({ ok: false, status: 400, reason: 'a DOCTYPE is not accepted' });
  });

  it('builds the failure replies for a push that could not be stored', () => {
    expect(routePushReply('json', false, 'db down').body).toBe('{"return_code":"1000","return_msg":"db down"}');
    expect(routePushReply('xml', false, 'a<b').body).toBe('<Response service="RoutePushService"><Head>ERR</Head><ERROR code="4001">a&lt;b</ERROR></Response>');
  });
});
