import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { QimenClient } from './client.ts';
import { beijingTimestamp, qimenSign, signSource } from './sign.ts';

/** MD5 the independent way (tests only): node:crypto over the UTF-8 bytes, uppercase hex. */
const md5Upper = (text: string) => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();

describe('the Qimen sign', () => {
  it("reproduces TOP's documented md5 example (open.taobao.com docId=101617) when there is no body", () => {
    const params = {
      method: 'taobao.item.seller.get',
      app_key: '12345678',
      session: 'test',
      timestamp: '2016-01-01 12:00:00',
      format: 'json',
      v: '2.0',
      sign_method: 'md5',
      fields: 'num_iid,title,nick,price,num',
      num_iid: '11223344',
    };
    expect(signSource(params, '', 'helloworld')).toBe(
      'helloworldapp_key12345678fieldsnum_iid,title,nick,price,numformatjsonmethodtaobao.item.seller.getnum_iid11223344sessiontestsign_methodmd5timestamp2016-01-01 12:00:00v2.0helloworld',
    );
    expect(qimenSign(params, '', 'helloworld')).toBe('66987CB115214E59E6EC978214934FB8');
  });

  it('signs secret + sorted name/value pairs (sign itself left out) + the XML body + secret, uppercase hex', () => {
    const body =
      '<?xml version="1.0" encoding="utf-8"?><request><deliveryOrder><deliveryOrderCode>DO-tmall-2938475610293847561-1</deliveryOrderCode><remark>张三 &amp; 李四</remark></deliveryOrder></request>';
    const params = {
      method: 'taobao.qimen.deliveryorder.create',
      v: '2.0',
      app_key: '23456789',
      timestamp: '2024-05-20 10:20:00',
      format: 'xml',
      sign_method: 'md5',
      customerId: 'WMS_SANDBOX',
      sign: 'IGNORED',
    };
    // Written out by hand: app_key < customerId < format < method < sign_method < timestamp < v.
    const source =
      'sandbox-secret' +
      'app_key23456789' +
      'customerIdWMS_SANDBOX' +
      'formatxml' +
      'methodtaobao.qimen.deliveryorder.create' +
      'sign_methodmd5' +
      'timestamp2024-05-20 10:20:00' +
      'v2.0' +
      body +
      'sandbox-secret';
    expect(signSource(params, body, 'sandbox-secret')).toBe(source);
    expect(md5Upper(source)).toBe('FF9E85C27485AB81B5EC77E61BBC0AA1');
    expect(qimenSign(params, body, 'sandbox-secret')).toBe('FF9E85C27485AB81B5EC77E61BBC0AA1');
  });

  it('sorts by code unit like Java (uppercase before lowercase, _ after uppercase)', () => {
    expect(signSource({ b: '2', a: '1', B: '3', a_b: '4', aB: '5' }, '', 's')).toBe('sB3a1aB5a_b4b2s');
  });

  it('leaves empty values out when sending (TaobaoUtils) and keeps their names when checking (SpiUtils)', () => {
    expect(signSource({ a: '1', empty: '', b: '2' }, 'BODY', 's')).toBe('sa1b2BODYs');
    expect(signSource({ a: '1', empty: '', b: '2' }, 'BODY', 's', { keepEmpty: true })).toBe('sa1b2emptyBODYs');
  });

  it('hashes the UTF-8 bytes of Chinese text', () => {
    const body = '<request><receiverInfo><name>王小二</name></receiverInfo></request>';
    expect(qimenSign({ method: 'm' }, body, '密钥')).toBe(md5Upper(`密钥methodm${body}密钥`));
  });
});

describe('the timestamp', () => {
  it('is Beijing wall-clock time, also for the 8 hours a day when UTC is still on the day before', () => {
    expect(beijingTimestamp(Date.parse('2024-05-20T02:20:00Z'))).toBe('2024-05-20 10:20:00');
    expect(beijingTimestamp(Date.parse('2024-12-31T18:30:05Z'))).toBe('2025-01-01 02:30:05');
  });
});

describe('a request the client builds', () => {
  it('carries the system parameters on the URL and a sign that checks out over the decoded values and the body', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const fetchStub = (async (url: string, init: RequestInit) => {
      seen = { url, init };
      return new Response('<response><flag>success</flag></response>', { status: 200 });
    }) as unknown as typeof fetch;
    const client = new QimenClient({ baseUrl: 'https://qimen.example.com/router/qimen/service', appKey: '23456789', appSecret: 'sandbox-secret', customerId: 'WMS SANDBOX+1', now: () => Date.parse('2024-05-20T02:20:00Z') }, fetchStub);
    const body = '<?xml version="1.0" encoding="utf-8"?><request><orderCode>DO-1</orderCode></request>';
    await client.call('taobao.qimen.deliveryorder.query', body);
    const url = new URL(seen!.url);
    expect(url.origin + url.pathname).toBe('https://qimen.example.com/router/qimen/service');
    expect([...url.searchParams.keys()]).toEqual(['method', 'v', 'app_key', 'timestamp', 'format', 'sign_method', 'customerId', 'sign']);
    // Spaces travel as %20 (never +), and a + in a value as %2B.
    expect(seen!.url).toContain('timestamp=2024-05-20%2010%3A20%3A00');
    expect(seen!.url).toContain('customerId=WMS%20SANDBOX%2B1');
    const query = Object.fromEntries(url.searchParams);
    expect(query.sign).toBe(md5Upper(`sandbox-secretapp_key23456789customerIdWMS SANDBOX+1formatxmlmethodtaobao.qimen.deliveryorder.querysign_methodmd5timestamp2024-05-20 10:20:00v2.0${body}sandbox-secret`));
    expect(seen!.init.method).toBe('POST');
    expect((seen!.init.headers as Record<string, string>)['content-type']).toBe('text/xml;charset=utf-8');
    expect(seen!.init.body).toBe(body);
  });
});
