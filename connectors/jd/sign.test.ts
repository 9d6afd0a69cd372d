import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isBlank, josSignSource, JosSignError, signJos } from './sign.ts';

/** MD5 the independent way (tests only): node:crypto over the UTF-8 bytes, uppercase hex. */
const md5Upper = (text: string) => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();

describe('signJos', () => {
  it('reproduces the vector of a public JOS client test (Kevin Kong\'s Python JD SDK, "DogDong" test_sign)', () => {
    // The test signs these parameters with secret "yourappSecret" and expects E79CD3D4…; its
    // client serialises 360buy_param_json without spaces, as here. (No signed example with its
    // result was found in JD's own documentation.)
    const params = {
      v: '2.0',
      method: 'jingdong.innovation.product.write.createSkus',
      app_key: 'yourappkey',
      access_token: 'yourtoken',
      '360buy_param_json': '{"paramStrin":"abc"}',
      timestamp: '2019-06-27 15:41:49',
    };
    expect(josSignSource(params, 'yourappSecret')).toBe(
      'yourappSecret360buy_param_json{"paramStrin":"abc"}access_tokenyourtokenapp_keyyourappkeymethodjingdong.innovation.product.write.createSkustimestamp2019-06-27 15:41:49v2.0yourappSecret',
    );
    expect(signJos(params, 'yourappSecret').sign).toBe('E79CD3D49918172CA907A4CB493D9361');
  });

  it("reproduces TOP's documented md5 example, whose rule JD's SDK shares (open.taobao.com docId=101617)", () => {
    // Same algorithm (secret + sorted name/value + secret, uppercase hex MD5); a cross-check of
    // the hashing and sorting, not a JD vector.
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
    expect(signJos(params, 'helloworld').sign).toBe('66987CB115214E59E6EC978214934FB8');
  });

  it('signs a whole pop.order.search request: secret, every parameter by name, secret (checked with node:crypto)', () => {
    const json = '{"dateType":0,"end_date":"2024-06-01 11:30:00","optional_fields":"orderId,modified","order_state":"WAIT_SELLER_STOCK_OUT,TRADE_CANCELED","page":"1","page_size":"100","sortType":0,"start_date":"2024-06-01 10:00:00"}';
    const params = {
      method: 'jingdong.pop.order.search',
      access_token: 'b1c2d3e4f5',
      app_key: 'A1B2C3D4E5F60718293A4B5C6D7E8F90',
      timestamp: '2024-06-01 12:00:00',
      format: 'json',
      v: '2.0',
      sign_method: 'md5',
      '360buy_param_json': json,
      sign: 'IGNORED',
    };
    // Written out by hand: 360buy_param_json < access_token < app_key < format < method < sign_method < timestamp < v.
    const source =
      's3cr3t' +
      `360buy_param_json${json}` +
      'access_tokenb1c2d3e4f5' +
      'app_keyA1B2C3D4E5F60718293A4B5C6D7E8F90' +
      'formatjson' +
      'methodjingdong.pop.order.search' +
      'sign_methodmd5' +
      'timestamp2024-06-01 12:00:00' +
      'v2.0' +
      's3cr3t';
    expect(josSignSource(params, 's3cr3t')).toBe(source);
    const { sign, signed, params: sent } = signJos(params, 's3cr3t');
    expect(sign).toBe(md5Upper(source));
    expect(sign).toMatch(/^[0-9A-F]{32}$/);
    expect(Object.keys(sent)).toEqual(['360buy_param_json', 'access_token', 'app_key', 'format', 'method', 'sign_method', 'timestamp', 'v', 'sign']);
    expect(sent.sign).toBe(sign);
    // What `hub sign jd` prints: the signed text, the secret shown as a placeholder.
    expect(signed).toBe(source.replaceAll('s3cr3t', '{appSecret}'));
    expect(signed).not.toContain('s3cr3t');
  });

  it('hashes the UTF-8 bytes of Chinese values', () => {
    const params = { method: 'm', '360buy_param_json': '{"remark":"请周末送货，谢谢"}', app_key: 'k' };
    expect(signJos(params, '密钥').sign).toBe(md5Upper('密钥360buy_param_json{"remark":"请周末送货，谢谢"}app_keykmethodm密钥'));
  });

  it('sorts by UTF-16 code unit like a Java TreeMap (digits < uppercase < _ < lowercase)', () => {
    expect(josSignSource({ b: '2', a: '1', B: '3', a_b: '4', aB: '5', '360x': '6' }, 's')).toBe('s360x6B3a1aB5a_b4b2s');
  });

  it('leaves out parameters that are empty or blank the way Java sees it, from the sign and from what is sent', () => {
    const params = { method: 'm', access_token: '', app_key: 'k', v: ' \t', x: '\u3000', y: null, z: undefined, keep: '\u00a0' };
    expect(josSignSource(params, 's')).toBe('sapp_keykkeep\u00a0methodms');
    expect(signJos(params, 's').params).toEqual({ app_key: 'k', keep: '\u00a0', method: 'm', sign: md5Upper('sapp_keykkeep\u00a0methodms') });
    expect(isBlank('\u2007')).toBe(false); // figure space is not Java whitespace
    expect(isBlank('\u2003')).toBe(true);
  });

  it('refuses hmac sign methods and an empty secret rather than signing wrongly', () => {
    expect(() => signJos({ method: 'm', sign_method: 'hmacsha256' }, 's')).toThrow(JosSignError);
    expect(() => signJos({ method: 'm', sign_method: 'HMACMD5' }, 's')).toThrow(/only md5/);
    expect(() => signJos({ method: 'm' }, '')).toThrow(/secret is empty/);
    expect(signJos({ method: 'm', sign_method: 'md5' }, 's').sign).toBe(md5Upper('smethodmsign_methodmd5s'));
  });
});
