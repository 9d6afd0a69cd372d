import { createHash, createHmac } from 'node:crypto';
import { LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { canonicalParamJson, safeEqual, signDoudian, signDoudianPush, signDoudianPushHmac } from './sign.ts';

const APP_KEY = '7000000000000000001';
const SECRET = 'cde5b4b3-6b2e-4c1f-9d47-0a9e1d2f3b4c';
const TS = 1748740364;

/** An independent signer: the pattern written out, node:crypto hashes. */
function reference(method: string, paramJson: string, signMethod: 'md5' | 'hmac-sha256', timestamp: number | string = TS): string {
  const pattern = `${SECRET}app_key${APP_KEY}method${method}param_json${paramJson}timestamp${timestamp}v2${SECRET}`;
  return signMethod === 'md5' ? createHash('md5').update(pattern, 'utf8').digest('hex') : createHmac('sha256', SECRET).update(pattern, 'utf8').digest('hex');
}

describe('signDoudian (API calls)', () => {
  // The expected values were computed by running the official Python SDK's calsSign
  // (doudian/core/DoudianOpApiClient.py: md5 of secret + "app_key…v2" + secret, param_json from
  // json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False)) and the official Go SDK's
  // utils.Sign (zsmhub/doudian-sdk utils/sign_util.go: the same pattern, HMAC-SHA256 keyed with the
  // app secret), on the inputs below.
  const vectors = [
    {
      method: 'order.searchList',
      params: { update_time_start: 1748736000, update_time_end: 1748737800, order_by: 'update_time', order_asc: true, page: 0, size: 100 },
      paramJson: '{"order_asc":true,"order_by":"update_time","page":0,"size":100,"update_time_end":1748737800,"update_time_start":1748736000}',
      md5: 'ec9fda37b8eb85ab90156f03861ab920',
      hmac: 'c2c657ec3dc8c5309a37c124bb64bb7c85a2abf80e38fa24207e6df485f3cb78',
    },
    {
      // The 签名算法 guide's own sample parameters (batchEncrypt; "附加符号、中日韩、Emoji都不转义").
      method: 'order.batchEncrypt',
      params: { batch_encrypt_list: [{ plain_text: "&<>='/ô汉😀", auth_id: '12345', is_support_index: false, sensitive_type: 2 }] },
      paramJson: '{"batch_encrypt_list":[{"auth_id":"12345","is_support_index":false,"plain_text":"&<>=\'/ô汉😀","sensitive_type":2}]}',
      md5: 'fa805599c6114edced1ea884326535a3',
      hmac: 'ecf7df27ffb4303b77564eaecbc44eb996b271c6883a3d4e44ad67c273b062c3',
    },
    {
      // token.create is signed too (Abbotton/laravel-doudian#15).
      method: 'token.create',
      params: { code: '', grant_type: 'authorization_self', shop_id: 4463798 },
      paramJson: '{"code":"","grant_type":"authorization_self","shop_id":4463798}',
      md5: 'b88fc27840bb0d0c3876f3f93dab467f',
      hmac: '7c18703e5c1e0531932697e891aa39abdb5f5822f5078c398036e10d13f2985e',
    },
    {
      method: 'logistics.getShopKey',
      params: {},
      paramJson: '{}',
      md5: '1e1039ca412f1da160619b7af66a88b3',
      hmac: 'dccf3bd5c364ed29ef3f41cf3830f9f39677a9b172e5750e8f0f7fed21cbeb9a',
    },
  ];

  for (const v of vectors) {
    it(`reproduces the official SDKs on ${v.method}`, async () => {
      const hmac = await signDoudian({ app_key: APP_KEY, method: v.method, param_json: v.params, timestamp: TS, v: '2' }, SECRET);
      expect(hmac.param_json).toBe(v.paramJson);
      expect(hmac.sign).toBe(v.hmac);
      const md5 = await signDoudian({ app_key: APP_KEY, method: v.method, param_json: v.params, timestamp: TS, sign_method: 'md5' }, SECRET);
      expect(md5.sign).toBe(v.md5);
      expect(md5.param_json).toBe(v.paramJson);
    });
  }

  it('matches an independent implementation, and never shows the secret', async () => {
    const params = { shop_order_id: '6930622047781904356', is_searchable: true, nested: { z: [3, { b: null, a: 'x y' }], a: -1.5 } };
    for (const signMethod of ['md5', 'hmac-sha256'] as const) {
      const out = await signDoudian({ app_key: APP_KEY, method: 'order.orderDetail', param_json: params, timestamp: '1748740364', sign_method: signMethod }, SECRET);
      expect(out.param_json).toBe('{"is_searchable":true,"nested":{"a":-1.5,"z":[3,{"a":"x y","b":null}]},"shop_order_id":"6930622047781904356"}');
      expect(out.sign).toBe(reference('order.orderDetail', out.param_json, signMethod, '1748740364'));
      expect(out.sign).toMatch(signMethod === 'md5' ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{64}$/);
      expect(out.signed).toBe(`<app_secret>app_key${APP_KEY}methodorder.orderDetailparam_json${out.param_json}timestamp1748740364v2<app_secret>`);
      expect(JSON.stringify(out)).not.toContain(SECRET);
    }
  });

  it('signs JSON text in its canonical form, keeping big numbers exact and writing 1.0 as 1', async () => {
    const text = '{ "sku_id": 3701938475610298874, "stock_num": 5.0, "code": "A&B", "incremental": false }';
    const out = await signDoudian({ app_key: APP_KEY, method: 'sku.syncStock', param_json: text, timestamp: TS }, SECRET);
    expect(out.param_json).toBe('{"code":"A&B","incremental":false,"sku_id":3701938475610298874,"stock_num":5}');
    expect(out.sign).toBe(reference('sku.syncStock', out.param_json, 'hmac-sha256'));
  });

  it('refuses what it cannot sign', async () => {
    await expect(signDoudian({ app_key: APP_KEY, method: 'a.b', param_json: '{nope', timestamp: TS }, SECRET)).rejects.toThrow(/not JSON/);
    await expect(signDoudian({ app_key: APP_KEY, method: 'a.b', param_json: [1], timestamp: TS }, SECRET)).rejects.toThrow(/object/);
    await expect(signDoudian({ app_key: APP_KEY, method: 'a.b', param_json: {}, timestamp: TS }, '')).rejects.toThrow(/secret/);
    await expect(signDoudian({ app_key: APP_KEY, method: 'a.b', param_json: {}, timestamp: TS, sign_method: 'sha1' as never }, SECRET)).rejects.toThrow(/sign_method/);
  });
});

describe('canonicalParamJson', () => {
  it('sorts keys at every depth (inside arrays too), compact, no HTML escaping', () => {
    expect(canonicalParamJson({ b: { d: 1, c: [{ f: 1, e: 2 }] }, a: '<&>' })).toBe('{"a":"<&>","b":{"c":[{"e":2,"f":1}],"d":1}}');
  });

  it('leaves out undefined members, writes null, and {} for nothing', () => {
    expect(canonicalParamJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalParamJson(undefined)).toBe('{}');
    expect(canonicalParamJson({})).toBe('{}');
  });

  it('writes bigint and LosslessNumber digit for digit', () => {
    expect(canonicalParamJson({ a: 3701938475610298874n, b: new LosslessNumber('3701938475610301265') })).toBe('{"a":3701938475610298874,"b":3701938475610301265}');
  });

  it('escapes control characters as JSON.stringify does, and U+2028/U+2029 as Go does', () => {
    expect(canonicalParamJson({ a: 'x\n\t"\\\u0001\u2028\u2029' })).toBe('{"a":"x\\n\\t\\"\\\\\\u0001\\u2028\\u2029"}');
  });

  it('orders keys by code point (Go sorts UTF-8 bytes), not by UTF-16 unit', () => {
    // U+FF21 (fullwidth A) sorts before U+1F600 by code point, after it by UTF-16 unit.
    expect(canonicalParamJson({ '😀': 1, 'Ａ': 2 })).toBe('{"Ａ":2,"😀":1}');
  });

  it('refuses NaN and Infinity', () => {
    expect(() => canonicalParamJson({ a: Number.NaN })).toThrow(/JSON cannot carry/);
  });
});

describe('signDoudianPush (message push)', () => {
  // Computed as the official Go SDK message sample does (zsmhub/doudian-sdk
  // message/doudian_sign.go: Md5(AppKey + string(body) + AppSecret)).
  const body =
    '[{"tag":"101","msg_id":"7386611249830953216","data":"{\\"biz\\":2,\\"order_status\\":105,\\"order_type\\":0,\\"p_id\\":6930622047781904356,\\"pay_amount\\":23700,\\"pay_time\\":1748740382,\\"pay_type\\":2,\\"s_ids\\":[6930622047781904356,6930622047781904357],\\"shop_id\\":5120447}"}]';

  it('is md5(app_key + body + app_secret), lower-case hex', () => {
    const out = signDoudianPush({ app_key: APP_KEY, body }, SECRET);
    expect(out.sign).toBe('68de6eca2bcb77ef79b1053e35a394f3');
    expect(out.sign).toBe(createHash('md5').update(APP_KEY + body + SECRET, 'utf8').digest('hex'));
    expect(out.signed).toBe(`${APP_KEY}${body}<app_secret>`);
  });

  it('depends on every byte of the body', () => {
    expect(signDoudianPush({ app_key: APP_KEY, body: body.replace('23700', '23701') }, SECRET).sign).not.toBe('68de6eca2bcb77ef79b1053e35a394f3');
  });

  it('has an HMAC variant keyed with the secret', async () => {
    expect(await signDoudianPushHmac({ app_key: APP_KEY, body }, SECRET)).toBe(createHmac('sha256', SECRET).update(APP_KEY + body + SECRET).digest('hex'));
  });

  it('compares in constant time', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'ab')).toBe(false);
  });
});
