import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { beijingTime, beijingToIso, parseBeijingTime, sameSignature, signBase, signTop } from './sign.ts';

/**
 * TOP's documented example, "API调用方法详解" (open.taobao.com/doc.htm?docId=101617&docType=1),
 * also the fixture of the official-SDK ports' tests (e.g. a Python TOP client's
 * `test_sign`, an Elixir `md5_sign OK`): secret `helloworld`, these nine parameters →
 * 66987CB115214E59E6EC978214934FB8.
 */
const DOC_PARAMS = {
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

/** The rule written out again with node:crypto, to cross-check what @noble/hashes and crypto.subtle give. */
function reference(params: Record<string, string>, secret: string, method: string, body = ''): string {
  const base =
    Object.keys(params)
      .filter((k) => k !== 'sign' && params[k] !== '')
      .sort()
      .map((k) => k + params[k])
      .join('') + body;
  if (method === 'md5') return createHash('md5').update(secret + base + secret, 'utf8').digest('hex').toUpperCase();
  return createHmac(method === 'hmac' ? 'md5' : 'sha256', Buffer.from(secret, 'utf8')).update(base, 'utf8').digest('hex').toUpperCase();
}

describe('signTop', () => {
  it("gives TOP's documented md5 example (docId=101617)", async () => {
    const { sign, signed, method } = await signTop(DOC_PARAMS, 'helloworld');
    expect(sign).toBe('66987CB115214E59E6EC978214934FB8');
    expect(method).toBe('md5');
    // The documented concatenation, without the secret that md5 wraps it in.
    expect(signed).toBe('app_key12345678fieldsnum_iid,title,nick,price,numformatjsonmethodtaobao.item.seller.getnum_iid11223344sessiontestsign_methodmd5timestamp2016-01-01 12:00:00v2.0');
    expect(signed).not.toContain('helloworld');
  });

  it('treats a missing sign_method as md5, as the SDKs do ("空（老md5)")', async () => {
    const { sign_method: _, ...rest } = DOC_PARAMS;
    expect((await signTop(rest, 'helloworld')).sign).toBe(reference(rest, 'helloworld', 'md5'));
  });

  // hmac = HMAC-MD5(secret, s), hmac-sha256 = HMAC-SHA256(secret, s), per the official Java SDK
  // (cattles/taobao-sdk-java src/main/java/com/taobao/api/internal/util/TaobaoUtils.java
  // signTopRequestNew: no secret around s, key = secret) and the 2024 Go SDK
  // (zlgb/topsdk util/util.go GetSign: HmacSha256(signStr, secret), upper-cased). With one
  // parameter {"Hi": " There"} the concatenation is "Hi There", so the RFC test vectors apply.
  it('hmac is HMAC-MD5 keyed with the secret (RFC 2202 test case 1)', async () => {
    const { sign } = await signTop({ Hi: ' There' }, '\x0b'.repeat(16), undefined, { method: 'hmac' });
    expect(sign).toBe('9294727A3638BB1C13F48EF8158BFC9D');
  });

  it('hmac-sha256 is HMAC-SHA256 keyed with the secret (RFC 4231 test case 1)', async () => {
    const { sign } = await signTop({ Hi: ' There' }, '\x0b'.repeat(20), undefined, { method: 'hmac-sha256' });
    expect(sign).toBe('B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7');
  });

  const params = {
    method: 'taobao.trades.sold.increment.get',
    app_key: '34567890',
    session: '6100e2b7c0f1d2a3b4c5d6e7f8091a2b3c4d5e6f7a8b9c0d2200000001',
    timestamp: '2024-05-20 10:16:06',
    format: 'json',
    v: '2.0',
    fields: 'tid,modified',
    start_modified: '2024-05-20 10:00:00',
    end_modified: '2024-05-20 10:30:00',
    page_no: '3',
    page_size: '50',
    buyer_nick: '张三的小店',
    tag: '',
  };
  it.each(['md5', 'hmac', 'hmac-sha256'])('%s matches the rule computed independently (Chinese values, an empty one left out)', async (method) => {
    const p = { ...params, sign_method: method };
    expect((await signTop(p, 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6')).sign).toBe(reference(p, 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', method));
  });

  it('appends the body after the parameters (TaobaoUtils step 3)', async () => {
    const body = '{"messages":[{"id":1,"topic":"taobao_trade_TradeCreate"}]}';
    const p = { app_key: '34567890', timestamp: '2024-05-20 10:16:06', sign_method: 'md5' };
    const signature = await signTop(p, 'secret', body);
    expect(signature.signed).toBe(`app_key34567890sign_methodmd5timestamp2024-05-20 10:16:06${body}`);
    expect(signature.sign).toBe(reference(p, 'secret', 'md5', body));
  });

  it('sorts by code unit, as Java Arrays.sort does (upper case and _ before lower case)', () => {
    expect(signBase({ b: '2', a_b: '3', aB: '1', a: '0' })).toBe('a0aB1a_b3b2');
  });

  it('ignores a sign parameter, and keeps empty values only when asked (the SPI side)', () => {
    expect(signBase({ sign: 'X', a: '', b: '1' })).toBe('b1');
    expect(signBase({ sign: 'X', a: '', b: '1' }, undefined, { keepEmpty: true })).toBe('ab1');
  });

  it('refuses an unknown sign_method', async () => {
    await expect(signTop({ sign_method: 'sha1' }, 's')).rejects.toThrow(/unknown sign_method/);
  });
});

describe('time and comparison helpers', () => {
  it('formats Beijing time whatever the machine zone is', () => {
    expect(beijingTime(Date.UTC(2016, 0, 1, 4, 0, 0))).toBe('2016-01-01 12:00:00');
    expect(beijingTime(Date.UTC(2024, 4, 19, 23, 30, 5))).toBe('2024-05-20 07:30:05');
    expect(parseBeijingTime('2016-01-01 12:00:00')).toBe(Date.UTC(2016, 0, 1, 4, 0, 0));
    expect(parseBeijingTime('2016-01-01T12:00:00')).toBeNaN();
    expect(beijingToIso('2024-05-20 10:16:06')).toBe('2024-05-20T10:16:06+08:00');
  });

  it('compares signatures whole, case-insensitively', () => {
    expect(sameSignature('66987CB115214E59E6EC978214934FB8', '66987cb115214e59e6ec978214934fb8')).toBe(true);
    expect(sameSignature('66987CB115214E59E6EC978214934FB8', '66987CB115214E59E6EC978214934FB9')).toBe(false);
    expect(sameSignature('66987CB1', '66987CB115214E59E6EC978214934FB8')).toBe(false);
  });
});
